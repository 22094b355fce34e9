import type { Resolver } from './resolver.ts';

/** The merchandiser's pinned list for the placement, in the order given. */
export const pinned: Resolver = {
  name: 'pinned',
  resolve: ({ placement }) => ({ ids: placement.pinned }),
};
