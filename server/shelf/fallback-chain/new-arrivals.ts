import type { Fallback } from './fallback.ts';

/** The products introduced most recently. */
export const newArrivals: Fallback = {
  name: 'new-arrivals',
  rank: ({ catalog }) => ({ ids: catalog.newArrivals }),
};
