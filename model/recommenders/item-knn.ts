/**
 * Item-kNN (Sarwar et al. 2001; Deshpande & Karypis 2004): cosine similarity between items'
 * buyer sets. Classical item-kNN scores a candidate item j from the history items that are
 * among j's own `neighbours` most similar items, so the pruning is per candidate (per
 * column of the matrix), not per history item. Returned as a dense matrix so it is served
 * like EASE.
 */
import type { Interactions } from './interactions.ts';

/** Item-kNN hyper-parameters. */
export interface ItemKnnParams {
  /** Neighbours kept per candidate item. */
  neighbours: number;
  /** How many of the most popular items the matrix covers. */
  topItems: number;
}

/**
 * Row h of the result: what having item h adds to each candidate j, that is sim(h, j) when
 * h is one of j's `neighbours` most similar items, else 0 (and 0 on the diagonal).
 */
export function fitItemKnn(data: Interactions, params: ItemKnnParams): { matrix: Float32Array; n: number } {
  const n = Math.min(params.topItems, data.itemIds.length);
  if (!(params.neighbours >= 1)) throw new Error(`item-knn: neighbours must be ≥ 1, got ${params.neighbours}`);
  const co = new Float32Array(n * n);
  const row: number[] = [];
  for (let u = 0; u + 1 < data.userPtr.length; u++) {
    row.length = 0;
    for (let p = data.userPtr[u]!; p < data.userPtr[u + 1]!; p++)
      if (data.userItems[p]! < n) row.push(data.userItems[p]!);
    for (const a of row) {
      const base = a * n;
      for (const b of row) if (a !== b) co[base + b]! += 1;
    }
  }
  const matrix = new Float32Array(n * n);
  const sims = new Float64Array(n);
  const sorted = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const cj = data.itemBuyers[j]!;
    // Co-occurrence is symmetric, so row j of `co` is also column j.
    for (let h = 0; h < n; h++) sims[h] = co[j * n + h]! / Math.sqrt(cj * data.itemBuyers[h]!);
    sorted.set(sims);
    sorted.sort();
    // Threshold = the neighbours-th largest similarity; ties at the threshold are all kept.
    const threshold = sorted[n - Math.min(params.neighbours, n)] ?? 0;
    for (let h = 0; h < n; h++) if (sims[h]! >= threshold && sims[h]! > 0) matrix[h * n + j] = sims[h]!;
  }
  return { matrix, n };
}
