/**
 * How customers re-buy, as the buy-again baseline, the blend's repeat part and the re-ranker's features
 * all read it: one definition of each rule.
 */

/**
 * Each item's re-purchase propensity: the share of its buyers who bought it in two or more invoices,
 * smoothed as (re-buyers + 1) / (buyers + 4) so an item with few buyers sits near ¼, not at 0 or 1.
 * `userItems` and `userBaskets` are aligned per (customer, item) pair.
 */
export function repurchasePropensity(
  userItems: ArrayLike<number>,
  userBaskets: ArrayLike<number>,
  itemCount: number,
): Float64Array {
  const rebuyers = new Float64Array(itemCount);
  const buyers = new Float64Array(itemCount);
  for (let p = 0; p < userItems.length; p++) {
    buyers[userItems[p]!]!++;
    if (userBaskets[p]! >= 2) rebuyers[userItems[p]!]!++;
  }
  return buyers.map((b, item) => (rebuyers[item]! + 1) / (b + 4));
}

/**
 * A pair's repurchase cycle in days: the span from its first to its last purchase over the gaps between
 * its `invoices` (at least 2), never under a day.
 */
export function repurchaseCycleDays(invoices: number, firstAgeDays: number, lastAgeDays: number): number {
  return Math.max(1, (firstAgeDays - lastAgeDays) / (invoices - 1));
}
