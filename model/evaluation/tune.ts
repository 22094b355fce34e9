/**
 * Chooses hyper-parameters on a validation split carved from the training period and
 * picks the model to ship: the shippable candidate with the best mean NDCG@10 lift over
 * `popularity` across both views. The test period is never seen here.
 */
import {
  blendRepeatScores,
  fitItemItemParts,
  fitModel,
  shippableModels,
  type ModelParams,
  type ShippableModel,
} from '../candidates.ts';
import { itemItemRecommender } from '../recommenders/item-item.ts';
import { evaluateRecommender, type EvaluationRow, type View } from './evaluate-recommender.ts';
import type { TemporalSplit } from './split.ts';

/** The search space; the first value of each list is the starting point. */
export const searchSpace = {
  halfLifeDays: [90, 30, 365, Infinity],
  neighbours: [100, 50, 200],
  lambda: [1000, 300, 3000],
  blendHalfLifeDays: [90, 365],
  repeatWeight: [0.6, 0.75, 0.85],
} as const;

/** Fixed by the training-time budget, not tuned: EASE over the 1,500 most popular items fits in ~2 s. */
export const fixedParams = { topItems: 1500, historyCap: 250 } as const;

/** What tuning chose, with the validation rows of the shippable models. */
export interface TuningResult {
  params: ModelParams;
  shipped: ShippableModel;
  validation: EvaluationRow[];
}

const ndcg = (row: EvaluationRow) => row['ndcg@10'];

/** Grid search on `validation`; `log` receives one line per setting tried. */
export function tune(validation: TemporalSplit, log: (line: string) => void = () => {}): TuningResult {
  const params: ModelParams = {
    halfLifeDays: searchSpace.halfLifeDays[0],
    neighbours: searchSpace.neighbours[0],
    lambda: searchSpace.lambda[0],
    blendHalfLifeDays: searchSpace.blendHalfLifeDays[0],
    repeatWeight: searchSpace.repeatWeight[0],
    ...fixedParams,
  };
  const popularityModel = fitModel(validation.train, 'popularity', params);
  const popularity: Record<View, number> = {
    all: ndcg(evaluateRecommender(popularityModel, validation, 'all')),
    new: ndcg(evaluateRecommender(popularityModel, validation, 'new')),
  };
  const rowsAndLift = (model: ReturnType<typeof fitModel>) => {
    const rows = (['all', 'new'] as const).map((view) => evaluateRecommender(model, validation, view));
    return { rows, lift: rows.reduce((sum, row) => sum + ndcg(row) / popularity[row.view] / 2, 0) };
  };

  // buy-again (baseline): its own half-life, on view `all` (the only view it has).
  let best = -Infinity;
  for (const halfLifeDays of searchSpace.halfLifeDays) {
    const s = ndcg(
      evaluateRecommender(fitModel(validation.train, 'buy-again', { ...params, halfLifeDays }), validation, 'all'),
    );
    log(`tune: buy-again halfLifeDays=${halfLifeDays} → ndcg ${s.toFixed(4)}`);
    if (s > best) {
      best = s;
      params.halfLifeDays = halfLifeDays;
    }
  }
  // item-knn: neighbours, by mean lift.
  best = -Infinity;
  for (const neighbours of searchSpace.neighbours) {
    const { lift } = rowsAndLift(fitModel(validation.train, 'item-knn', { ...params, neighbours }));
    log(`tune: item-knn neighbours=${neighbours} → lift ${lift.toFixed(3)}`);
    if (lift > best) {
      best = lift;
      params.neighbours = neighbours;
    }
  }
  // ease and ease+buy-again share λ: one EASE fit per λ, every blend setting scored on it.
  best = -Infinity;
  for (const lambda of searchSpace.lambda) {
    const parts = fitItemItemParts(validation.train, 'ease', { ...params, lambda });
    for (const blendHalfLifeDays of searchSpace.blendHalfLifeDays) {
      const userRepeat = blendRepeatScores(validation.train, blendHalfLifeDays);
      for (const repeatWeight of searchSpace.repeatWeight) {
        const { lift } = rowsAndLift(itemItemRecommender({ ...parts, userRepeat, repeatWeight }));
        log(
          `tune: ease+buy-again lambda=${lambda} blendHalfLifeDays=${blendHalfLifeDays} repeatWeight=${repeatWeight} → lift ${lift.toFixed(3)}`,
        );
        if (lift > best) {
          best = lift;
          Object.assign(params, { lambda, blendHalfLifeDays, repeatWeight });
        }
      }
    }
  }

  const validationRows: EvaluationRow[] = [];
  let shipped: ShippableModel = shippableModels[0];
  let bestLift = -Infinity;
  for (const name of shippableModels) {
    const { rows, lift } = rowsAndLift(fitModel(validation.train, name, params));
    validationRows.push(...rows);
    log(`tune: ${name} mean lift over popularity ${lift.toFixed(3)}`);
    if (lift > bestLift) {
      bestLift = lift;
      shipped = name;
    }
  }
  return { params, shipped, validation: validationRows };
}
