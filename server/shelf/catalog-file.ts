/**
 * The catalog kept in step with its file (watched-file.ts), so prices and stock follow
 * the shop's exports without a restart: each good file is indexed whole and swapped in
 * at once; a bad one keeps the last good catalog and logs why.
 */
import type { Logger } from 'pino';
import type { CatalogFile as CatalogFileContents } from '../../data/catalog.ts';
import { type CatalogIndex, indexCatalog } from './catalog-index.ts';
import { watchFile } from './watched-file.ts';

/** The live catalog of one file. */
export interface CatalogFile {
  /** Always answers from the last good catalog (a view, so holders of it see each swap). */
  readonly index: CatalogIndex;
  /** How many times a good catalog was loaded (1 after start). */
  readonly generation: number;
  close(): void;
}

function parseCatalog(path: string, text: string, baseUrl: string | undefined): CatalogIndex {
  let parsed: CatalogFileContents;
  try {
    parsed = JSON.parse(text) as CatalogFileContents;
  } catch (error) {
    throw new Error(`catalog: cannot read ${path}: ${(error as Error).message}`);
  }
  if (!Array.isArray(parsed?.products) || parsed.products.length === 0) {
    throw new Error(`catalog: ${path} holds no products`);
  }
  const bad = parsed.products.findIndex((p) => typeof p?.id !== 'string' || typeof p.title !== 'string');
  if (bad >= 0) throw new Error(`catalog: products[${bad}] lacks a string id or title`);
  return indexCatalog(parsed.products, { ...(parsed.asOf ? { asOf: parsed.asOf } : {}), baseUrl });
}

/** Loads `path` and watches it; throws at once when the first read is bad. */
export function openCatalogFile(path: string, logger: Logger, baseUrl?: string): CatalogFile {
  const file = watchFile(path, { what: 'catalog', logger, parse: (text) => parseCatalog(path, text, baseUrl) });
  const index: CatalogIndex = {
    get size() {
      return file.current().size;
    },
    get: (id) => file.current().get(id),
    get bestSellers() {
      return file.current().bestSellers;
    },
    bestSellersIn: (category) => file.current().bestSellersIn(category),
    get newArrivals() {
      return file.current().newArrivals;
    },
    get asOf() {
      return file.current().asOf;
    },
    toShelfItem: (product) => file.current().toShelfItem(product),
  };
  return {
    index,
    get generation() {
      return file.generation;
    },
    close: () => file.close(),
  };
}
