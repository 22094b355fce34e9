/**
 * The catalog as the proxy queries it: products by id, and the ranked lists
 * the fallbacks draw from, computed once at load.
 */
import type { CatalogProduct } from '../../data/catalog.ts';
import type { CardReason } from '../../contracts/shelf-answer.ts';

/** The product fields a shelf shows; everything else stays on the server. */
export interface ShelfItem {
  id: string;
  title: string;
  url: string;
  image: string;
  price: { value: number; currency: string };
  category: string;
  /** Why the card is where it is (`contracts/shelf-answer.ts`); set by the shelf builder. */
  reason?: CardReason;
}

/** Read-only lookups over the catalog. */
export interface CatalogIndex {
  readonly size: number;
  get(id: string): CatalogProduct | undefined;
  /** All products, most popular first. */
  readonly bestSellers: readonly string[];
  /** Per category, most popular first. */
  bestSellersIn(category: string): readonly string[];
  /** Most recently introduced first. */
  readonly newArrivals: readonly string[];
  /** The catalog's "today" (its last day of sales, ISO date): what recency rules count from. */
  readonly asOf: string;
  /**
   * The product as a shelf shows it; url and image absolute when the catalog has a base URL.
   * The same frozen object for the same product, every time.
   */
  toShelfItem(product: CatalogProduct): ShelfItem;
}

/** How the catalog is indexed. */
export interface CatalogIndexOptions {
  /** The catalog's last day of sales (default: the latest `lastSold`). */
  asOf?: string;
  /**
   * `RECO_CATALOG_BASE_URL`: the storefront's origin (and path) that item urls and images are
   * relative to, so a shelf on a page of another origin shows real pictures and working links.
   */
  baseUrl?: string | undefined;
}

/** Indexes a list of products. */
export function indexCatalog(products: readonly CatalogProduct[], options: CatalogIndexOptions = {}): CatalogIndex {
  const absolute = (path: string): string => (options.baseUrl ? new URL(path, options.baseUrl).href : path);
  const byId = new Map(products.map((p) => [p.id, p]));
  // Each product's shelf form (two URLs resolved against the base) is made once, on first use,
  // and shared by every answer that shows it: answers only serialise their items, never change them.
  const shelfItems = new Map<CatalogProduct, ShelfItem>();
  const popular = [...products].sort((a, b) => b.popularity - a.popularity || a.id.localeCompare(b.id));
  const byCategory = new Map<string, string[]>();
  for (const p of popular) {
    let list = byCategory.get(p.category);
    if (!list) byCategory.set(p.category, (list = []));
    list.push(p.id);
  }
  const newest = [...products].sort((a, b) => b.firstSold.localeCompare(a.firstSold) || b.popularity - a.popularity);
  return {
    size: byId.size,
    get: (id) => byId.get(id),
    bestSellers: popular.map((p) => p.id),
    bestSellersIn: (category) => byCategory.get(category) ?? [],
    newArrivals: newest.map((p) => p.id),
    // ISO dates sort as text: the last one is the latest.
    asOf:
      options.asOf ??
      (products
        .map((p) => p.lastSold)
        .sort()
        .at(-1) ||
        ''),
    toShelfItem(product) {
      let item = shelfItems.get(product);
      if (item === undefined) {
        const { id, title, url, image, price, category } = product;
        item = Object.freeze({ id, title, url: absolute(url), image: absolute(image), price, category });
        shelfItems.set(product, item);
      }
      return item;
    },
  };
}
