/**
 * Builds `data/catalog.json` from the cleaned purchases: one entry per product
 * with its most used description and price, a derived category, availability,
 * popularity and the products most often bought with it.
 * Run with `npm run data:catalog`; `npm start` and `npm test` run it when the file is missing.
 */
import { writeFileSync } from 'node:fs';
import { catalogPath, type CatalogFile, type CatalogProduct } from './catalog.ts';
import { categoryOf } from './categories.ts';
import { loadPurchases, type Purchase } from './purchases.ts';

const day = 86_400_000;
/** A product unsold for this long before the data ends counts as out of stock (discontinued). */
const inStockWindowDays = 90;
/** Baskets larger than this are wholesale restocks; they say little about what goes together. */
const maxBasketForPairs = 60;
const boughtWithSize = 12;

function mostFrequent<T>(counts: Map<T, number>): T {
  let best: T | undefined;
  let bestCount = -1;
  for (const [value, count] of counts)
    if (count > bestCount) {
      best = value;
      bestCount = count;
    }
  return best as T;
}

function titleCase(description: string): string {
  return description
    .toLowerCase()
    .replace(/(^|[\s\-/(&])([a-z])/g, (_, sep: string, ch: string) => sep + ch.toUpperCase());
}

const isoDay = (time: number): string => new Date(time).toISOString().slice(0, 10);

/** Cosine-normalised basket co-occurrence: items bought together beyond their popularity. */
function boughtTogether(purchases: Purchase[], ids: string[], basketsOf: Map<string, number>): string[][] {
  const index = new Map(ids.map((id, i) => [id, i]));
  const baskets = new Map<string, Set<number>>();
  for (const p of purchases) {
    let basket = baskets.get(p.invoice);
    if (!basket) baskets.set(p.invoice, (basket = new Set()));
    basket.add(index.get(p.stockCode)!);
  }
  const n = ids.length;
  const pairs = new Float32Array(n * n);
  for (const basket of baskets.values()) {
    if (basket.size < 2 || basket.size > maxBasketForPairs) continue;
    const items = [...basket];
    for (const a of items) for (const b of items) if (a !== b) pairs[a * n + b]! += 1;
  }
  return ids.map((id, a) => {
    const scored: Array<[number, number]> = [];
    const popA = basketsOf.get(id)!;
    for (let b = 0; b < n; b++) {
      const together = pairs[a * n + b]!;
      if (together >= 3) scored.push([b, together / Math.sqrt(popA * basketsOf.get(ids[b]!)!)]);
    }
    return scored
      .sort((x, y) => y[1] - x[1])
      .slice(0, boughtWithSize)
      .map(([b]) => ids[b]!);
  });
}

/** Builds the catalog from the purchases (pure, for tests). */
export function buildCatalog(purchases: Purchase[]): CatalogFile {
  const stats = new Map<
    string,
    {
      descriptions: Map<string, number>;
      prices: Map<number, number>;
      customers: Set<string>;
      invoices: Set<string>;
      first: number;
      last: number;
    }
  >();
  let end = 0;
  for (const p of purchases) {
    let s = stats.get(p.stockCode);
    if (!s)
      stats.set(
        p.stockCode,
        (s = {
          descriptions: new Map(),
          prices: new Map(),
          customers: new Set(),
          invoices: new Set(),
          first: p.time,
          last: p.time,
        }),
      );
    if (p.description) s.descriptions.set(p.description, (s.descriptions.get(p.description) ?? 0) + 1);
    s.prices.set(p.unitPrice, (s.prices.get(p.unitPrice) ?? 0) + 1);
    s.customers.add(p.customerId);
    s.invoices.add(p.invoice);
    s.first = Math.min(s.first, p.time);
    s.last = Math.max(s.last, p.time);
    end = Math.max(end, p.time);
  }
  const ids = [...stats.keys()].filter((id) => stats.get(id)!.descriptions.size > 0);
  const basketsOf = new Map(ids.map((id) => [id, stats.get(id)!.invoices.size]));
  const related = boughtTogether(
    purchases.filter((p) => basketsOf.has(p.stockCode)),
    ids,
    basketsOf,
  );
  const products: CatalogProduct[] = ids.map((id, i) => {
    const s = stats.get(id)!;
    const description = mostFrequent(s.descriptions);
    return {
      id,
      title: titleCase(description),
      url: `/product/${encodeURIComponent(id)}`,
      image: `/images/${encodeURIComponent(id)}.svg`,
      price: { value: Math.round(mostFrequent(s.prices) * 100) / 100, currency: 'GBP' },
      category: categoryOf(description),
      inStock: end - s.last <= inStockWindowDays * day,
      popularity: s.customers.size,
      firstSold: isoDay(s.first),
      lastSold: isoDay(s.last),
      boughtWith: related[i]!,
    };
  });
  products.sort((a, b) => b.popularity - a.popularity || a.id.localeCompare(b.id));
  return { generatedAt: new Date().toISOString(), asOf: isoDay(end), products };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const started = Date.now();
  const catalog = buildCatalog(loadPurchases().purchases);
  writeFileSync(catalogPath, JSON.stringify(catalog));
  const byCategory = new Map<string, number>();
  for (const p of catalog.products) byCategory.set(p.category, (byCategory.get(p.category) ?? 0) + 1);
  console.log(
    `catalog: ${catalog.products.length} products (${catalog.products.filter((p) => p.inStock).length} in stock) ` +
      `in ${Date.now() - started} ms → ${catalogPath}`,
  );
  console.log(`catalog: categories ${JSON.stringify(Object.fromEntries(byCategory))}`);
}
