import type { Fallback } from './fallback.ts';

/** The shopper's last model answer, stale allowed up to the cache's stale window. */
export const lastModelAnswer: Fallback = {
  name: 'last-model-answer',
  rank({ shopper, cacheKey, cache }) {
    const entry = cache.stale(shopper, cacheKey);
    return entry ? { ids: entry.ids, model: { version: entry.modelVersion, variant: entry.variant } } : { ids: [] };
  },
};
