import type { Fallback } from './fallback.ts';

/** The catalog's best sellers overall (distinct customers). */
export const bestSellers: Fallback = {
  name: 'best-sellers',
  rank: ({ catalog }) => ({ ids: catalog.bestSellers }),
};
