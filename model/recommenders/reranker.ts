/**
 * The learned re-ranker: a known customer's top `candidates` items from the blend, re-ordered by the
 * gradient-boosted trees (`gbdt.ts`) over `rerank-features.ts`; equal tree scores keep the blend's
 * order. Strangers and requests with context items get the blend unchanged: the trees were trained on
 * known customers' own shelves only, and a context-led list is about the product in view.
 */
import { predict } from './gbdt.ts';
import type { ItemItemParts, ItemItemRecommender } from './item-item.ts';
import { featureCount, featureFiller, type RerankPart } from './rerank-features.ts';
import type { Query, Recommender, Scored } from './types.ts';

/**
 * What the trees re-rank for a known customer without context: the blend's best `n` items. Training
 * asks through this too, so it learns on the lists it will re-rank. (Adding the customer's other past
 * items after them was tried on validation, May 2011: NDCG@10 in view all 0.3616 against 0.3640.)
 */
export function rerankCandidates(base: ItemItemRecommender, query: Query & { user: number }, n: number): Scored[] {
  return base.recommend({ ...query, k: n });
}

/**
 * `base` re-ranked by `rerank`'s trees, reading its features from `parts`; throws when the trees were
 * trained on another feature count (an artifact from other code). Answers best first, at most `k`.
 */
export function rerankedRecommender(base: ItemItemRecommender, parts: ItemItemParts, rerank: RerankPart): Recommender {
  if (rerank.forest.features !== featureCount)
    throw new Error(`rerank: the trees read ${rerank.forest.features} features, this code builds ${featureCount}`);
  const fill = featureFiller(parts, rerank.counts);
  let rows = new Float32Array(Math.max(1, rerank.candidates) * featureCount);
  const { userPtr } = parts;
  function recommend(query: Query): Scored[] {
    const { user, context, k } = query;
    const known = user !== undefined && user >= 0 && user + 1 < userPtr.length && userPtr[user + 1]! > userPtr[user]!;
    if (!known || (context !== undefined && context.length > 0)) return base.recommend(query);
    // A k beyond the candidate count re-ranks k items, so the answer's scores stay one scale, best first.
    const candidates = rerankCandidates(base, { ...query, user }, Math.max(k, rerank.candidates));
    if (rows.length < candidates.length * featureCount) rows = new Float32Array(candidates.length * featureCount);
    fill(user, candidates, base.lastParts(), rows);
    const scored = candidates.map((c, r) => ({
      item: c.item,
      score: predict(rerank.forest, rows, r * featureCount),
      r,
    }));
    // Stable on the blend's rank: equal tree scores keep the blend's order.
    scored.sort((a, b) => b.score - a.score || a.r - b.r);
    return scored.slice(0, k).map(({ item, score }) => ({ item, score }));
  }
  return { name: parts.name, recommend };
}
