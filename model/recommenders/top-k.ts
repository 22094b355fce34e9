/** Top-k selection over a dense score vector, the hot loop of every recommender. */
import type { Scored } from './types.ts';

/**
 * The k best-scoring items, best first, skipping `exclude` and items whose score is
 * -Infinity. Insertion into a k-long sorted buffer: cheap because almost every item
 * fails the threshold test.
 */
export function topK(scores: ArrayLike<number>, k: number, exclude?: ReadonlySet<number>): Scored[] {
  const items = new Int32Array(k);
  const best = new Float64Array(k).fill(-Infinity);
  let size = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (s === -Infinity || (size === k && s <= best[k - 1]!)) continue;
    if (exclude?.has(i)) continue;
    let at = size < k ? size++ : k - 1;
    while (at > 0 && best[at - 1]! < s) {
      best[at] = best[at - 1]!;
      items[at] = items[at - 1]!;
      at--;
    }
    best[at] = s;
    items[at] = i;
  }
  const out: Scored[] = new Array(size);
  for (let r = 0; r < size; r++) out[r] = { item: items[r]!, score: best[r]! };
  return out;
}
