/**
 * The re-ranker's features for one (customer, candidate item), all from data before the model's
 * cut-off: the blend's own parts (read from its last answer, not scored twice) and the counts the
 * interactions hold. Training (`training/rerank-training.ts`) and serving (`reranker.ts`) both fill
 * rows through `featureFiller`, so what is learnt is what is served.
 */
import type { Forest } from './gbdt.ts';
import type { ItemItemParts, LastParts } from './item-item.ts';
import type { Scored } from './types.ts';
import { repurchaseCycleDays, repurchasePropensity } from './repurchase.ts';

/** The per-pair and per-item counts the features need beyond the blend's parts (aligned with `userItems`). */
export interface RerankCounts {
  /** Distinct invoices of the pair. */
  userBaskets: Float32Array;
  /** Days from the pair's last purchase, and from its first, to the cut-off. */
  userAgeDays: Float32Array;
  userFirstAgeDays: Float32Array;
  /** Distinct buyers per item, all time and in the last 30 days. */
  itemBuyers: Float32Array;
  itemRecentBuyers: Float32Array;
}

/** A trained re-ranker as the artifact stores it. */
export interface RerankPart {
  forest: Forest;
  /** How many of the blend's best items are re-ranked. */
  candidates: number;
  counts: RerankCounts;
}

/** The feature names, in column order (for the README and for checking a stored forest's width). */
export const featureNames = [
  'blend score',
  'blend rank',
  'blend score ÷ top score',
  'collaborative (EASE + item-kNN) part',
  'nearest customers part',
  'invoices of the item',
  'days since last bought (−1: never)',
  'repurchase cycle days (−1: none)',
  'due-ness: days since ÷ cycle (−1: none)',
  'own repeat score ÷ customer max',
  'item re-purchase propensity',
  'item buyers, all time',
  'item buyers, last 30 days',
  'item trend: last 30 days ÷ all time',
  'customer history size (items)',
  'customer item-invoices',
  'customer re-order share',
  'customer days since last visit',
  'days since first bought (−1: never)',
] as const;
export const featureCount = featureNames.length;

/**
 * Fills one row of `featureCount` floats per candidate into `out` (from `offset`) for `user` (known, no
 * context), given the blend's candidates (best first) and its parts. Per-user and per-item statistics
 * are computed once at construction.
 */
export function featureFiller(parts: ItemItemParts, counts: RerankCounts) {
  const { userPtr, userItems, userRepeat, modelItems, itemCount } = parts;
  const users = userPtr.length - 1;
  const propensity = repurchasePropensity(userItems, counts.userBaskets, itemCount);
  const invoices = new Float32Array(users);
  const reorder = new Float32Array(users);
  const lastVisit = new Float32Array(users);
  const repeatMax = new Float32Array(users);
  for (let u = 0; u < users; u++) {
    let sum = 0,
      recent = Infinity,
      max = 0;
    for (let p = userPtr[u]!; p < userPtr[u + 1]!; p++) {
      sum += counts.userBaskets[p]!;
      recent = Math.min(recent, counts.userAgeDays[p]!);
      max = Math.max(max, userRepeat[p]!);
    }
    const items = userPtr[u + 1]! - userPtr[u]!;
    invoices[u] = sum;
    reorder[u] = sum > 0 ? (sum - items) / sum : 0;
    lastVisit[u] = Number.isFinite(recent) ? recent : -1;
    repeatMax[u] = max;
  }
  // Where each of the asked user's items sits in `userItems` (+1; 0: not theirs), cleared after each call.
  const position = new Int32Array(itemCount);

  return function fill(user: number, candidates: readonly Scored[], last: LastParts, out: Float32Array, offset = 0) {
    const from = userPtr[user]!,
      to = userPtr[user + 1]!;
    for (let p = from; p < to; p++) position[userItems[p]!] = p + 1;
    const top = candidates[0]?.score ?? 0;
    const items = to - from;
    for (let r = 0; r < candidates.length; r++) {
      const { item, score } = candidates[r]!;
      const row = offset + r * featureCount;
      const p = position[item]! - 1;
      const own = p >= 0;
      const n = own ? counts.userBaskets[p]! : 0;
      const age = own ? counts.userAgeDays[p]! : -1;
      const cycle = own && n >= 2 ? repurchaseCycleDays(n, counts.userFirstAgeDays[p]!, age) : -1;
      out[row] = score;
      out[row + 1] = r;
      out[row + 2] = top > 0 ? score / top : 0;
      out[row + 3] = item < modelItems && last.cfMax > 0 ? last.cf[item]! / last.cfMax : 0;
      out[row + 4] = last.neighbours && last.neighbourMax > 0 ? last.neighbours[item]! / last.neighbourMax : 0;
      out[row + 5] = n;
      out[row + 6] = age;
      out[row + 7] = cycle;
      out[row + 8] = cycle > 0 ? age / cycle : -1;
      out[row + 9] = own && repeatMax[user]! > 0 ? userRepeat[p]! / repeatMax[user]! : 0;
      out[row + 10] = propensity[item]!;
      out[row + 11] = counts.itemBuyers[item]!;
      out[row + 12] = counts.itemRecentBuyers[item]!;
      out[row + 13] = counts.itemRecentBuyers[item]! / Math.max(1, counts.itemBuyers[item]!);
      out[row + 14] = items;
      out[row + 15] = invoices[user]!;
      out[row + 16] = reorder[user]!;
      out[row + 17] = lastVisit[user]!;
      out[row + 18] = own ? counts.userFirstAgeDays[p]! : -1;
    }
    for (let p = from; p < to; p++) position[userItems[p]!] = 0;
  };
}
