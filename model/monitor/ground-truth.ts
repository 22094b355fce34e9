/**
 * Model Monitor's ground-truth merge for the shelf: each captured answer joined to what its shopper
 * bought afterwards, giving the live NDCG of the served shelf.
 *
 * The join is the InferenceId: the proxy sends its `requestId` as the call's InferenceId, and the
 * shop's events carry the same `requestId`. The impressions of that request name the shopper (a
 * customer, turned into the model's pseudonym, or a session) and the items the shelf showed; a
 * captured call from a customer names them itself. The ground truth of a shelf is the distinct
 * items its shopper bought within `horizonDays` after the call; shelves whose horizon has not ended
 * yet wait for a later run. The served shelf is the answer in its order, restricted to the items
 * shown when the impressions say which, cut at `k` (the placement's 8). Popularity (the training
 * time's most bought items, minus the call's exclusions and context) on the same shelves is the
 * comparison; shoppers are the unit: each shopper's mean, bootstrapped over shoppers.
 */
import { pairedBootstrap } from '../evaluation/bootstrap.ts';
import { ndcgAt } from '../evaluation/metrics.ts';
import type { StoredEvent } from '../../server/events/stored-line.ts';
import type { CapturedShelf } from './captured-inferences.ts';

const DAY_MS = 86_400_000;

/** What the merge found. */
export interface LiveNdcg {
  k: number;
  horizonDays: number;
  /** Shelves whose horizon has ended, joined to a shopper. */
  shelves: number;
  /** Shoppers with at least one shelf followed by a purchase: the unit of the interval. */
  shoppers: number;
  /** Shelves left out: no shopper known (no impression with the InferenceId, no customer in the call). */
  unjoined: number;
  /** Shelves left out because their horizon has not ended. */
  waiting: number;
  /** Shelves whose shopper bought something within the horizon: the ones scored. */
  withPurchases: number;
  ndcg: { mean: number; low: number; high: number };
  overPopularity: { difference: number; low: number; high: number };
}

/** Feeds events in any order, then merges them with the captured shelves. */
export function groundTruthMerge(options: {
  now: number;
  horizonDays: number;
  k: number;
  /** Turns a customer id from the events into the id the endpoint saw (its pseudonym). */
  modelIdOf: (customerId: string) => string;
  /** The popularity shelf of the baseline, most bought first. */
  popularity: readonly string[];
}) {
  const impressions = new Map<string, { shopper: string; items: Set<string> }>();
  const purchases = new Map<string, Array<{ at: number; item: string }>>();
  const shopperOf = (e: StoredEvent): string | undefined =>
    e.userId !== undefined
      ? `u:${options.modelIdOf(e.userId)}`
      : e.sessionId !== undefined
        ? `s:${e.sessionId}`
        : undefined;

  function add(event: StoredEvent): void {
    const shopper = shopperOf(event);
    if (shopper === undefined) return;
    if (event.type === 'impression' && event.requestId !== undefined) {
      const seen = impressions.get(event.requestId) ?? { shopper, items: new Set<string>() };
      seen.items.add(event.itemId);
      impressions.set(event.requestId, seen);
    } else if (event.type === 'purchase') {
      const list = purchases.get(shopper) ?? [];
      list.push({ at: event.ts, item: event.itemId });
      purchases.set(shopper, list);
    }
  }

  function merge(shelves: readonly CapturedShelf[]): LiveNdcg | null {
    const byShopper = new Map<string, { model: number[]; popularity: number[] }>();
    let unjoined = 0;
    let waiting = 0;
    let withPurchases = 0;
    let joined = 0;
    const horizon = options.horizonDays * DAY_MS;
    for (const shelf of shelves) {
      if (shelf.at + horizon > options.now) {
        waiting++;
        continue;
      }
      const shown = shelf.inferenceId === undefined ? undefined : impressions.get(shelf.inferenceId);
      const shopper = shown?.shopper ?? (shelf.asked.userId === undefined ? undefined : `u:${shelf.asked.userId}`);
      if (shopper === undefined) {
        unjoined++;
        continue;
      }
      const bought = new Set(
        (purchases.get(shopper) ?? []).filter((p) => p.at > shelf.at && p.at <= shelf.at + horizon).map((p) => p.item),
      );
      joined++;
      // As offline: a shelf is a target when its shopper bought something (NDCG is 0/0 otherwise).
      if (bought.size === 0) continue;
      withPurchases++;
      // Impressions name a batch's first shelf only: restrict to what was shown when they name this one.
      const restrict = shown && shelf.answered.some((id) => shown.items.has(id)) ? shown.items : undefined;
      const served = shelf.answered.filter((id) => restrict === undefined || restrict.has(id)).slice(0, options.k);
      const barred = new Set([...shelf.asked.exclude, ...shelf.asked.items]);
      const popular = options.popularity.filter((id) => !barred.has(id)).slice(0, options.k);
      const scores = byShopper.get(shopper) ?? { model: [], popularity: [] };
      scores.model.push(ndcgOfIds(served, bought, options.k));
      scores.popularity.push(ndcgOfIds(popular, bought, options.k));
      byShopper.set(shopper, scores);
    }
    const shoppers = [...byShopper.values()];
    if (shoppers.length === 0) return null;
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const model = Float64Array.from(shoppers, (s) => mean(s.model));
    const popularity = Float64Array.from(shoppers, (s) => mean(s.popularity));
    const bootstrap = { resamples: 1000, seed: 20_111_209, level: 0.95 };
    const alone = pairedBootstrap(model, new Float64Array(model.length), bootstrap);
    const over = pairedBootstrap(model, popularity, bootstrap);
    return {
      k: options.k,
      horizonDays: options.horizonDays,
      shelves: joined,
      shoppers: shoppers.length,
      unjoined,
      waiting,
      withPurchases,
      ndcg: { mean: alone.difference, low: alone.low, high: alone.high },
      overPopularity: { difference: over.difference, low: over.low, high: over.high },
    };
  }

  return { add, merge };
}

/** NDCG@k of a ranked list of ids against a set of relevant ids. */
export function ndcgOfIds(ranked: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  const numbers = new Map<string, number>();
  const number = (id: string): number => {
    if (!numbers.has(id)) numbers.set(id, numbers.size);
    return numbers.get(id)!;
  };
  return ndcgAt(ranked.map(number), new Set([...relevant].map(number)), k);
}
