import { interleave, type Fallback } from './fallback.ts';

/** Products most often in the same basket as the context items. */
export const boughtTogether: Fallback = {
  name: 'bought-together',
  rank({ items, catalog }) {
    return { ids: interleave(items.map((id) => catalog.get(id)?.boughtWith ?? [])) };
  },
};
