import type { Resolver } from './resolver.ts';

/** The shopper's last model answer, stale allowed up to the cache's stale window. */
export const lastModelAnswer: Resolver = {
  name: 'last-model-answer',
  resolve({ shopper, cacheKey, cache }) {
    const entry = cache.stale(shopper, cacheKey);
    return entry ? { ids: entry.ids, model: { version: entry.modelVersion, variant: entry.variant } } : { ids: [] };
  },
};
