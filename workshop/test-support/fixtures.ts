/** Small, hand-made parts for unit tests of the proxy. */
import type { CatalogProduct } from '../../data/catalog.ts';
import { indexCatalog, type CatalogIndex } from '../../server/shelf/catalog-index.ts';
import { parseRuleBook, type PlacementRules } from '../../server/shelf/placement-rules.ts';

/**
 * The pseudonym key tests give a proxy that shares Redis (`RECO_REDIS_URL` needs one: Redis holds
 * ids only as digests keyed with it). Test-only: never a demo's or a shop's key.
 */
export const testPseudonymKey = 'test-pseudonym-key-for-redis-0123456789';

/** A product with sensible defaults. */
export function product(id: string, fields: Partial<CatalogProduct> = {}): CatalogProduct {
  return {
    id,
    title: `Product ${id}`,
    url: `/product/${id}`,
    image: `/images/${id}.svg`,
    price: { value: 1.5, currency: 'GBP' },
    category: 'Kitchen & Dining',
    inStock: true,
    popularity: 10,
    firstSold: '2011-01-01',
    lastSold: '2011-12-01',
    boughtWith: [],
    ...fields,
  };
}

/** A ten-product catalog: P1 most popular … P10 least; P9 out of stock; P10 newest. */
export function smallCatalog(): CatalogIndex {
  return indexCatalog([
    product('P1', { popularity: 100, boughtWith: ['P5', 'P6'] }),
    product('P2', { popularity: 90, category: 'Christmas', boughtWith: ['P7'] }),
    product('P3', { popularity: 80 }),
    product('P4', { popularity: 70, category: 'Christmas' }),
    product('P5', { popularity: 60 }),
    product('P6', { popularity: 50, category: 'Christmas' }),
    product('P7', { popularity: 40 }),
    product('P8', { popularity: 30, category: 'Christmas' }),
    product('P9', { popularity: 20, inStock: false }),
    product('P10', { popularity: 10, firstSold: '2011-12-01' }),
  ]);
}

/** Rules for one placement, defaults filled in. */
export function placementRules(fields: Partial<PlacementRules> = {}): PlacementRules {
  const book = parseRuleBook({
    defaults: {
      budgetMs: 150,
      limit: 4,
      overfetch: 3,
      fallback: ['best-sellers'],
      filters: ['in-stock', 'exclude-context', 'exclude-recently-bought', 'no-duplicates'],
      recentlyBoughtDays: 30,
    },
    placements: { test: {} },
  });
  return { ...book.placements.get('test')!, ...fields };
}
