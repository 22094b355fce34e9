import type { Resolver } from './resolver.ts';

/** The catalog's best sellers overall (distinct customers). */
export const bestSellers: Resolver = {
  name: 'best-sellers',
  resolve: ({ catalog }) => ({ ids: catalog.bestSellers }),
};
