/**
 * EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): the closed form
 * B = I − P·diagMat(1/diag(P)), P = (XᵀX + λI)⁻¹, with a zero diagonal. Restricted to the
 * top-N items so the dense inversion (≈ N³/2 multiply-adds in plain JS) stays in seconds.
 */
import type { Interactions } from './interactions.ts';
import { invertSymmetricInPlace } from './linear-algebra.ts';

/** EASE hyper-parameters: L2 weight and how many of the most popular items it covers. */
export interface EaseParams {
  lambda: number;
  topItems: number;
}

/** The EASE weight matrix B (row-major, n×n, Float32) over items 0..n-1. */
export function fitEase(data: Interactions, params: EaseParams): { matrix: Float32Array; n: number } {
  const n = Math.min(params.topItems, data.itemIds.length);
  if (!(params.lambda > 0)) throw new Error(`ease: lambda must be > 0, got ${params.lambda}`);
  // Gram matrix XᵀX of the binary user×item matrix, lower triangle only (the inversion reads no more).
  const g = new Float64Array(n * n);
  const row: number[] = [];
  for (let u = 0; u + 1 < data.userPtr.length; u++) {
    row.length = 0;
    for (let p = data.userPtr[u]!; p < data.userPtr[u + 1]!; p++)
      if (data.userItems[p]! < n) row.push(data.userItems[p]!);
    // userItems are ascending, so row[b] <= row[a] for b <= a: (a, b) lands in the lower triangle.
    for (let a = 0; a < row.length; a++) {
      const base = row[a]! * n;
      for (let b = 0; b <= a; b++) g[base + row[b]!]! += 1;
    }
  }
  for (let i = 0; i < n; i++) g[i * n + i] = g[i * n + i]! + params.lambda;
  invertSymmetricInPlace(g, n);
  const matrix = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) matrix[i * n + j] = i === j ? 0 : -g[i * n + j]! / g[j * n + j]!;
  }
  return { matrix, n };
}
