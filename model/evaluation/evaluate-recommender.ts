/** Runs one recommender over a split's targets in one view and averages the metrics. */
import type { Query, Recommender } from '../recommenders/types.ts';
import { averagePrecisionAt, hitAt, ndcgAt, recallAt } from './metrics.ts';
import type { TemporalSplit } from './split.ts';

/**
 * The views: known customers with re-purchases counting (`all`) or only items new to them
 * (`new`); customers new after the cut-off, served anonymously with nothing in view (`cold`)
 * or with their first invoice in view (`cold-context`).
 */
export type View = 'all' | 'new' | 'cold' | 'cold-context';

/** Every view, in the order the tables list them. */
export const views: readonly View[] = ['all', 'new', 'cold', 'cold-context'];

/** One row of the evaluation table. */
export interface EvaluationRow {
  name: string;
  view: View;
  'ndcg@10': number;
  'hr@10': number;
  'map@10': number;
  'recall@10': number;
  /** Share of the training items that appear in at least one customer's top 10. */
  coverage: number;
  users: number;
}

/** A row plus each target's NDCG@10, in the split's target order (what the paired bootstrap resamples). */
export interface Evaluation {
  row: EvaluationRow;
  ndcgPerTarget: Float64Array;
}

const K = 10;

/** The queries and ground truth of `view`, in a fixed order shared by every model (so they pair). */
export function queriesOf(split: TemporalSplit, view: View): { query: Query; relevant: Set<number> }[] {
  switch (view) {
    case 'all':
      return split.targetsAll.map((t) => ({ query: { user: t.user, k: K }, relevant: new Set(t.items) }));
    case 'new':
      return split.targetsNew.map((t) => ({
        query: { user: t.user, k: K, exclude: t.history },
        relevant: new Set(t.items),
      }));
    case 'cold':
    case 'cold-context':
      return (view === 'cold' ? split.targetsCold : split.targetsColdContext).map((t) => ({
        query: t.context.length > 0 ? { context: t.context, k: K } : { k: K },
        relevant: new Set(t.items),
      }));
  }
}

/** Metrics @10 of `recommender` on `split` in `view`; in view `new` past items are excluded from the lists. */
export function evaluateRecommender(recommender: Recommender, split: TemporalSplit, view: View): Evaluation {
  const queries = queriesOf(split, view);
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
