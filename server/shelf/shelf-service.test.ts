import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerCache } from './answer-cache.ts';
import { Bulkhead } from './bulkhead.ts';
import type { CatalogIndex } from './catalog-index.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { createMetrics } from '../operations/metrics.ts';
import type { ModelAnswer, SageMakerEndpoint } from './sagemaker-endpoint.ts';
import { createShelfService } from './shelf-service.ts';
import { placementRules, smallCatalog } from '../../workshop/test-support/fixtures.ts';

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

/** A shelf service whose endpoint answers each call with the next of `outcomes`, over a breaker on a test clock. */
function serviceWithBreaker(outcomes: Array<() => Promise<ModelAnswer>>) {
  const clock = { now: 0 };
  const breaker = new CircuitBreaker({ failures: 1, probeMs: 1000, now: () => clock.now });
  const home = placementRules({ name: 'home', budgetMs: 200, limit: 4, fallback: ['best-sellers'] });
  let calls = 0;
  const service = createShelfService({
    catalog: smallCatalog(),
    rules: () => ({ placements: new Map([['home', home]]), defaults: home }),
    cache: new AnswerCache({ maxEntries: 10, freshMs: 0, staleMs: 1000 }),
    breaker,
    bulkhead: new Bulkhead(4),
    endpoint: { invoke: () => outcomes[calls++]!(), close() {} },
    assignVariant: () => undefined,
    recentlyBought: () => new Set(),
    metrics: createMetrics(),
    hardCapMs: 1000,
    pseudonym: (id) => id,
  });
  return { service, breaker, clock, calls: () => calls };
}

const awsError = (name: string, message: string, status: number) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
const modelAnswer = async (): Promise<ModelAnswer> => ({ ids: ['P5', 'P6'], modelVersion: 'm1', variant: null });

describe('every probe outcome ends the half-open state', () => {
  for (const [what, refusal] of [
    ['a request refused (413)', awsError('PayloadTooLarge', 'HTTP content length exceeded', 413)],
    ['a validation error', awsError('ValidationError', '1 validation error detected', 400)],
    ['a variant the endpoint lacks (a rollback)', awsError('ValidationError', 'Variant blue not found.', 400)],
  ] as const) {
    it(`a probe that meets ${what} releases the breaker: the next shelf probes and closes it`, async () => {
      const { service, breaker, clock, calls } = serviceWithBreaker([
        () => Promise.reject(awsError('ServiceUnavailable', 'down', 503)),
        () => Promise.reject(refusal),
        modelAnswer,
      ]);
      assert.equal((await service.recommend(request)).answer.fallbackReason, 'error');
      assert.equal(breaker.state, 'open');
      clock.now = 1000;
      assert.equal((await service.recommend(request)).answer.fallbackReason, 'error', 'the probe went out');
      assert.equal(breaker.state, 'open', 'released: not half-open, and not re-opened for another wait');
      const next = await service.recommend(request);
      assert.equal(calls(), 3, 'the next shelf is the new probe');
      assert.equal(next.answer.source, 'model');
      assert.equal(breaker.state, 'closed');
    });
  }

  it('a probe that meets a wrong endpoint name re-opens the breaker: the name fails every call alike', async () => {
    const { service, breaker, clock, calls } = serviceWithBreaker([
      () => Promise.reject(awsError('ValidationError', 'Endpoint recco of account 123456789012 not found.', 400)),
      () => Promise.reject(awsError('ValidationError', 'Endpoint recco of account 123456789012 not found.', 400)),
    ]);
    await service.recommend(request);
    assert.equal(breaker.state, 'open', 'a configuration error counts for the breaker');
    clock.now = 1000;
    await service.recommend(request);
    assert.equal(breaker.state, 'open');
    assert.equal((await service.recommend(request)).answer.fallbackReason, 'circuit-open');
    assert.equal(calls(), 2);
  });
});
