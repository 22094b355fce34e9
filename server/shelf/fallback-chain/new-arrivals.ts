import type { Resolver } from './resolver.ts';

/** The products introduced most recently. */
export const newArrivals: Resolver = {
  name: 'new-arrivals',
  resolve: ({ catalog }) => ({ ids: catalog.newArrivals }),
};
