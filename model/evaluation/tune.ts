/**
 * Chooses every model's own hyper-parameters on a validation period that ends before the first
 * test cut-off, and picks the model to ship. No test period is seen here.
 *
 * Each baseline is tuned **per view** (`all`, `new`, `served`): its setting in a view is the one
 * with the highest NDCG in that view on validation, so no baseline is handicapped by a setting
 * chosen for another view. The shippable models are also given one setting each (best mean lift
 * over `popularity` across the three views), because one model serves every view: a request does
 * not say which view it belongs to. The shipped model is the shippable one that beats every other
 * model in each view on validation, else the one with the best mean lift (and the report says
 * whom it trails). The cold views choose nothing: the container serves an anonymous shopper from
 * the same artifact, so they use the view-`all` setting.
 */
import {
  evaluatedModels,
  type ModelName,
  type ModelParams,
  type ModelSpec,
  type ShippableModel,
  fitSpec,
  shippableModels,
} from '../training/candidates.ts';
import type { IalsParams } from '../recommenders/ials.ts';
import { type EvaluationRow, type KnownView, knownViews, type View } from './evaluate-recommender.ts';
import { jsonReplacer } from '../training/shipped-config.ts';
import { cachedEvaluations } from './score-cache.ts';
import type { TemporalSplit } from './split.ts';

/** The search space; the first value of each list is the starting point. */
export const searchSpace = {
  halfLifeDays: [90, 30, 365, Infinity],
  /** buy-again: exponent of the re-purchase propensity (0: frequency and recency only). */
  buyAgainPropensity: [0, 0.5, 1],
  tifuNeighbours: [50, 100, 300],
  tifuAlpha: [0.5, 0.7, 0.9],
  tifuHalfLifeDays: [90, 365],
  /** The re-purchase cycle's weight in the blend, tried at the blend's best setting without it. */
  cycle: [0.25, 0.5, 0.75, 1],
  /** The trend prior's weight in the blend (scores are max-normalised to 1). */
  trend: [0.02, 0.05, 0.1, 0.2],
  /** Item-kNN's share in the blend's matrix. */
  knnMix: [0.25, 0.5, 1, 2],
  /** The per-customer repeat-vs-explore weight's slope. */
  repeatShift: [0.25, 0.5, 1],
  /** The customer-to-customer part's weight (the blend's scores are max-normalised to 1). */
  neighbourWeight: [0.1, 0.2, 0.4],
  /** 1: the nearest customers only re-rank the customer's own items (0, every item, is the point before). */
  neighbourOwn: [1],
  neighbours: [50, 20, 100, 200],
  /**
   * The learned re-ranker, searched last on top of the best blend: candidates re-ranked × trees × depth
   * (learning rate 0.1). Small on purpose: each point trains a forest (its questions are shared). A first
   * grid, {50, 100} × {50, 100, 200} × {3, 5}, found 50 candidates worse everywhere and depth 3 the better
   * of its two depths on validation; this one was set from that, before any test month was looked at.
   */
  rerankCandidates: [100, 150],
  rerankTrees: [50, 100, 200],
  rerankDepth: [3, 4],
  easeLambda: [100, 300, 1000, 3000],
  blendLambda: [300, 1000, 3000],
  blendHalfLifeDays: [90, 365],
  repeatWeight: [0.6, 0.75, 0.85],
  /** iALS (λ, α) pairs at 64 factors; then 128 factors at each view's best pair. */
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

/** iALS settings not tuned, to bound the evaluation's time: 10 alternations of 3 CG steps, a fixed seed. */
export const fixedIalsParams = { iterations: 10, cgSteps: 3, seed: 20111201 } as const;

/** The starting point of every search. */
export const startParams: ModelParams = {
  halfLifeDays: searchSpace.halfLifeDays[0],
  neighbours: searchSpace.neighbours[0],
  lambda: searchSpace.easeLambda[0],
  blendHalfLifeDays: searchSpace.blendHalfLifeDays[0],
  repeatWeight: searchSpace.repeatWeight[0],
  ...fixedParams,
};

/** What tuning chose, with the validation rows of every model at its chosen setting. */
export interface TuningResult {
  /** Each model's setting in each known view. */
  byView: Record<KnownView, Record<ModelName, ModelSpec>>;
  shipped: ShippableModel;
  /** The shipped model's one setting, for every view. */
  shippedSpec: ModelSpec;
  /** The blend's one setting (it is a candidate for shipping, so it gets one setting for every view). */
  blendSpec: ModelSpec;
  /** Why that model: which models it beat or trailed on validation. */
  shippedBecause: string;
  /** Every model in every known view at its chosen setting (the blend at its one setting). */
  validation: EvaluationRow[];
}

/** The settings tried for each model (iALS's 128-factor points are added once its pairs are scored). */
function grid(name: ModelName): ModelSpec[] {
  const spec = (params: Partial<ModelParams>): ModelSpec => ({ name, params: { ...startParams, ...params } });
  switch (name) {
    case 'popularity':
    case 'popularity-30d':
      return [spec({})];
    case 'buy-again':
      // Propensity 0 is written as no key, so the frequency-and-recency points keep their cache entries.
      return searchSpace.halfLifeDays.flatMap((halfLifeDays) =>
        searchSpace.buyAgainPropensity.map((propensity) =>
          spec(propensity > 0 ? { halfLifeDays, propensity } : { halfLifeDays }),
        ),
      );
    case 'tifu-knn':
      return searchSpace.tifuNeighbours.flatMap((tifuNeighbours) =>
        searchSpace.tifuAlpha.flatMap((tifuAlpha) =>
          searchSpace.tifuHalfLifeDays.map((halfLifeDays) => spec({ tifuNeighbours, tifuAlpha, halfLifeDays })),
        ),
      );
    case 'item-knn':
      return searchSpace.neighbours.map((neighbours) => spec({ neighbours }));
    case 'ease':
      return searchSpace.easeLambda.map((lambda) => spec({ lambda }));
    case 'ease+buy-again':
      return searchSpace.blendLambda.flatMap((lambda) =>
        searchSpace.blendHalfLifeDays.flatMap((blendHalfLifeDays) =>
          searchSpace.repeatWeight.map((repeatWeight) => spec({ lambda, blendHalfLifeDays, repeatWeight })),
        ),
      );
    case 'ials':
      return searchSpace.ialsRegularizationAlpha.map(([regularization, alpha]) => ({
        ...spec({}),
        ials: { ...fixedIalsParams, factors: searchSpace.ialsFactors[0], regularization, alpha } as IalsParams,
      }));
  }
}

/** The models tuned: every model the evaluation reports, in table order (one list). */
export const tunedModels: readonly ModelName[] = evaluatedModels;

/** Grid search on `validation`; `log` receives one line per setting tried; scores are cached in `cacheDir`. */
export function tune(
  validation: TemporalSplit,
  log: (line: string) => void = () => {},
  cacheDir?: string,
): TuningResult {
  const score = (spec: ModelSpec) => {
    const { evaluations } = cachedEvaluations(cacheDir, validation, spec, knownViews, () =>
      fitSpec(validation.train, spec),
    );
    const ndcg = Object.fromEntries(knownViews.map((v) => [v, evaluations.get(v)!.row['ndcg@10']]));
    log(
      `tune: ${spec.name} ${JSON.stringify({ ...spec.params, ...spec.ials }, jsonReplacer)} → ${JSON.stringify(ndcg)}`,
    );
    return evaluations;
  };
  const scored = new Map<ModelName, { spec: ModelSpec; rows: Map<View, EvaluationRow> }[]>();
  const popularity = new Map([...score(grid('popularity')[0]!)].map(([v, e]) => [v, e.row]));
  const lift = (rows: Map<View, EvaluationRow>) =>
    knownViews.reduce((sum, v) => sum + rows.get(v)!['ndcg@10'] / popularity.get(v)!['ndcg@10'], 0) / knownViews.length;
  for (const name of tunedModels) {
    const tried = grid(name).map((spec) => ({ spec, rows: new Map([...score(spec)].map(([v, e]) => [v, e.row])) }));
    if (name === 'ials') {
      // 128 factors at each view's best (λ, α): the factor count is searched where it matters.
      const more = new Map<string, ModelSpec>();
      for (const view of knownViews) {
        const best = bestOf(tried, view).spec;
        const spec = { ...best, ials: { ...best.ials!, factors: searchSpace.ialsFactors[1] } };
        more.set(JSON.stringify(spec.ials), spec);
      }
      for (const spec of more.values())
        tried.push({ spec, rows: new Map([...score(spec)].map(([v, e]) => [v, e.row])) });
    }
    if (name === 'ease+buy-again') {
      // The levers, in turn, each on top of the best setting so far: the repurchase cycle, the
      // trend prior, item-kNN mixed into EASE's matrix; then λ again, with the levers on; then the
      // per-customer repeat-vs-explore weight; then the customer-to-customer part, on every item or
      // on the customer's own.
      for (const [key, values] of [
        ['cycle', searchSpace.cycle],
        ['trend', searchSpace.trend],
        ['knnMix', searchSpace.knnMix],
        ['lambda', searchSpace.blendLambda],
        ['repeatShift', searchSpace.repeatShift],
        ['neighbourWeight', searchSpace.neighbourWeight],
        ['neighbourOwn', searchSpace.neighbourOwn],
      ] as const) {
        const base = tried.reduce((a, b) => (lift(b.rows) > lift(a.rows) ? b : a)).spec;
        for (const value of values) {
          const spec = { ...base, params: { ...base.params, [key]: value } };
          tried.push({ spec, rows: new Map([...score(spec)].map(([v, e]) => [v, e.row])) });
        }
      }
      // Last, the learned re-ranker over the best blend (trained on the four months before validation).
      const base = tried.reduce((a, b) => (lift(b.rows) > lift(a.rows) ? b : a)).spec;
      for (const rerankCandidates of searchSpace.rerankCandidates)
        for (const rerankTrees of searchSpace.rerankTrees)
          for (const rerankDepth of searchSpace.rerankDepth) {
            const rerank = { rerankCandidates, rerankTrees, rerankDepth, rerankRate: 0.1 };
            const spec = { ...base, params: { ...base.params, ...rerank } };
            tried.push({ spec, rows: new Map([...score(spec)].map(([v, e]) => [v, e.row])) });
          }
    }
    scored.set(name, tried);
  }

  const byView = Object.fromEntries(
    knownViews.map((view) => [
      view,
      Object.fromEntries(tunedModels.map((name) => [name, bestOf(scored.get(name)!, view).spec])),
    ]),
  ) as TuningResult['byView'];
  // One setting per shippable model, for every view.
  const single = new Map(
    shippableModels.map((name) => {
      const tried = scored.get(name)!;
      return [name, tried.reduce((a, b) => (lift(b.rows) > lift(a.rows) ? b : a))];
    }),
  );
  const validationRows: EvaluationRow[] = [];
  for (const name of tunedModels)
    for (const view of knownViews) {
      if (name === 'buy-again' && view === 'new') continue; // every past item is excluded there
      const fromSingle = name === 'ease+buy-again' ? single.get(name) : undefined;
      const row = fromSingle ? fromSingle.rows.get(view)! : bestOf(scored.get(name)!, view).rows.get(view)!;
      validationRows.push({ ...row, name });
    }
  const popularityNdcg = Object.fromEntries(knownViews.map((v) => [v, popularity.get(v)!['ndcg@10']])) as Record<
    KnownView,
    number
  >;
  const { shipped, shippedBecause } = chooseShipped(validationRows, popularityNdcg);
  log(`tune: ships ${shipped}: ${shippedBecause}`);
  return {
    byView,
    shipped,
    shippedSpec: single.get(shipped)!.spec,
    blendSpec: single.get('ease+buy-again')!.spec,
    shippedBecause,
    validation: validationRows,
  };
}

function bestOf<T extends { rows: Map<View, EvaluationRow> }>(tried: readonly T[], view: View): T {
  return tried.reduce((a, b) => (b.rows.get(view)!['ndcg@10'] > a.rows.get(view)!['ndcg@10'] ? b : a));
}

/**
 * The shippable model that beats every other model in each known-customer view, else the
 * shippable model with the best mean lift over popularity, with the models it trails named.
 */
export function chooseShipped(
  rows: readonly EvaluationRow[],
  popularity: Partial<Record<KnownView, number>>,
): { shipped: ShippableModel; shippedBecause: string } {
  const measured = knownViews.filter((view) => popularity[view] !== undefined);
  const ndcg = (row: EvaluationRow) => row['ndcg@10'];
  const score = (name: string, view: View) => rows.find((r) => r.name === name && r.view === view);
  const trails = (name: string) =>
    measured.flatMap((view) => {
      const own = ndcg(score(name, view)!);
      return rows
        .filter((r) => r.view === view && r.name !== name && ndcg(r) >= own)
        .map((r) => `${r.name} in view ${view} (${ndcg(r).toFixed(4)} ≥ ${own.toFixed(4)})`);
    });
  const meanLift = (name: string) =>
    measured.reduce((sum, view) => sum + ndcg(score(name, view)!) / popularity[view]!, 0) / measured.length;
  const ranked = [...shippableModels].sort((a, b) => meanLift(b) - meanLift(a));
  const named = measured.join(', ');
  const dominant = ranked.find((name) => trails(name).length === 0);
  if (dominant) return { shipped: dominant, shippedBecause: `beats every other model in views ${named} on validation` };
  const shipped = ranked[0]!;
  return {
    shipped,
    shippedBecause:
      `best mean NDCG lift over popularity across views ${named} on validation ` +
      `(${meanLift(shipped).toFixed(3)}×); no shippable model beats every other in each view: ` +
      `it trails ${trails(shipped).join('; ')}`,
  };
}
