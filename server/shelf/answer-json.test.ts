import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerCache } from './answer-cache.ts';
import { answerJson, type ShelfAnswer, shelvesJson } from './answer-json.ts';
import { Bulkhead } from './bulkhead.ts';
import { indexCatalog } from './catalog-index.ts';
import { CircuitBreaker } from './circuit-breaker.ts';
import { createMetrics } from '../operations/metrics.ts';
import type { ModelAnswer, SageMakerEndpoint } from './sagemaker-endpoint.ts';
import { buildShelf, type ShelfSource } from './shelf-builder.ts';
import { createShelfService, type RecommendationAnswer } from './shelf-service.ts';
import { placementRules, product } from '../../workshop/test-support/fixtures.ts';

// Titles a serialiser gets wrong first: quotes, backslashes, markup, line and paragraph separators,
// a lone surrogate, control characters, non-Latin text.
const catalog = indexCatalog(
  [
    product('P1', { popularity: 100, title: 'Say "cheese" \\ <script>alert(1)</script>' }),
    product('P2', { popularity: 90, title: 'Line\u2028Paragraph\u2029Tab\tNUL\u0000', category: 'Christmas' }),
    product('P3', { popularity: 80, title: 'Lone \ud800 surrogate, 茶杯 and 🎄' }),
    product('P4', { popularity: 70, price: { value: 0.1 + 0.2, currency: 'GBP' } }),
    product('P5', { popularity: 60, category: 'Christmas' }),
    product('P6', { popularity: 50 }),
  ],
  { baseUrl: 'https://shop.example/store/' },
);

/** A shelf service over that catalog whose model answers with `invoke`. */
function service(invoke: SageMakerEndpoint['invoke'] | undefined) {
  const home = placementRules({ name: 'home', limit: 4, fallback: ['best-sellers'] });
  return createShelfService({
    catalog,
    rules: () => ({ placements: new Map([['home', home]]), defaults: home }),
    cache: new AnswerCache({ maxEntries: 10, freshMs: 0, staleMs: 1000 }),
    breaker: new CircuitBreaker({ failures: 100, probeMs: 1000 }),
    bulkhead: new Bulkhead(4),
    endpoint: invoke && { invoke, close() {} },
    assignVariant: () => undefined,
    recentlyBought: () => new Set(),
    metrics: createMetrics(),
    hardCapMs: 1000,
    pseudonym: (id) => id,
  });
}

const modelAnswer = (ids: string[]): Promise<ModelAnswer> =>
  Promise.resolve({ ids, modelVersion: 'ease-7', variant: 'challenger "b"' });

describe("an answer's JSON text", () => {
  it('is exactly JSON.stringify of the answer: fallback, model, short and unknown-placement answers', async () => {
    const answers: RecommendationAnswer[] = [
      (await service(undefined).recommend({ placement: 'home', items: [] })).answer,
      (await service(() => modelAnswer(['P3', 'P2', 'P1', 'P4'])).recommend({ placement: 'home', items: [] })).answer,
      // Half the model's shelf, the rest from the best sellers: two reasons on one shelf.
      (await service(() => modelAnswer(['P5', 'P6'])).recommend({ placement: 'home', userId: 'c1', items: ['P1'] }))
        .answer,
      (await service(() => Promise.reject(new Error('reset'))).recommend({ placement: 'nowhere', items: [] })).answer,
      (await service(undefined).recommend({ placement: 'home', items: ['P1', 'P2', 'P3', 'P4'], limit: 4 })).answer,
    ];
    assert.ok(answers[3]!.warnings, 'an unknown placement warns');
    assert.ok(answers[4]!.items.length < 4, 'a short shelf');
    for (const answer of answers) {
      // Twice: the second time the cards' texts are the remembered ones.
      assert.equal(answerJson(answer), JSON.stringify(answer));
      assert.equal(answerJson(answer), JSON.stringify(answer));
    }
  });

  it("gives each reason of one product its own card text (pinned, boosted, the source's)", () => {
    const rules = placementRules({
      pin: [{ itemId: 'P6', position: 1 }],
      boost: [{ category: 'Christmas', weight: 2 }],
    });
    const sources: ShelfSource[] = [{ name: 'model', ids: () => ['P1', 'P3', 'P4', 'P2', 'P5'] }];
    const context = { catalog, items: [], recentlyBought: new Set<string>(), now: Date.parse('2026-12-10T12:00:00Z') };
    const shelves = [
      buildShelf(rules, 4, sources, context),
      buildShelf(placementRules(), 4, sources, context),
      buildShelf(placementRules(), 4, [{ name: 'best-sellers', ids: () => catalog.bestSellers }], context),
    ];
    assert.deepEqual(
      shelves[0]!.items.map((i) => `${i.id}:${i.reason}`),
      ['P6:pinned', 'P1:model', 'P2:boosted', 'P3:model'],
    );
    for (const { items, filledBy } of shelves) {
      const answer: RecommendationAnswer = {
        requestId: 'r',
        placement: 'home',
        source: 'model',
        fallbackReason: null,
        model: null,
        resolvers: filledBy,
        items,
      };
      assert.equal(answerJson(answer), JSON.stringify(answer));
    }
  });

  it('serialises afresh a card that is not frozen (not shared, so it may change)', () => {
    const card = { ...catalog.toShelfItem(catalog.get('P1')!), reason: 'model' as const };
    const answer: RecommendationAnswer = {
      requestId: 'r',
      placement: 'home',
      source: 'model',
      fallbackReason: null,
      model: { version: 'm', variant: null },
      resolvers: ['model'],
      items: [card],
    };
    assert.equal(answerJson(answer), JSON.stringify(answer));
    card.title = 'Renamed';
    assert.equal(answerJson(answer), JSON.stringify(answer));
  });

  it('leaves out a field set to undefined, as JSON.stringify does', () => {
    const answer = {
      requestId: 'r',
      placement: 'home',
      source: 'fallback',
      fallbackReason: 'timeout',
      model: null,
      resolvers: [],
      items: [],
      warnings: undefined,
    } satisfies ShelfAnswer;
    assert.equal(answerJson(answer), JSON.stringify(answer));
  });

  it('of several shelves is exactly JSON.stringify({ shelves }), fragments included', async () => {
    const shelf = (await service(undefined).recommend({ placement: 'home', items: [] })).answer;
    const shelves: ShelfAnswer[] = [
      { ...shelf, html: '<reco-shelf><template shadowrootmode="open">"&amp;"\u2028</template></reco-shelf>' },
      shelf,
    ];
    assert.equal(shelvesJson(shelves), JSON.stringify({ shelves }));
    assert.equal(shelvesJson([]), JSON.stringify({ shelves: [] }));
  });
});
