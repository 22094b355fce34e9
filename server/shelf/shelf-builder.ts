/**
 * Fills a shelf: walks the sources in order (the model or cached answer, then
 * the placement's fallback chain), keeps what passes the placement's filters,
 * and stops once the shelf is full. Fallbacks are only asked when needed.
 * Then the merchandiser's rules in force (pin, boost, bury, hide) shape it.
 */
import type { CatalogProduct } from '../../data/catalog.ts';
import type { CatalogIndex, ShelfItem } from './catalog-index.ts';
import type { CardReason } from '../../contracts/shelf-answer.ts';
import { activeMerchandising } from './placement-merchandising.ts';
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
  /** The instant the merchandising's time windows are judged at (ms since the epoch); default now. */
  now?: number;
}

/** The filled shelf and the sources that filled it, in order. */
export interface Shelf {
  /** Each with its `reason`. */
  items: ShelfItem[];
  filledBy: string[];
  /** The shelf the sources and filters alone would give, before the merchandising (the admin's preview). */
  beforeRules: ShelfItem[];
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

/** A placement's filters as the builder runs them. */
interface PlacementFilters {
  catalog: CatalogIndex;
  active: ReadonlyArray<(id: string, context: FilterContext) => boolean>;
  dedupe: boolean;
  allowed: (product: CatalogProduct) => boolean;
}

/**
 * Made once per placement's rules (a rules file read anew makes new rules) and catalog, not once per shelf:
 * the fallback path builds a shelf on every request.
 */
const preparedFilters = new WeakMap<PlacementRules, PlacementFilters>();
function filtersOf(rules: PlacementRules, catalog: CatalogIndex): PlacementFilters {
  let prepared = preparedFilters.get(rules);
  if (prepared?.catalog !== catalog) {
    prepared = {
      catalog,
      active: rules.filters
        .filter((f): f is Exclude<FilterName, 'no-duplicates'> => f !== 'no-duplicates')
        .map((f) => filters[f]),
      dedupe: rules.filters.includes('no-duplicates'),
      allowed: placementConstraint(rules, catalog),
    };
    preparedFilters.set(rules, prepared);
  }
  return prepared;
}

/** A product that passed the filters, where its source ranked it, and why it is there. */
interface Candidate {
  product: CatalogProduct;
  source: string;
  reason: CardReason;
  /** A merchandiser's hide or pin takes it out of the ranked pool. */
  held: boolean;
}

/** A card's reason from its source: the model's answer (this request's or cached), else the fallback that gave it. */
const sourceReason = (name: string): CardReason =>
  name === 'model' || name === 'cache' ? 'model' : `fallback:${name}`;

/** The product behind `id` when it may be shown: known, allowed on the placement, passing every filter. */
function admissible(
  id: string,
  context: FilterContext,
  allowed: (product: CatalogProduct) => boolean,
  active: ReadonlyArray<(id: string, context: FilterContext) => boolean>,
): CatalogProduct | undefined {
  if (context.shown?.has(id)) return undefined;
  const product = context.catalog.get(id);
  if (!product || !allowed(product)) return undefined;
  for (const keep of active) if (!keep(id, context)) return undefined;
  return product;
}

/**
 * The product's shelf form with `reason`: made once per product and reason and shared, as the catalog shares
 * each product's shelf form (answers only serialise their items), so a card costs no allocation.
 */
const reasoned = new WeakMap<ShelfItem, Map<CardReason, ShelfItem>>();
function withReason(item: ShelfItem, reason: CardReason): ShelfItem {
  let byReason = reasoned.get(item);
  if (!byReason) reasoned.set(item, (byReason = new Map()));
  let reasonedItem = byReason.get(reason);
  if (!reasonedItem) byReason.set(reason, (reasonedItem = Object.freeze({ ...item, reason })));
  return reasonedItem;
}

/**
 * Builds a shelf of at most `limit` products from `sources`, then applies the placement's merchandising
 * (placement-merchandising.ts) in force at `context.now`: hidden products are skipped, boosts and buries
 * re-rank the filtered products (the first source's ids up to `limit × overfetch`, then the next sources'
 * only while the shelf would be short), and pinned products take their positions if they pass the filters.
 */
export function buildShelf(
  rules: PlacementRules,
  limit: number,
  sources: readonly ShelfSource[],
  context: FilterContext,
): Shelf {
  const { active, dedupe, allowed } = filtersOf(rules, context.catalog);
  const taken = new Set<string>();
  const merch = activeMerchandising(rules, context.now ?? Date.now());
  if (!merch) {
    // The path of nearly every shelf: no rule in force, nothing to hold back or re-rank.
    const items: ShelfItem[] = [];
    const filledBy: string[] = [];
    for (const source of sources) {
      if (items.length >= limit) break;
      const reason = sourceReason(source.name);
      let contributed = false;
      for (const id of source.ids()) {
        if (items.length >= limit) break;
        if (dedupe && taken.has(id)) continue;
        const product = admissible(id, context, allowed, active);
        if (!product) continue;
        taken.add(id);
        items.push(withReason(context.catalog.toShelfItem(product), reason));
        contributed = true;
      }
      if (contributed) filledBy.push(source.name);
    }
    return { items, filledBy, beforeRules: items };
  }

  const pinnedIds = new Set(merch.pins.map((p) => p.itemId));
  // Boosts and buries need room below the shelf to pull products up from.
  const poolSize = merch.reorders ? Math.max(limit, Math.ceil(limit * rules.overfetch)) : limit;
  const candidates: Candidate[] = [];
  let usable = 0;
  for (const source of sources) {
    if (usable >= limit) break;
    const reason = sourceReason(source.name);
    for (const id of source.ids()) {
      if (usable >= poolSize) break;
      if (dedupe && taken.has(id)) continue;
      const product = admissible(id, context, allowed, active);
      if (!product) continue;
      taken.add(id);
      const held = pinnedIds.has(id) || merch.isHidden(id, product.category);
      candidates.push({ product, source: source.name, reason, held });
      if (!held) usable++;
    }
  }
  const card = (c: Candidate): ShelfItem => withReason(context.catalog.toShelfItem(c.product), c.reason);
  const filledByOf = (chosen: readonly Candidate[]): string[] => {
    const names = new Set(chosen.map((c) => c.source));
    return sources.map((s) => s.name).filter((name) => names.has(name));
  };
  const beforeRules = candidates.slice(0, limit);

  // Boosts and buries: a product moves its net weight in places (it goes before the one whose place it
  // reaches: the one that moved further wins a tie), other ties keep the sources' order.
  const ranked = candidates
    .filter((c) => !c.held)
    .map((c, rank) => ({ c, rank, shift: merch.reorders ? merch.shift(c.product.id, c.product.category) : 0 }))
    .sort((a, b) => a.rank - a.shift - (b.rank - b.shift) || b.shift - a.shift || a.rank - b.rank)
    .map(({ c, shift }) => (shift > 0 ? { ...c, reason: 'boosted' as const } : c));
  // Pins take their positions first (an earlier pin wins a contested one; the later moves to the next free).
  const slots: Array<Candidate | undefined> = new Array(limit);
  for (const pin of merch.pins) {
    if (dedupe && slots.some((s) => s?.product.id === pin.itemId)) continue;
    const product = admissible(pin.itemId, context, allowed, active);
    if (!product || merch.isHidden(product.id, product.category)) continue;
    let at = pin.position - 1;
    while (at < limit && slots[at]) at++;
    if (at < limit) slots[at] = { product, source: 'pinned', reason: 'pinned', held: true };
  }
  const rest = ranked.values();
  for (let i = 0; i < limit; i++) slots[i] ??= rest.next().value;
  // A pin past the end of a short shelf closes up to its last card.
  const chosen = slots.filter((s): s is Candidate => s !== undefined);
  return {
    items: chosen.map(card),
    filledBy: filledByOf(chosen.filter((c) => c.source !== 'pinned')),
    beforeRules: beforeRules.map(card),
  };
}
