import { interleave, type Resolver } from './resolver.ts';

/** Products most often in the same basket as the context items. */
export const boughtTogether: Resolver = {
  name: 'bought-together',
  resolve({ items, catalog }) {
    return { ids: interleave(items.map((id) => catalog.get(id)?.boughtWith ?? [])) };
  },
};
