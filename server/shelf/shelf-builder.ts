/**
 * Fills a shelf: walks the sources in order (the model or cached answer, then
 * the placement's fallback chain), keeps what passes the placement's filters,
 * and stops once the shelf is full. Fallbacks are only asked when needed.
 */
import type { CatalogProduct } from '../../data/catalog.ts';
import type { CatalogIndex, ShelfItem } from './catalog-index.ts';
import type { FilterName, PlacementRules } from './placement-rules.ts';

/** A named source of ranked ids, asked lazily. */
export interface ShelfSource {
  name: string;
  ids: () => readonly string[];
}

/** What a filter may look at. */
export interface FilterContext {
  catalog: CatalogIndex;
  items: readonly string[];
  recentlyBought: ReadonlySet<string>;
  /** Products an earlier shelf of the same answer shows (`POST /v1/shelves` with `distinct`): never shown again. */
  shown?: ReadonlySet<string>;
}

/** The filled shelf and the sources that filled it, in order. */
export interface Shelf {
  items: ShelfItem[];
  filledBy: string[];
}

const filters: Record<Exclude<FilterName, 'no-duplicates'>, (id: string, context: FilterContext) => boolean> = {
  'in-stock': (id, { catalog }) => catalog.get(id)?.inStock === true,
  'exclude-context': (id, { items }) => !items.includes(id),
  'exclude-recently-bought': (id, { recentlyBought }) => !recentlyBought.has(id),
};

const dayMs = 86_400_000;

/** The placement's `only` rule as a test of a product; every product passes when there is none. */
function placementConstraint(rules: PlacementRules, catalog: CatalogIndex): (product: CatalogProduct) => boolean {
  const { firstSoldWithinDays, category } = rules.only ?? {};
  const since =
    firstSoldWithinDays === undefined
      ? undefined
      : new Date(Date.parse(catalog.asOf) - firstSoldWithinDays * dayMs).toISOString().slice(0, 10);
  return (product) =>
    (since === undefined || product.firstSold >= since) && (category === undefined || product.category === category);
}

/** Builds a shelf of at most `limit` products from `sources`. */
export function buildShelf(
  rules: PlacementRules,
  limit: number,
  sources: readonly ShelfSource[],
  context: FilterContext,
): Shelf {
  const active = rules.filters
    .filter((f): f is Exclude<FilterName, 'no-duplicates'> => f !== 'no-duplicates')
    .map((f) => filters[f]);
  const dedupe = rules.filters.includes('no-duplicates');
  const allowed = placementConstraint(rules, context.catalog);
  const taken = new Set<string>();
  const shelf: Shelf = { items: [], filledBy: [] };
  for (const source of sources) {
    if (shelf.items.length >= limit) break;
    let contributed = false;
    for (const id of source.ids()) {
      if (shelf.items.length >= limit) break;
      if ((dedupe && taken.has(id)) || context.shown?.has(id)) continue;
      const product = context.catalog.get(id);
      // An id the catalog does not know cannot be shown, whatever the filters say.
      if (!product || !allowed(product) || !active.every((keep) => keep(id, context))) continue;
      taken.add(id);
      shelf.items.push(context.catalog.toShelfItem(product));
      contributed = true;
    }
    if (contributed) shelf.filledBy.push(source.name);
  }
  return shelf;
}
