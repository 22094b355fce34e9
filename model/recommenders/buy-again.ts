/** The `buy-again` baseline: the customer's own past items, by frequency and recency. */
import type { Interactions } from './interactions.ts';
import { topK } from './top-k.ts';
import type { Recommender } from './types.ts';
import { repurchasePropensity } from './repurchase.ts';

/**
 * Per (user, item) pair: invoices holding the item, halved every `halfLifeDays` since the
 * last purchase (Infinity = frequency only). Aligned with `data.userItems`.
 */
export function repeatScores(data: Interactions, halfLifeDays: number): Float32Array {
  const out = new Float32Array(data.userItems.length);
  for (let p = 0; p < out.length; p++) {
    const decay = Number.isFinite(halfLifeDays) ? 0.5 ** (data.userAgeDays[p]! / halfLifeDays) : 1;
    out[p] = data.userBaskets[p]! * decay;
  }
  return out;
}

/**
 * Past items first (by repeat score), then all-time best sellers so the list is always full. With
 * `propensity` > 0 the repeat score is multiplied by the item's re-purchase propensity (the smoothed
 * share of its buyers who bought it in two or more invoices) to that power: the blend's repeat part
 * uses it, so the baseline may too (tuned on validation).
 */
export function fitBuyAgain(data: Interactions, halfLifeDays: number, propensity = 0): Recommender {
  const repeat = repeatScores(data, halfLifeDays);
  if (propensity > 0) {
    const itemPropensity = repurchasePropensity(data.userItems, data.userBaskets, data.itemIds.length);
    for (let p = 0; p < repeat.length; p++) repeat[p] = repeat[p]! * itemPropensity[data.userItems[p]!]! ** propensity;
  }
  let maxBuyers = 1;
  for (const b of data.itemBuyers) maxBuyers = Math.max(maxBuyers, b);
  const scores = new Float64Array(data.itemIds.length);
  return {
    name: 'buy-again',
    recommend: ({ user, k, exclude }) => {
      // Popularity in [0, 1) ranks below any past item (repeat scores are > 1e-3 for realistic half-lives).
      for (let i = 0; i < scores.length; i++) scores[i] = (data.itemBuyers[i]! / maxBuyers) * 1e-3;
      if (user !== undefined) {
        for (let p = data.userPtr[user]!; p < data.userPtr[user + 1]!; p++) scores[data.userItems[p]!] = 1 + repeat[p]!;
      }
      return topK(scores, k, exclude);
    },
  };
}
