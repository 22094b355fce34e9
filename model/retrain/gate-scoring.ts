/**
 * Scores the gate's models on one split: the candidate, the serving configuration and the two
 * comparators (buy-again, popularity), all fitted on the split's training data, in every gated
 * view, with the evaluation's own code — so each customer's NDCG (at the view's k) pairs across models.
 */
import { evaluateRecommender, type View } from '../evaluation/evaluate-recommender.ts';
import type { TemporalSplit } from '../evaluation/split.ts';
import type { Recommender } from '../recommenders/types.ts';
import { fitModel, type ModelParams } from '../training/candidates.ts';
import { buyAgainViews, gateViews, type ScoredModel } from './gate.ts';

/** A model the gate asks per view (a container's answers are fetched per view beforehand). */
export interface GateModel {
  name: string;
  forView(view: View): Recommender;
}

/** A model that answers every view alike, under `name`. */
export function everyView(name: string, recommender: Recommender): GateModel {
  const renamed: Recommender = { name, recommend: (q) => recommender.recommend(q) };
  return { name, forView: () => renamed };
}

/** buy-again and popularity fitted on the split's training data (buy-again with the candidate's half-life). */
export function gateComparators(split: TemporalSplit, params: ModelParams): GateModel[] {
  return [
    everyView('buy-again', fitModel(split.train, 'buy-again', params)),
    everyView('popularity', fitModel(split.train, 'popularity', params)),
  ];
}

/** Views where a model has something of its own to say (buy-again excludes everything in `new`). */
const scoredIn = (name: string, view: View): boolean => name !== 'buy-again' || buyAgainViews.includes(view);

/** Each model's row and per-customer NDCG (at the view's k) in every gated view, in `models`' order within a view. */
export function scoreForGate(split: TemporalSplit, models: readonly GateModel[]): ScoredModel[] {
  const out: ScoredModel[] = [];
  for (const view of gateViews)
    for (const model of models) {
      if (!scoredIn(model.name, view)) continue;
      const { row, ndcgPerTarget } = evaluateRecommender(model.forView(view), split, view);
      out.push({
        row: {
          name: model.name,
          view: row.view,
          'ndcg@10': row['ndcg@10'],
          'hr@10': row['hr@10'],
          coverage: row.coverage,
          users: row.users,
        },
        ndcgPerTarget,
      });
    }
  return out;
}
