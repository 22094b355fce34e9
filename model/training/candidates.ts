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
import { itemItemRecommender, type ItemItemParts } from '../recommenders/item-item.ts';
import { fitPopularity } from '../recommenders/popularity.ts';
import type { Recommender } from '../recommenders/types.ts';

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
}

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
  'ease+buy-again',
] as const;
/** The name of a model the evaluation reports. */
export type ModelName = (typeof evaluatedModels)[number];

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
export function blendRepeatScores(data: Interactions, halfLifeDays: number): Float32Array {
  const rebuyers = new Float64Array(data.itemIds.length);
  const buyers = new Float64Array(data.itemIds.length);
  for (let p = 0; p < data.userItems.length; p++) {
    buyers[data.userItems[p]!]!++;
    if (data.userBaskets[p]! >= 2) rebuyers[data.userItems[p]!]!++;
  }
  const repeat = repeatScores(data, halfLifeDays);
  for (let p = 0; p < repeat.length; p++) {
    const item = data.userItems[p]!;
    repeat[p] = Math.sqrt(repeat[p]! * ((rebuyers[item]! + 1) / (buyers[item]! + 4)));
  }
  return repeat;
}

/** Fits a shippable model into the parts the artifact stores. */
export function fitItemItemParts(data: Interactions, name: ShippableModel, params: ModelParams): ItemItemParts {
  const { matrix, n } =
    name === 'item-knn'
      ? fitItemKnn(data, { neighbours: params.neighbours, topItems: data.itemIds.length })
      : fitEase(data, { lambda: params.lambda, topItems: params.topItems });
  return {
    name,
    itemCount: data.itemIds.length,
    modelItems: n,
    itemItem: matrix,
    popularity: coldStartPopularity(data),
    userPtr: data.userPtr,
    userItems: data.userItems,
    userRepeat: blendRepeatScores(data, name === 'ease+buy-again' ? params.blendHalfLifeDays : params.halfLifeDays),
    repeatWeight: name === 'ease+buy-again' ? params.repeatWeight : 0,
    historyCap: params.historyCap,
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
      return fitBuyAgain(data, params.halfLifeDays);
    case 'item-knn':
    case 'ease':
    case 'ease+buy-again':
      return itemItemRecommender(fitItemItemParts(data, name, params));
    default:
      throw new Error(`model: unknown model "${name}"`);
  }
}
