/**
 * The one place a model's parts become the scorer that answers: the blend (`item-item.ts`), re-ranked
 * by its trees when the artifact has them. The container, the gate, the monitor, the training
 * baseline and the evaluation all build their recommender here, so no second copy of scoring exists.
 */
import { itemItemRecommender, type ItemItemParts } from '../recommenders/item-item.ts';
import { rerankedRecommender } from '../recommenders/reranker.ts';
import type { Recommender } from '../recommenders/types.ts';

/** The recommender an artifact's `parts` serve: the blend, re-ranked when `parts.rerank` holds trees. */
export function servedRecommender(parts: ItemItemParts, options: { precomputeUsers?: boolean } = {}): Recommender {
  const blend = itemItemRecommender(parts, options);
  return parts.rerank ? rerankedRecommender(blend, parts, parts.rerank) : blend;
}
