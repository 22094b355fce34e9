import type { Fallback } from './fallback.ts';

/** The merchandiser's pinned list for the placement, in the order given. */
export const pinned: Fallback = {
  name: 'pinned',
  rank: ({ placement }) => ({ ids: placement.pinned }),
};
