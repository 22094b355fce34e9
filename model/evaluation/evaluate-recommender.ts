/** Runs one recommender over a split's targets in one view and averages the metrics. */
import type { Recommender } from '../recommenders/types.ts';
import { averagePrecisionAt, hitAt, ndcgAt, recallAt } from './metrics.ts';
import type { TemporalSplit } from './split.ts';

/** The two views of the issue: re-purchases count (`all`) or only items new to the customer (`new`). */
export type View = 'all' | 'new';

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

const K = 10;

/** Metrics @10 of `recommender` on `split` in `view`; in view `new` past items are excluded from the lists. */
export function evaluateRecommender(recommender: Recommender, split: TemporalSplit, view: View): EvaluationRow {
  const targets = view === 'all' ? split.targetsAll : split.targetsNew;
  const shown = new Set<number>();
  let ndcg = 0,
    hr = 0,
    map = 0,
    recall = 0;
  for (const target of targets) {
    const ranked = recommender
      .recommend({ user: target.user, k: K, ...(view === 'new' ? { exclude: target.history } : {}) })
      .map((s) => s.item);
    for (const item of ranked) shown.add(item);
    const relevant = new Set(target.items);
    ndcg += ndcgAt(ranked, relevant, K);
    hr += hitAt(ranked, relevant, K);
    map += averagePrecisionAt(ranked, relevant, K);
    recall += recallAt(ranked, relevant, K);
  }
  const users = targets.length;
  const mean = (x: number) => (users === 0 ? 0 : x / users);
  return {
    name: recommender.name,
    view,
    'ndcg@10': mean(ndcg),
    'hr@10': mean(hr),
    'map@10': mean(map),
    'recall@10': mean(recall),
    coverage: shown.size / split.train.itemIds.length,
    users,
  };
}
