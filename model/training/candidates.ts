/**
 * The named models of the evaluation, each built from its own hyper-parameters. The
 * shippable ones (`item-knn`, `ease`, `ease+buy-again`) are item-item parts, which is also
 * the one shape the artifact stores and the container serves; `ials` is a factor model,
 * evaluated as a baseline only (serving it would need a factor artifact).
 */
import type { Interactions } from '../recommenders/interactions.ts';
import { fitBuyAgain, repeatScores } from '../recommenders/buy-again.ts';
import { fitEase } from '../recommenders/ease.ts';
import { fitIals, type IalsParams, ialsRecommender } from '../recommenders/ials.ts';
import { fitItemKnn } from '../recommenders/item-knn.ts';
import { fitTifuKnn } from '../recommenders/tifu-knn.ts';
import { userVectors } from '../recommenders/user-neighbours.ts';
import type { ItemItemParts } from '../recommenders/item-item.ts';
import { servedRecommender } from '../container/served-model.ts';
import { trainReranker } from './rerank-training.ts';
import { fitPopularity } from '../recommenders/popularity.ts';
import type { Recommender } from '../recommenders/types.ts';
import { repurchaseCycleDays, repurchasePropensity } from '../recommenders/repurchase.ts';

/** Every hyper-parameter of every candidate. */
export interface ModelParams {
  /** buy-again: a past purchase's weight halves every this many days (Infinity = frequency only). */
  halfLifeDays: number;
  /** item-knn: neighbours kept per item. */
  neighbours: number;
  /** ease: L2 regularisation. */
  lambda: number;
  /** ease: how many of the most popular items the matrix covers. */
  topItems: number;
  /** ease+buy-again: weight of the buy-again part. */
  repeatWeight: number;
  /** ease+buy-again: half-life of the buy-again part (tuned apart from the baseline's). */
  blendHalfLifeDays: number;
  /** Items of a user's history (highest repeat score first) that feed the item-item matrix. */
  historyCap: number;
  /**
   * buy-again: the exponent of the item's re-purchase propensity in its score (0 or absent: frequency
   * and recency only; 0.5: as the blend's repeat part).
   */
  propensity?: number;
  /** tifu-knn: neighbours averaged, and the weight of the customer's own vector. */
  tifuNeighbours?: number;
  tifuAlpha?: number;
  /**
   * ease+buy-again: weight c of the re-purchase cycle in the repeat part (absent or 0: none). An item
   * bought in n ≥ 2 invoices has a cycle (first to last purchase) / (n − 1); its repeat score is
   * multiplied by (1 − c) + c · min(1, days since last purchase / cycle): not yet due, less likely.
   */
  cycle?: number;
  /** ease+buy-again: weight of recent popularity beside the max-normalised scores (absent or 0: a tie-breaker). */
  trend?: number;
  /**
   * ease+buy-again: item-kNN's similarities (k = 100) mixed into EASE's matrix with this weight, each
   * scaled to unit root-mean-square first (absent or 0: EASE alone). One matrix, so it serves as EASE.
   */
  knnMix?: number;
  /**
   * ease+buy-again: the per-customer repeat-vs-explore weight. A customer whose purchases are more
   * often re-orders than the average customer's gets a larger buy-again weight:
   * clamp(repeatWeight + s × (their re-order share − the mean share), 0.05, 0.95). Absent or 0: one weight.
   */
  repeatShift?: number;
  /**
   * ease+buy-again: weight of the customer-to-customer part (the mean vector of the 100 nearest
   * customers, as TIFU-KNN's neighbour term; absent or 0: none).
   */
  neighbourWeight?: number;
  /** ease+buy-again: 1 = the nearest customers only re-rank the customer's own past items. */
  neighbourOwn?: number;
  /** ease+buy-again, for the ablation only: 0 drops the propensity, or the square roots (absent or 1: kept). */
  blendPropensity?: number;
  blendRoots?: number;
  /**
   * ease+buy-again: the learned re-ranker over the blend's best `rerankCandidates` items (absent or 0:
   * none): `rerankTrees` trees of depth `rerankDepth`, learning rate `rerankRate` (`reranker.ts`).
   */
  rerankCandidates?: number;
  rerankTrees?: number;
  rerankDepth?: number;
  rerankRate?: number;
}

/** The parameters a model may have beyond the defaults' keys (absent: off). */
export const optionalParamKeys = [
  'propensity',
  'tifuNeighbours',
  'tifuAlpha',
  'cycle',
  'trend',
  'knnMix',
  'repeatShift',
  'neighbourWeight',
  'neighbourOwn',
  'blendPropensity',
  'blendRoots',
  'rerankCandidates',
  'rerankTrees',
  'rerankDepth',
  'rerankRate',
] as const satisfies readonly (keyof ModelParams)[];

/** Names of the models that can be shipped (they serve every kind of query). */
export const shippableModels = ['item-knn', 'ease', 'ease+buy-again'] as const;
export type ShippableModel = (typeof shippableModels)[number];

/** Names of every model the evaluation reports, in table order. */
export const evaluatedModels = [
  'popularity',
  'popularity-30d',
  'buy-again',
  'item-knn',
  'ials',
  'ease',
  'tifu-knn',
  'ease+buy-again',
] as const;
/** The name of a model the evaluation reports. */
export type ModelName = (typeof evaluatedModels)[number];

/** A model with everything it is fitted from: what tuning chooses per view and the cache is keyed by. */
export interface ModelSpec {
  name: ModelName;
  params: ModelParams;
  /** iALS only. */
  ials?: IalsParams;
}

/** Fits a spec. */
export function fitSpec(data: Interactions, spec: ModelSpec): Recommender {
  return fitModel(data, spec.name, spec.params, spec.ials);
}

/** Cold-start popularity in [0, 1]: recent buyers, with all-time buyers as the tie-breaker. */
export function coldStartPopularity(data: Interactions): Float32Array {
  let maxRecent = 1,
    maxAll = 1;
  for (let i = 0; i < data.itemIds.length; i++) {
    maxRecent = Math.max(maxRecent, data.itemRecentBuyers[i]!);
    maxAll = Math.max(maxAll, data.itemBuyers[i]!);
  }
  const out = new Float32Array(data.itemIds.length);
  for (let i = 0; i < out.length; i++)
    out[i] = (0.9 * data.itemRecentBuyers[i]!) / maxRecent + (0.1 * data.itemBuyers[i]!) / maxAll;
  return out;
}

/**
 * The buy-again part of the blend, per (user, item): sqrt of the repeat score (damps a few
 * huge re-order counts) times sqrt of the item's re-purchase propensity (share of its buyers
 * who bought it in two or more invoices, smoothed) — some items are re-stocked, some bought once.
 * Both square roots won on validation against raw, log and full-power variants.
 */
export function blendRepeatScores(
  data: Interactions,
  halfLifeDays: number,
  parts: { propensity?: boolean; roots?: boolean; cycle?: number } = {},
): Float32Array {
  const cycle = parts.cycle ?? 0;
  const withPropensity = parts.propensity ?? true;
  const exponent = (parts.roots ?? true) ? 0.5 : 1;
  const itemPropensity = repurchasePropensity(data.userItems, data.userBaskets, data.itemIds.length);
  const repeat = repeatScores(data, halfLifeDays);
  for (let p = 0; p < repeat.length; p++) {
    const propensity = withPropensity ? itemPropensity[data.userItems[p]!]! : 1;
    repeat[p] = (repeat[p]! * propensity * dueness(data, p, cycle)) ** exponent;
  }
  return repeat;
}

/** The re-purchase cycle's factor for pair p: (1 − c) + c · min(1, age / cycle); 1 for a single purchase. */
function dueness(data: Interactions, p: number, c: number): number {
  const n = data.userBaskets[p]!;
  if (c === 0 || n < 2) return 1;
  const cycleDays = repurchaseCycleDays(n, data.userFirstAgeDays[p]!, data.userAgeDays[p]!);
  return 1 - c + c * Math.min(1, data.userAgeDays[p]! / cycleDays);
}

/**
 * EASE fits by (data, λ, items): the blend's grid and its ablation re-use one inversion per λ.
 * Held only while the data is (a WeakMap), so a finished cut-off's matrices are freed with it.
 */
const easeFits = new WeakMap<Interactions, Map<string, { matrix: Float32Array; n: number }>>();
function easeOf(data: Interactions, lambda: number, topItems: number): { matrix: Float32Array; n: number } {
  if (!easeFits.has(data)) easeFits.set(data, new Map());
  const fits = easeFits.get(data)!;
  const key = `${lambda}/${topItems}`;
  if (!fits.has(key)) fits.set(key, fitEase(data, { lambda, topItems }));
  return fits.get(key)!;
}

/** Each customer's buy-again weight from their re-order share (invoices beyond an item's first). */
export function userRepeatWeights(data: Interactions, weight: number, shift: number): Float32Array {
  const users = data.userPtr.length - 1;
  const share = new Float64Array(users);
  let total = 0;
  for (let u = 0; u < users; u++) {
    let invoices = 0;
    for (let p = data.userPtr[u]!; p < data.userPtr[u + 1]!; p++) invoices += data.userBaskets[p]!;
    const items = data.userPtr[u + 1]! - data.userPtr[u]!;
    share[u] = invoices > 0 ? (invoices - items) / invoices : 0;
    total += share[u]!;
  }
  const mean = users > 0 ? total / users : 0;
  return Float32Array.from(share, (r) => Math.min(0.95, Math.max(0.05, weight + shift * (r - mean))));
}

/** EASE's matrix plus `mix` × item-kNN's (k = 100) over the same items, each at unit root-mean-square. */
function mixedMatrix(data: Interactions, lambda: number, topItems: number, mix: number) {
  if (!easeFits.has(data)) easeFits.set(data, new Map());
  const key = `${lambda}/${topItems}/mix ${mix}`;
  if (!easeFits.get(data)!.has(key)) easeFits.get(data)!.set(key, mixOf(data, lambda, topItems, mix));
  return easeFits.get(data)!.get(key)!;
}

function mixOf(data: Interactions, lambda: number, topItems: number, mix: number) {
  const ease = easeOf(data, lambda, topItems);
  const knn = fitItemKnn(data, { neighbours: 100, topItems: ease.n });
  const rms = (m: Float32Array) => Math.sqrt(m.reduce((s, x) => s + x * x, 0) / m.length) || 1;
  const a = 1 / rms(ease.matrix),
    b = mix / rms(knn.matrix);
  const matrix = new Float32Array(ease.matrix.length);
  for (let i = 0; i < matrix.length; i++) matrix[i] = ease.matrix[i]! * a + knn.matrix[i]! * b;
  return { matrix, n: ease.n };
}

/** The blend's parameters without its re-ranker. */
export function withoutReranker(params: ModelParams): ModelParams {
  const { rerankCandidates: _c, rerankTrees: _t, rerankDepth: _d, rerankRate: _r, ...blend } = params;
  return blend;
}

/**
 * Fits a shippable model into the parts the artifact stores: the blend, and its re-ranker when asked
 * for and `data` carries the purchases to learn it from (else the blend alone).
 */
export function fitItemItemParts(data: Interactions, name: ShippableModel, params: ModelParams): ItemItemParts {
  const parts = fitBlendParts(data, name, params);
  if (name !== 'ease+buy-again' || !params.rerankCandidates) return parts;
  const blend = withoutReranker(params);
  const trained = trainReranker(
    data,
    {
      candidates: params.rerankCandidates,
      trees: params.rerankTrees ?? 100,
      depth: params.rerankDepth ?? 4,
      learningRate: params.rerankRate ?? 0.1,
    },
    (earlier) => fitBlendParts(earlier, name, blend),
    blend,
  );
  return trained ? { ...parts, rerank: trained.part } : parts;
}

function fitBlendParts(data: Interactions, name: ShippableModel, params: ModelParams): ItemItemParts {
  const { matrix, n } =
    name === 'item-knn'
      ? fitItemKnn(data, { neighbours: params.neighbours, topItems: data.itemIds.length })
      : name === 'ease+buy-again' && params.knnMix
        ? mixedMatrix(data, params.lambda, params.topItems, params.knnMix)
        : easeOf(data, params.lambda, params.topItems);
  return {
    name,
    itemCount: data.itemIds.length,
    modelItems: n,
    itemItem: matrix,
    popularity: coldStartPopularity(data),
    userPtr: data.userPtr,
    userItems: data.userItems,
    userRepeat:
      name === 'ease+buy-again'
        ? blendRepeatScores(data, params.blendHalfLifeDays, {
            propensity: params.blendPropensity !== 0,
            roots: params.blendRoots !== 0,
            cycle: params.cycle,
          })
        : blendRepeatScores(data, params.halfLifeDays),
    repeatWeight: name === 'ease+buy-again' ? params.repeatWeight : 0,
    historyCap: params.historyCap,
    ...(name === 'ease+buy-again' && params.trend ? { trendWeight: params.trend } : {}),
    ...(name === 'ease+buy-again' && params.neighbourWeight
      ? {
          neighbourWeight: params.neighbourWeight,
          neighbours: 100,
          userVectors: userVectors(data, params.blendHalfLifeDays),
          ...(params.neighbourOwn ? { neighbourOwnOnly: true } : {}),
        }
      : {}),
    ...(name === 'ease+buy-again' && params.repeatShift
      ? { userRepeatWeight: userRepeatWeights(data, params.repeatWeight, params.repeatShift) }
      : {}),
  };
}

/** A named model ready to recommend; baselines included. `ials` needs its own parameters. */
export function fitModel(data: Interactions, name: string, params: ModelParams, ials?: IalsParams): Recommender {
  switch (name) {
    case 'ials':
      if (!ials) throw new Error('model: ials needs its parameters');
      return ialsRecommender(data, fitIals(data, ials), ials, coldStartPopularity(data));
    case 'popularity':
      return fitPopularity(data, 'all');
    case 'popularity-30d':
      return fitPopularity(data, '30d');
    case 'buy-again':
      return fitBuyAgain(data, params.halfLifeDays, params.propensity ?? 0);
    case 'tifu-knn':
      return fitTifuKnn(
        data,
        { neighbours: params.tifuNeighbours ?? 100, alpha: params.tifuAlpha ?? 0.7, halfLifeDays: params.halfLifeDays },
        coldStartPopularity(data),
      );
    case 'item-knn':
    case 'ease':
    case 'ease+buy-again':
      return servedRecommender(fitItemItemParts(data, name, params));
    default:
      throw new Error(`model: unknown model "${name}"`);
  }
}
