/**
 * The interaction matrix every recommender trains on: who bought what, how often
 * (distinct invoices) and how recently, indexed by dense integer ids.
 * Items are indexed by popularity (most customers first), so "the top N items" is
 * simply the index range 0..N-1.
 */
import type { Purchase } from '../../data/purchases.ts';

const DAY_MS = 86_400_000;

/** Compressed per-user item lists (CSR) with counts and recency, plus item popularity. */
export interface Interactions {
  /** Item ids (StockCodes), index = item number; sorted by distinct buyers, descending. */
  itemIds: string[];
  itemIndex: Map<string, number>;
  /** Customer ids, index = user number. */
  userIds: string[];
  userIndex: Map<string, number>;
  /** User u's items are `userItems[userPtr[u]..userPtr[u+1])`, ascending item number. */
  userPtr: Int32Array;
  userItems: Int32Array;
  /** Distinct invoices in which the user bought the item. */
  userBaskets: Float32Array;
  /** Days between the user's last purchase of the item and `end`. */
  userAgeDays: Float32Array;
  /** Days between the user's first purchase of the item and `end` (with `userAgeDays`: the re-purchase cycle). */
  userFirstAgeDays: Float32Array;
  /** Distinct buyers per item, all time. */
  itemBuyers: Float32Array;
  /** Distinct buyers per item in the last 30 days before `end`. */
  itemRecentBuyers: Float32Array;
  /** Epoch ms the data is seen from (the cut-off, or just after the last purchase). */
  end: number;
  /**
   * The purchases these were built from (all before `end`), when built from purchases: the re-ranker
   * re-cuts them at earlier cut-offs to learn from (`training/rerank-training.ts`).
   */
  purchases?: readonly Purchase[];
}

/**
 * Builds the interactions from purchases (all of them: filter by time first).
 * `end` defaults to one millisecond after the last purchase.
 */
export function buildInteractions(purchases: readonly Purchase[], end?: number): Interactions {
  let last = -Infinity;
  for (const p of purchases) if (p.time > last) last = p.time;
  const endTime = end ?? (Number.isFinite(last) ? last + 1 : 0);
  const recentFrom = endTime - 30 * DAY_MS;

  // user -> item -> { invoices, last time }
  const byUser = new Map<string, Map<string, { invoices: Set<string>; first: number; last: number }>>();
  const buyers = new Map<string, Set<string>>();
  const recentBuyers = new Map<string, Set<string>>();
  for (const p of purchases) {
    let items = byUser.get(p.customerId);
    if (!items) byUser.set(p.customerId, (items = new Map()));
    let cell = items.get(p.stockCode);
    if (!cell) items.set(p.stockCode, (cell = { invoices: new Set(), first: p.time, last: p.time }));
    cell.invoices.add(p.invoice);
    if (p.time > cell.last) cell.last = p.time;
    if (p.time < cell.first) cell.first = p.time;
    let b = buyers.get(p.stockCode);
    if (!b) buyers.set(p.stockCode, (b = new Set()));
    b.add(p.customerId);
    if (p.time >= recentFrom) {
      let r = recentBuyers.get(p.stockCode);
      if (!r) recentBuyers.set(p.stockCode, (r = new Set()));
      r.add(p.customerId);
    }
  }

  const itemIds = [...buyers.keys()].sort((a, b) => buyers.get(b)!.size - buyers.get(a)!.size || (a < b ? -1 : 1));
  const itemIndex = new Map(itemIds.map((id, i) => [id, i]));
  const userIds = [...byUser.keys()].sort();
  const userIndex = new Map(userIds.map((id, u) => [id, u]));

  let pairs = 0;
  for (const items of byUser.values()) pairs += items.size;
  const userPtr = new Int32Array(userIds.length + 1);
  const userItems = new Int32Array(pairs);
  const userBaskets = new Float32Array(pairs);
  const userAgeDays = new Float32Array(pairs);
  const userFirstAgeDays = new Float32Array(pairs);
  let at = 0;
  userIds.forEach((userId, u) => {
    userPtr[u] = at;
    const cells = [...byUser.get(userId)!.entries()].map(([code, cell]) => ({ item: itemIndex.get(code)!, cell }));
    cells.sort((a, b) => a.item - b.item);
    for (const { item, cell } of cells) {
      userItems[at] = item;
      userBaskets[at] = cell.invoices.size;
      userAgeDays[at] = Math.max(0, (endTime - cell.last) / DAY_MS);
      userFirstAgeDays[at] = Math.max(0, (endTime - cell.first) / DAY_MS);
      at++;
    }
  });
  userPtr[userIds.length] = at;

  const itemBuyers = new Float32Array(itemIds.length);
  const itemRecentBuyers = new Float32Array(itemIds.length);
  itemIds.forEach((id, i) => {
    itemBuyers[i] = buyers.get(id)!.size;
    itemRecentBuyers[i] = recentBuyers.get(id)?.size ?? 0;
  });
  return {
    itemIds,
    itemIndex,
    userIds,
    userIndex,
    userPtr,
    userItems,
    userBaskets,
    userAgeDays,
    userFirstAgeDays,
    itemBuyers,
    itemRecentBuyers,
    end: endTime,
    purchases,
  };
}

/** Epoch ms of midnight UTC at the start of an ISO date `YYYY-MM-DD`; throws on anything else. */
export function parseDay(day: string, raisedBy: string): number {
  const time = /^\d{4}-\d{2}-\d{2}$/.test(day) ? Date.parse(`${day}T00:00:00Z`) : NaN;
  if (Number.isNaN(time)) throw new Error(`${raisedBy}: expected a date YYYY-MM-DD, got "${day}"`);
  return time;
}
