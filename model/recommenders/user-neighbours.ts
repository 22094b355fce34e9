/**
 * The customer-to-customer part a blend may add (as TIFU-KNN's neighbour term): the mean item
 * vector of the customer's most similar customers, by cosine over L2-normalised vectors. The
 * inverted index is built once; a request costs the sum of its items' buyer counts plus the
 * neighbours' items (about 0.05 ms for a typical customer here).
 */
import type { Interactions } from './interactions.ts';
import { topK } from './top-k.ts';

/** Per (user, item), aligned with `userItems`: invoices × 0.5^(age / half-life), L2-normalised per user. */
export function userVectors(data: Interactions, halfLifeDays: number): Float32Array {
  const out = new Float32Array(data.userItems.length);
  for (let u = 0; u + 1 < data.userPtr.length; u++) {
    let norm = 0;
    for (let p = data.userPtr[u]!; p < data.userPtr[u + 1]!; p++) {
      out[p] = data.userBaskets[p]! * 0.5 ** (data.userAgeDays[p]! / halfLifeDays);
      norm += out[p]! * out[p]!;
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let p = data.userPtr[u]!; p < data.userPtr[u + 1]!; p++) out[p] = out[p]! * scale;
  }
  return out;
}

/**
 * The nearest customers of a user (`nearest`), and the mean vector of a list of customers into
 * `out`, returning its maximum (`fill`). Split so the container can find every user's neighbours
 * once at start-up and only `fill` per request.
 */
export interface NeighbourScorer {
  nearest(user: number): Int32Array;
  fill(neighbours: Int32Array, out: Float64Array): number;
}

export function neighbourScorer(
  userPtr: Int32Array,
  userItems: Int32Array,
  vectors: Float32Array,
  itemCount: number,
  neighbours: number,
): NeighbourScorer {
  const users = userPtr.length - 1;
  const itemPtr = new Int32Array(itemCount + 1);
  for (const i of userItems) itemPtr[i + 1]!++;
  for (let i = 0; i < itemCount; i++) itemPtr[i + 1]! += itemPtr[i]!;
  const itemUsers = new Int32Array(userItems.length);
  const itemWeights = new Float32Array(userItems.length);
  const at = itemPtr.slice(0, itemCount);
  for (let u = 0; u < users; u++)
    for (let p = userPtr[u]!; p < userPtr[u + 1]!; p++) {
      const slot = at[userItems[p]!]!++;
      itemUsers[slot] = u;
      itemWeights[slot] = vectors[p]!;
    }
  const similarity = new Float64Array(users);
  return {
    nearest(user) {
      similarity.fill(0);
      for (let p = userPtr[user]!; p < userPtr[user + 1]!; p++) {
        const i = userItems[p]!,
          w = vectors[p]!;
        for (let q = itemPtr[i]!; q < itemPtr[i + 1]!; q++) similarity[itemUsers[q]!]! += w * itemWeights[q]!;
      }
      similarity[user] = -Infinity;
      return Int32Array.from(
        topK(similarity, neighbours)
          .filter((s) => s.score > 0)
          .map((s) => s.item),
      );
    },
    fill(nearest, out) {
      out.fill(0);
      let max = 0;
      for (const v of nearest)
        for (let p = userPtr[v]!; p < userPtr[v + 1]!; p++) {
          const s = (out[userItems[p]!]! += vectors[p]!);
          if (s > max) max = s;
        }
      return max;
    },
  };
}
