/**
 * The serving artifact's NDCG@10 replayed on recent purchases: each customer who bought in the
 * window is asked for as the home shelf asks (a known customer by id, anyone else
 * anonymously), and the distinct products they then bought are the ground truth. The same
 * shoppers asked anonymously (the popularity the model falls back on) give the baseline.
 * Metrics and the bootstrap come from `model/evaluation/`.
 */
import { pairedBootstrap } from '../evaluation/bootstrap.ts';
import { ndcgAt } from '../evaluation/metrics.ts';
import type { Recommender } from '../recommenders/types.ts';

/** One shopper's window: their number in the model (undefined if unknown) and what they bought. */
export interface ReplayTarget {
  user: number | undefined;
  items: readonly number[];
}

/** Mean NDCG@10 with its 95 % bootstrap interval, for the model and against its popularity. */
export interface ReplayResult {
  shoppers: number;
  knownShoppers: number;
  ndcg: { mean: number; low: number; high: number };
  /** Model minus popularity (the anonymous shelf), paired per shopper. */
  overPopularity: { difference: number; low: number; high: number };
}

const K = 10;
const bootstrap = { resamples: 1000, seed: 20_111_209, level: 0.95 };

/** Replays `targets` on `recommender`; null when there are none. */
export function replayNdcg(recommender: Recommender, targets: readonly ReplayTarget[]): ReplayResult | null {
  if (targets.length === 0) return null;
  const model = new Float64Array(targets.length);
  const popularity = new Float64Array(targets.length);
  const anonymous = recommender.recommend({ k: K }).map((s) => s.item);
  targets.forEach((t, i) => {
    const relevant = new Set(t.items);
    const personal =
      t.user === undefined ? anonymous : recommender.recommend({ user: t.user, k: K }).map((s) => s.item);
    model[i] = ndcgAt(personal, relevant, K);
    popularity[i] = ndcgAt(anonymous, relevant, K);
  });
  const mean = pairedBootstrap(model, new Float64Array(targets.length), bootstrap);
  const over = pairedBootstrap(model, popularity, bootstrap);
  return {
    shoppers: targets.length,
    knownShoppers: targets.filter((t) => t.user !== undefined).length,
    ndcg: { mean: mean.difference, low: mean.low, high: mean.high },
    overPopularity: { difference: over.difference, low: over.low, high: over.high },
  };
}
