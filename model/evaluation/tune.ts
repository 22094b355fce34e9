/**
 * Chooses every model's own hyper-parameters on a validation period carved from the
 * training period, and picks the model to ship. The test periods are never seen here.
 *
 * A model's parameters maximise its own mean NDCG@10 lift over `popularity` across the
 * known-customer views `all` and `new` (buy-again has only `all`), so no baseline is
 * handicapped by another model's setting. The shipped model is the shippable candidate that
 * beats every other model in both views on validation, else the one with the best mean lift
 * (and the report says whom it trails). One model serves both views: a request does not say
 * which view it belongs to, so "choosing per view" cannot be done by the container. The cold
 * views are measured here too, for information only: the container serves an anonymous shopper
 * from the same artifact, so there is no separate model to choose for them.
 */
import {
  blendRepeatScores,
  evaluatedModels,
  fitItemItemParts,
  fitModel,
  type ModelName,
  type ModelParams,
  type ShippableModel,
  shippableModels,
} from '../training/candidates.ts';
import type { IalsParams } from '../recommenders/ials.ts';
import { itemItemRecommender } from '../recommenders/item-item.ts';
import type { Recommender } from '../recommenders/types.ts';
import { type EvaluationRow, evaluateRecommender, type View, views } from './evaluate-recommender.ts';
import { jsonReplacer } from '../training/shipped-config.ts';
import type { TemporalSplit } from './split.ts';

/** The search space; the first value of each list is the starting point. */
export const searchSpace = {
  halfLifeDays: [90, 30, 365, Infinity],
  neighbours: [50, 20, 100, 200],
  easeLambda: [100, 300, 1000, 3000],
  blendLambda: [300, 1000, 3000],
  blendHalfLifeDays: [90, 365],
  repeatWeight: [0.6, 0.75, 0.85],
  /** iALS (λ, α) pairs: a probe showed the best λ/α ratio near 10, and both extremes far worse. */
  ialsFactors: [64, 128],
  ialsRegularizationAlpha: [
    [10, 1],
    [30, 2],
    [50, 4],
    [100, 8],
    [30, 4],
    [100, 4],
  ],
} as const;

/** Fixed by the training-time budget, not tuned: EASE over the 1,500 most popular items fits in ~2 s. */
export const fixedParams = { topItems: 1500, historyCap: 250 } as const;

/**
 * iALS settings not tuned, to bound the evaluation's time: 10 alternations of 3 CG steps each,
 * a fixed seed. (λ, α) are searched at the first factor count, then the factor counts at the
 * chosen (λ, α): a one-off probe on validation (λ = 10, α = 4) found 32 factors 6 % below 64,
 * and 128 factors 2 % above 64 at 3.5× the time.
 */
export const fixedIalsParams = { iterations: 10, cgSteps: 3, seed: 20111201 } as const;

/** The parameters every model was given, by model name. */
export type ParamsByModel = Record<Exclude<ModelName, 'ials'>, ModelParams>;

/** What tuning chose, with the validation rows of every model at its chosen parameters. */
export interface TuningResult {
  params: ParamsByModel;
  ials: IalsParams;
  shipped: ShippableModel;
  /** Why that model: which models it beat or trailed on validation. */
  shippedBecause: string;
  validation: EvaluationRow[];
}

const ndcg = (row: EvaluationRow) => row['ndcg@10'];
const knownViews: readonly View[] = ['all', 'new'];

/** Grid search on `validation`; `log` receives one line per setting tried. */
export function tune(validation: TemporalSplit, log: (line: string) => void = () => {}): TuningResult {
  const start: ModelParams = {
    halfLifeDays: searchSpace.halfLifeDays[0],
    neighbours: searchSpace.neighbours[0],
    lambda: searchSpace.easeLambda[0],
    blendHalfLifeDays: searchSpace.blendHalfLifeDays[0],
    repeatWeight: searchSpace.repeatWeight[0],
    ...fixedParams,
  };
  const popularityModel = fitModel(validation.train, 'popularity', start);
  const popularity = Object.fromEntries(
    knownViews.map((view) => [view, ndcg(evaluateRecommender(popularityModel, validation, view).row)]),
  ) as Record<'all' | 'new', number>;
  const lift = (model: Recommender, only?: View) => {
    const measured = only ? [only] : knownViews;
    return (
      measured.reduce(
        (sum, view) => sum + ndcg(evaluateRecommender(model, validation, view).row) / popularity[view as 'all' | 'new'],
        0,
      ) / measured.length
    );
  };
  /** Tries each setting, logs it, keeps the best. */
  const best = <T>(label: string, settings: readonly T[], score: (setting: T) => number): T => {
    let chosen = settings[0] as T,
      top = -Infinity;
    for (const setting of settings) {
      const s = score(setting);
      log(`tune: ${label} ${JSON.stringify(setting, jsonReplacer)} → lift ${s.toFixed(3)}`);
      if (s > top) [top, chosen] = [s, setting];
    }
    return chosen;
  };

  const halfLifeDays = best('buy-again halfLifeDays', searchSpace.halfLifeDays, (h) =>
    lift(fitModel(validation.train, 'buy-again', { ...start, halfLifeDays: h }), 'all'),
  );
  const neighbours = best('item-knn neighbours', searchSpace.neighbours, (k) =>
    lift(fitModel(validation.train, 'item-knn', { ...start, neighbours: k })),
  );
  // One EASE fit per λ serves both EASE alone and every blend setting at that λ.
  const easeByLambda = new Map<number, ReturnType<typeof fitItemItemParts>>();
  const easeParts = (lambda: number) => {
    if (!easeByLambda.has(lambda))
      easeByLambda.set(lambda, fitItemItemParts(validation.train, 'ease', { ...start, lambda }));
    return easeByLambda.get(lambda)!;
  };
  const easeLambda = best('ease lambda', searchSpace.easeLambda, (lambda) =>
    lift(itemItemRecommender(easeParts(lambda))),
  );
  const blendSettings = searchSpace.blendLambda.flatMap((lambda) =>
    searchSpace.blendHalfLifeDays.flatMap((blendHalfLifeDays) =>
      searchSpace.repeatWeight.map((repeatWeight) => ({ lambda, blendHalfLifeDays, repeatWeight })),
    ),
  );
  const blend = best('ease+buy-again', blendSettings, (s) =>
    lift(
      itemItemRecommender({
        ...easeParts(s.lambda),
        name: 'ease+buy-again',
        userRepeat: blendRepeatScores(validation.train, s.blendHalfLifeDays),
        repeatWeight: s.repeatWeight,
      }),
    ),
  );
  // iALS: (λ, α) at 64 factors, then the winner at 64 or 128 factors (each fit scored once).
  const ialsLifts = new Map<string, number>();
  const ialsLift = (p: IalsParams) => {
    const key = JSON.stringify(p);
    if (!ialsLifts.has(key)) ialsLifts.set(key, lift(fitModel(validation.train, 'ials', start, p)));
    return ialsLifts.get(key)!;
  };
  const [regularization, alpha] = best('ials (regularization, alpha)', searchSpace.ialsRegularizationAlpha, ([r, a]) =>
    ialsLift({ ...fixedIalsParams, factors: searchSpace.ialsFactors[0], regularization: r, alpha: a }),
  );
  const factors = best('ials factors', searchSpace.ialsFactors, (f) =>
    ialsLift({ ...fixedIalsParams, factors: f, regularization, alpha }),
  );

  const base = { ...start, halfLifeDays };
  const params: ParamsByModel = {
    popularity: base,
    'popularity-30d': base,
    'buy-again': base,
    'item-knn': { ...base, neighbours },
    ease: { ...base, lambda: easeLambda },
    'ease+buy-again': { ...base, ...blend },
  };
  const ials: IalsParams = { ...fixedIalsParams, factors, regularization, alpha };

  // Every view is reported, the cold ones for information: they choose nothing (see above).
  const validationRows: EvaluationRow[] = [];
  for (const name of evaluatedModels) {
    const model =
      name === 'ials' ? fitModel(validation.train, name, start, ials) : fitModel(validation.train, name, params[name]);
    for (const view of name === 'buy-again' ? (['all'] as const) : views)
      validationRows.push(evaluateRecommender(model, validation, view).row);
  }

  const { shipped, shippedBecause } = chooseShipped(validationRows, popularity);
  log(`tune: ships ${shipped}: ${shippedBecause}`);
  return { params, ials, shipped, shippedBecause, validation: validationRows };
}

/**
 * The shippable model that beats every other model in each known-customer view, else the
 * shippable model with the best mean lift over popularity, with the models it trails named.
 */
export function chooseShipped(
  rows: readonly EvaluationRow[],
  popularity: Record<'all' | 'new', number>,
): { shipped: ShippableModel; shippedBecause: string } {
  const score = (name: string, view: View) => rows.find((r) => r.name === name && r.view === view);
  const trails = (name: string) =>
    knownViews.flatMap((view) => {
      const own = ndcg(score(name, view)!);
      return rows
        .filter((r) => r.view === view && r.name !== name && ndcg(r) >= own)
        .map((r) => `${r.name} in view ${view} (${ndcg(r).toFixed(4)} ≥ ${own.toFixed(4)})`);
    });
  const meanLift = (name: string) =>
    knownViews.reduce((sum, view) => sum + ndcg(score(name, view)!) / popularity[view as 'all' | 'new'], 0) / 2;
  const ranked = [...shippableModels].sort((a, b) => meanLift(b) - meanLift(a));
  const dominant = ranked.find((name) => trails(name).length === 0);
  if (dominant)
    return { shipped: dominant, shippedBecause: 'beats every other model in views all and new on validation' };
  const shipped = ranked[0]!;
  return {
    shipped,
    shippedBecause:
      `best mean NDCG@10 lift over popularity across views all and new on validation ` +
      `(${meanLift(shipped).toFixed(3)}×); no shippable model beats every other in both views: ` +
      `it trails ${trails(shipped).join('; ')}`,
  };
}
