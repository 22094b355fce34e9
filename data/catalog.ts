/**
 * The product catalog: what the storefront sells, derived from its sales
 * (`npm run data:catalog` writes `data/catalog.json`). The proxy enriches model
 * ids from it and the demo storefront renders its pages from it, so a product
 * shows the same title, price and image everywhere.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the built catalog lives. */
export const catalogPath = fileURLToPath(new URL('./catalog.json', import.meta.url));

/** One product as the storefront sells it. */
export interface CatalogProduct {
  /** The retailer's StockCode, e.g. "85123A". */
  id: string;
  title: string;
  /** Storefront-relative product page. */
  url: string;
  /** Storefront-relative image, served by the storefront. */
  image: string;
  price: { value: number; currency: 'GBP' };
  category: string;
  inStock: boolean;
  /** Distinct customers who bought it. */
  popularity: number;
  /** First and last day it sold (ISO dates). */
  firstSold: string;
  lastSold: string;
  /** Ids most often bought in the same basket, best first. */
  boughtWith: string[];
}

/** The catalog file's shape. */
export interface CatalogFile {
  generatedAt: string;
  /** The last day of sales in the data: "today" for recency rules. */
  asOf: string;
  products: CatalogProduct[];
}

/** Reads and sanity-checks the catalog file. */
export function readCatalogFile(path: string = catalogPath): CatalogFile {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as CatalogFile;
  if (!Array.isArray(parsed.products) || parsed.products.length === 0) {
    throw new Error(`catalog: ${path} holds no products`);
  }
  return parsed;
}
