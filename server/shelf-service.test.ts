import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerCache } from './answer-cache.ts';
import { Bulkhead } from './bulkhead.ts';
import type { CatalogIndex } from './catalog-index.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { createMetrics } from './metrics.ts';
import type { ModelAnswer, SageMakerEndpoint } from './sagemaker-endpoint.ts';
import { createShelfService } from './shelf-service.ts';
import { placementRules, smallCatalog } from '../test-support/fixtures.ts';

/**
 * A shelf service over the small catalog whose `events` log, in order, when the rules' shelf
 * reads the best sellers (its only fallback) and when the budget timer ends a race.
 */
function serviceAnswering(invoke: () => Promise<ModelAnswer>) {
  const events: string[] = [];
  const base = smallCatalog();
  const catalog: CatalogIndex = {
    ...base,
    get bestSellers() {
      events.push('rules shelf built');
      return base.bestSellers;
    },
  };
  const metrics = createMetrics();
  const observe = metrics.budgetTimerLateness.observe.bind(metrics.budgetTimerLateness);
  metrics.budgetTimerLateness.observe = ((value: number) => {
    events.push('budget ran out');
    observe(value);
  }) as typeof metrics.budgetTimerLateness.observe;
  const home = placementRules({ name: 'home', budgetMs: 30, limit: 4, fallback: ['best-sellers'] });
  const endpoint: SageMakerEndpoint = { invoke, close() {} };
  const service = createShelfService({
    catalog,
    rules: () => ({ placements: new Map([['home', home]]), defaults: home }),
    cache: new AnswerCache({ maxEntries: 10, freshMs: 0, staleMs: 1000 }),
    breaker: new CircuitBreaker({ failures: 100, probeMs: 1000 }),
    bulkhead: new Bulkhead(4),
    endpoint,
    assignVariant: () => undefined,
    recentlyBought: () => new Set(),
    metrics,
    hardCapMs: 1000,
    pseudonym: (id) => id,
  });
  return { service, events };
}

const request = { placement: 'home', userId: '17850', items: [] };

describe('the rules shelf during a model call', () => {
  it('is built before the budget runs out, so the timeout leaves only sending', async () => {
    const { service, events } = serviceAnswering(() => new Promise(() => {}));
    const { answer } = await service.recommend(request);
    assert.equal(answer.fallbackReason, 'timeout');
    assert.deepEqual(
      answer.items.map((i) => i.id),
      ['P1', 'P2', 'P3', 'P4'],
    );
    assert.deepEqual(events, ['rules shelf built', 'budget ran out']);
  });

  it('is never built when the model answers in time with a full shelf', async () => {
    const { service, events } = serviceAnswering(async () => ({
      ids: ['P5', 'P6', 'P7', 'P8', 'P3'],
      modelVersion: 'm1',
      variant: null,
    }));
    const { answer } = await service.recommend(request);
    assert.equal(answer.source, 'model');
    assert.deepEqual(events, []);
  });

  it('is built once, at once, when the call fails before the budget', async () => {
    const { service, events } = serviceAnswering(() => Promise.reject(new Error('connection reset')));
    const { answer } = await service.recommend(request);
    assert.equal(answer.source, 'fallback');
    assert.equal(answer.items.length, 4);
    assert.deepEqual(events, ['rules shelf built']);
  });
});
