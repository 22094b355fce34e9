/**
 * The catalog as the proxy queries it: products by id, and the ranked lists
 * the fallback strategies draw from, computed once at load.
 */
import { readCatalogFile, type CatalogProduct } from '../data/catalog.ts';

/** The product fields a shelf shows; everything else stays on the server. */
export interface ShelfItem {
  id: string;
  title: string;
  url: string;
  image: string;
  price: { value: number; currency: string };
  category: string;
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
  toShelfItem(product: CatalogProduct): ShelfItem;
}

/** Indexes a list of products. */
export function indexCatalog(products: readonly CatalogProduct[]): CatalogIndex {
  const byId = new Map(products.map((p) => [p.id, p]));
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
    toShelfItem: ({ id, title, url, image, price, category }) => ({ id, title, url, image, price, category }),
  };
}

/** Reads and indexes the catalog file. */
export function loadCatalogIndex(path: string): CatalogIndex {
  return indexCatalog(readCatalogFile(path).products);
}
