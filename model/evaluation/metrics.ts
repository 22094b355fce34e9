/**
 * Ranking metrics at a cut-off k with binary relevance. Each takes the ranked list and the
 * set of relevant items; averaging over customers is the caller's job.
 */

/** NDCG@k: DCG of the list over the DCG of an ideal list of min(|relevant|, k) hits. */
export function ndcgAt(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  let dcg = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r]!)) dcg += 1 / Math.log2(r + 2);
  let ideal = 0;
  for (let r = 0; r < Math.min(k, relevant.size); r++) ideal += 1 / Math.log2(r + 2);
  return ideal === 0 ? 0 : dcg / ideal;
}

/** HR@k: 1 when at least one relevant item is in the top k. */
export function hitAt(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r]!)) return 1;
  return 0;
}

/** Recall@k: share of the relevant items found in the top k. */
export function recallAt(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  if (relevant.size === 0) return 0;
  let hits = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) if (relevant.has(ranked[r]!)) hits++;
  return hits / relevant.size;
}

/** AP@k: mean of precision@r at each hit r ≤ k, over min(|relevant|, k). MAP@k averages it. */
export function averagePrecisionAt(ranked: readonly number[], relevant: ReadonlySet<number>, k: number): number {
  let hits = 0;
  let sum = 0;
  for (let r = 0; r < Math.min(k, ranked.length); r++) {
    if (relevant.has(ranked[r]!)) {
      hits++;
      sum += hits / (r + 1);
    }
  }
  const denominator = Math.min(relevant.size, k);
  return denominator === 0 ? 0 : sum / denominator;
}
