/** The `popularity` and `popularity-30d` baselines: the same best sellers for everyone. */
import type { Interactions } from './interactions.ts';
import { topK } from './top-k.ts';
import type { Recommender } from './types.ts';

/** Distinct buyers per item, all time or in the last 30 days before the cut-off. */
export function fitPopularity(data: Interactions, window: 'all' | '30d'): Recommender {
  const scores = window === 'all' ? data.itemBuyers : data.itemRecentBuyers;
  return {
    name: window === 'all' ? 'popularity' : 'popularity-30d',
    recommend: ({ k, exclude }) => topK(scores, k, exclude),
  };
}
