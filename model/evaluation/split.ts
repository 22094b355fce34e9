/**
 * Temporal splits: train on everything strictly before a cut-off, test on what each
 * training customer bought in [cut-off, end), restricted to items seen in training.
 */
import type { Purchase } from '../../data/purchases.ts';
import { buildInteractions, type Interactions } from '../interactions.ts';

/** One customer's ground truth after the cut-off, in training item numbers. */
export interface Target {
  user: number;
  /** Distinct items bought in the test window (view `all`) … */
  items: number[];
  /** … and the training-period items of this customer (to exclude in view `new`). */
  history: Set<number>;
}

/** A train/test split at a cut-off. */
export interface TemporalSplit {
  train: Interactions;
  cutoff: number;
  end: number;
  /** View `all`: every test purchase counts, past items may be recommended. */
  targetsAll: Target[];
  /** View `new`: test purchases of items the customer had not bought before; customers left with none dropped. */
  targetsNew: Target[];
}

/** Splits purchases at `cutoff` (epoch ms); test purchases run to `end` (exclusive). */
export function temporalSplit(purchases: readonly Purchase[], cutoff: number, end: number): TemporalSplit {
  if (!(cutoff < end)) throw new Error(`split: cut-off must come before the end of the test window`);
  const train = buildInteractions(
    purchases.filter((p) => p.time < cutoff),
    cutoff,
  );
  const bought = new Map<number, Set<number>>();
  for (const p of purchases) {
    if (p.time < cutoff || p.time >= end) continue;
    const user = train.userIndex.get(p.customerId);
    const item = train.itemIndex.get(p.stockCode);
    if (user === undefined || item === undefined) continue;
    let items = bought.get(user);
    if (!items) bought.set(user, (items = new Set()));
    items.add(item);
  }
  const targetsAll: Target[] = [];
  const targetsNew: Target[] = [];
  for (const [user, items] of [...bought.entries()].sort((a, b) => a[0] - b[0])) {
    const history = new Set(train.userItems.subarray(train.userPtr[user]!, train.userPtr[user + 1]!));
    targetsAll.push({ user, items: [...items], history });
    const fresh = [...items].filter((i) => !history.has(i));
    if (fresh.length > 0) targetsNew.push({ user, items: fresh, history });
  }
  return { train, cutoff, end, targetsAll, targetsNew };
}
