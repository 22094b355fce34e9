/**
 * A next-basket baseline in the manner of TIFU-KNN (Hu et al., SIGIR 2020): a customer is a
 * time-decayed vector of their own items, and the prediction mixes that vector with the mean
 * vector of the customer's most similar customers:
 *   score = α · own + (1 − α) · mean(neighbours' vectors).
 * Simplified: TIFU decays each basket by its position in the sequence and groups baskets; the
 * interactions here keep, per (customer, item), the invoice count and the last purchase's age,
 * so an item's weight is invoices × 0.5^(age / half-life). Vectors are L2-normalised; neighbours
 * are by cosine. An anonymous shopper with items in view is the vector of those items; with none,
 * popularity (as every model here).
 */
import type { Interactions } from './interactions.ts';
import { topK } from './top-k.ts';
import type { Recommender } from './types.ts';

export interface TifuParams {
  /** Neighbours averaged. */
  neighbours: number;
  /** Weight of the customer's own vector, in [0, 1]. */
  alpha: number;
  /** An item's weight halves every this many days since it was last bought. */
  halfLifeDays: number;
}

/** Popularity only breaks ties and fills lists. */
const POPULARITY_WEIGHT = 1e-6;

export function fitTifuKnn(data: Interactions, params: TifuParams, popularity: Float32Array): Recommender {
  const users = data.userPtr.length - 1;
  const weights = new Float32Array(data.userItems.length);
  for (let u = 0; u < users; u++) {
    let norm = 0;
    for (let p = data.userPtr[u]!; p < data.userPtr[u + 1]!; p++) {
      const w = data.userBaskets[p]! * 0.5 ** (data.userAgeDays[p]! / params.halfLifeDays);
      weights[p] = w;
      norm += w * w;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let p = data.userPtr[u]!; p < data.userPtr[u + 1]!; p++) weights[p] = weights[p]! * scale;
  }
  // Item → (user, weight): the inverted index the similarities are summed over.
  const itemCount = data.itemIds.length;
  const itemPtr = new Int32Array(itemCount + 1);
  for (const i of data.userItems) itemPtr[i + 1]!++;
  for (let i = 0; i < itemCount; i++) itemPtr[i + 1]! += itemPtr[i]!;
  const itemUsers = new Int32Array(data.userItems.length);
  const itemWeights = new Float32Array(data.userItems.length);
  const fill = itemPtr.slice(0, itemCount);
  for (let u = 0; u < users; u++)
    for (let p = data.userPtr[u]!; p < data.userPtr[u + 1]!; p++) {
      const at = fill[data.userItems[p]!]!++;
      itemUsers[at] = u;
      itemWeights[at] = weights[p]!;
    }
  const similarity = new Float64Array(users);
  const scores = new Float64Array(itemCount);
  return {
    name: 'tifu-knn',
    recommend: ({ user, context, k, exclude }) => {
      const own = new Map<number, number>();
      if (user !== undefined)
        for (let p = data.userPtr[user]!; p < data.userPtr[user + 1]!; p++) own.set(data.userItems[p]!, weights[p]!);
      else if (context && context.length > 0) {
        const valid = context.filter((h) => h >= 0 && h < itemCount);
        for (const h of valid) own.set(h, 1 / Math.sqrt(valid.length));
      }
      for (let i = 0; i < itemCount; i++) scores[i] = popularity[i]! * (own.size > 0 ? POPULARITY_WEIGHT : 1);
      if (own.size > 0) {
        similarity.fill(0);
        for (const [i, w] of own)
          for (let at = itemPtr[i]!; at < itemPtr[i + 1]!; at++) similarity[itemUsers[at]!]! += w * itemWeights[at]!;
        if (user !== undefined) similarity[user] = -Infinity;
        const neighbours = topK(similarity, params.neighbours).filter((s) => s.score > 0);
        const share = neighbours.length > 0 ? (1 - params.alpha) / neighbours.length : 0;
        for (const { item: v } of neighbours)
          for (let p = data.userPtr[v]!; p < data.userPtr[v + 1]!; p++)
            scores[data.userItems[p]!]! += share * weights[p]!;
        for (const [i, w] of own) scores[i]! += params.alpha * w;
      }
      if (context) for (const h of context) if (h >= 0 && h < itemCount) scores[h] = -Infinity;
      return topK(scores, k, exclude);
    },
  };
}
