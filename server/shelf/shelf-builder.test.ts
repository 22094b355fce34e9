import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AnswerCache } from './answer-cache.ts';
import { fallbacks, type FallbackContext } from './fallback-chain/index.ts';
import { buildShelf, type ShelfSource } from './shelf-builder.ts';
import { placementRules, smallCatalog } from '../../workshop/test-support/fixtures.ts';

const catalog = smallCatalog();
const noPurchases = new Set<string>();
const source = (name: string, ids: string[]): ShelfSource => ({ name, ids: () => ids });
const ids = (shelf: { items: Array<{ id: string }> }) => shelf.items.map((i) => i.id);

function context(fields: Partial<FallbackContext> = {}): FallbackContext {
  return {
    placement: placementRules(),
    shopper: 'u:1',
    cacheKey: 'k',
    items: [],
    catalog,
    cache: new AnswerCache({ maxEntries: 10, freshMs: 1000, staleMs: 10_000 }),
    ...fields,
  };
}

describe('shelf builder', () => {
  it('keeps the source order and stops at the limit', () => {
    const shelf = buildShelf(placementRules(), 3, [source('model', ['P3', 'P1', 'P2', 'P4'])], {
      catalog,
      items: [],
      recentlyBought: noPurchases,
    });
    assert.deepEqual(ids(shelf), ['P3', 'P1', 'P2']);
    assert.deepEqual(shelf.filledBy, ['model']);
  });

  it('drops out-of-stock, context, recently bought, unknown and duplicate ids', () => {
    const shelf = buildShelf(
      placementRules(),
      4,
      [source('model', ['P9', 'P1', 'P1', 'NOPE', 'P2', 'P3', 'P4', 'P5'])],
      { catalog, items: ['P2'], recentlyBought: new Set(['P3']) },
    );
    assert.deepEqual(ids(shelf), ['P1', 'P4', 'P5']);
  });

  it('tops up from the next source when filters leave too few, and says who filled it', () => {
    const shelf = buildShelf(
      placementRules(),
      4,
      [source('model', ['P9', 'P7']), source('best-sellers', catalog.bestSellers as string[])],
      { catalog, items: [], recentlyBought: noPurchases },
    );
    assert.deepEqual(ids(shelf), ['P7', 'P1', 'P2', 'P3']);
    assert.deepEqual(shelf.filledBy, ['model', 'best-sellers']);
  });

  it('does not ask a later source once the shelf is full', () => {
    let asked = false;
    buildShelf(
      placementRules(),
      2,
      [
        source('model', ['P1', 'P2']),
        {
          name: 'late',
          ids: () => {
            asked = true;
            return [];
          },
        },
      ],
      { catalog, items: [], recentlyBought: noPurchases },
    );
    assert.equal(asked, false);
  });

  it('applies only the filters the placement lists', () => {
    const shelf = buildShelf(placementRules({ filters: [] }), 3, [source('pinned', ['P9', 'P9', 'P1'])], {
      catalog,
      items: [],
      recentlyBought: noPurchases,
    });
    assert.deepEqual(ids(shelf), ['P9', 'P9', 'P1']);
  });
});

describe('fallbacks', () => {
  it('best sellers rank by popularity', () => {
    assert.deepEqual(fallbacks['best-sellers'].rank(context()).ids.slice(0, 3), ['P1', 'P2', 'P3']);
  });

  it("bought together interleaves the context items' baskets", () => {
    assert.deepEqual(fallbacks['bought-together'].rank(context({ items: ['P1', 'P2'] })).ids, ['P5', 'P7', 'P6']);
  });

  it("category best sellers follow the context items' categories", () => {
    assert.deepEqual(fallbacks['category-best-sellers'].rank(context({ items: ['P2'] })).ids, ['P2', 'P4', 'P6', 'P8']);
  });

  it('new arrivals put the newest first', () => {
    assert.equal(fallbacks['new-arrivals'].rank(context()).ids[0], 'P10');
  });

  it("pinned returns the merchandiser's list in order", () => {
    assert.deepEqual(fallbacks.pinned.rank(context({ placement: placementRules({ pinned: ['P8', 'P3'] }) })).ids, [
      'P8',
      'P3',
    ]);
  });

  it("last model answer serves the shopper's latest answer, even for another context, within the stale window", () => {
    let now = 0;
    const cache = new AnswerCache({ maxEntries: 10, freshMs: 1000, staleMs: 10_000, now: () => now });
    cache.set('u:1', 'home', { ids: ['P4', 'P5'], modelVersion: 'v1', variant: 'A' });
    now = 5000;
    const result = fallbacks['last-model-answer'].rank(context({ cache, cacheKey: 'product' }));
    assert.deepEqual(result.ids, ['P4', 'P5']);
    assert.deepEqual(result.model, { version: 'v1', variant: 'A' });
    now = 10_001;
    assert.deepEqual(fallbacks['last-model-answer'].rank(context({ cache, cacheKey: 'product' })).ids, []);
  });
});
