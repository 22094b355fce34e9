/**
 * Item-kNN: cosine similarity between items' buyer sets, each item keeping its `neighbours`
 * most similar items. Returned as a dense matrix so it is served like EASE.
 */
import type { Interactions } from '../interactions.ts';

/** Item-kNN hyper-parameters. */
export interface ItemKnnParams {
  neighbours: number;
  topItems: number;
}

/** Row h of the result: similarity of item h to each item (0 outside its neighbours and on the diagonal). */
export function fitItemKnn(data: Interactions, params: ItemKnnParams): { matrix: Float32Array; n: number } {
  const n = Math.min(params.topItems, data.itemIds.length);
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
  for (let i = 0; i < n; i++) {
    const ci = data.itemBuyers[i]!;
    for (let j = 0; j < n; j++) sims[j] = co[i * n + j]! / Math.sqrt(ci * data.itemBuyers[j]!);
    // Threshold = the neighbours-th largest similarity; ties at the threshold are all kept.
    const threshold = Float64Array.from(sims).sort().reverse()[Math.min(params.neighbours, n) - 1] ?? 0;
    for (let j = 0; j < n; j++) if (sims[j]! >= threshold && sims[j]! > 0) matrix[i * n + j] = sims[j]!;
  }
  return { matrix, n };
}
