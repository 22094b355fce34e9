/** Runs one recommender over a split's targets in one view and averages the metrics. */
import type { Query, Recommender } from '../recommenders/types.ts';
import { averagePrecisionAt, hitAt, ndcgAt, recallAt } from './metrics.ts';
import type { TemporalSplit } from './split.ts';

/**
 * The views: known customers with re-purchases counting (`all`), only items new to them
 * (`new`), or what the proxy can show them (`served`: the last 30 days' purchases excluded, 8
 * cards); customers new after the cut-off, served anonymously with nothing in view (`cold`) or
 * with their first invoice in view (`cold-context`).
 */
export type View = 'all' | 'new' | 'served' | 'cold' | 'cold-context';

/** Every view, in the order the tables list them. */
export const views: readonly View[] = ['all', 'new', 'served', 'cold', 'cold-context'];

/** The views of known customers: the ones models are tuned and chosen on. */
export const knownViews = ['all', 'new', 'served'] as const satisfies readonly View[];
export type KnownView = (typeof knownViews)[number];

/** The placement's limit in view `served` (the shelf shows 8 cards); 10 elsewhere. */
export function cutoffOf(view: View): number {
  return view === 'served' ? 8 : 10;
}

/**
 * One row of the evaluation table. The metric keys keep their `@10` names (the gate reads them),
 * but each is taken at the row's `k`: 8 in view `served`, 10 elsewhere.
 */
export interface EvaluationRow {
  name: string;
  view: View;
  /** The list length the metrics are taken at. */
  k?: number;
  'ndcg@10': number;
  'hr@10': number;
  'map@10': number;
  'recall@10': number;
  /** Share of the training items that appear in at least one customer's top k. */
  coverage: number;
  users: number;
}

/** A row plus each target's NDCG, in the split's target order (what the paired bootstrap resamples). */
export interface Evaluation {
  row: EvaluationRow;
  ndcgPerTarget: Float64Array;
}

/** The queries and ground truth of `view`, in a fixed order shared by every model (so they pair). */
export function queriesOf(
  split: TemporalSplit,
  view: View,
): { query: Query; relevant: Set<number>; customer: string }[] {
  const k = cutoffOf(view);
  switch (view) {
    case 'all':
      return split.targetsAll.map((t) => ({
        query: { user: t.user, k },
        relevant: new Set(t.items),
        customer: t.customer,
      }));
    case 'new':
    case 'served':
      return (view === 'new' ? split.targetsNew : split.targetsServed).map((t) => ({
        query: { user: t.user, k, exclude: t.history },
        relevant: new Set(t.items),
        customer: t.customer,
      }));
    case 'cold':
    case 'cold-context':
      return (view === 'cold' ? split.targetsCold : split.targetsColdContext).map((t) => ({
        query: t.context.length > 0 ? { context: t.context, k } : { k },
        relevant: new Set(t.items),
        customer: t.customer,
      }));
  }
}

/** Metrics at the view's k of `recommender` on `split` in `view`; views `new` and `served` exclude from the lists. */
export function evaluateRecommender(recommender: Recommender, split: TemporalSplit, view: View): Evaluation {
  const queries = queriesOf(split, view);
  const K = cutoffOf(view);
  const shown = new Set<number>();
  const ndcgPerTarget = new Float64Array(queries.length);
  let hr = 0,
    map = 0,
    recall = 0;
  queries.forEach(({ query, relevant }, t) => {
    const ranked = recommender.recommend(query).map((s) => s.item);
    for (const item of ranked) shown.add(item);
    ndcgPerTarget[t] = ndcgAt(ranked, relevant, K);
    hr += hitAt(ranked, relevant, K);
    map += averagePrecisionAt(ranked, relevant, K);
    recall += recallAt(ranked, relevant, K);
  });
  const users = queries.length;
  const mean = (x: number) => (users === 0 ? 0 : x / users);
  return {
    row: {
      name: recommender.name,
      view,
      k: K,
      'ndcg@10': mean(ndcgPerTarget.reduce((sum, x) => sum + x, 0)),
      'hr@10': mean(hr),
      'map@10': mean(map),
      'recall@10': mean(recall),
      coverage: shown.size / split.train.itemIds.length,
      users,
    },
    ndcgPerTarget,
  };
}
