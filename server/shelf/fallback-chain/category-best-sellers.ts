import { interleave, type Fallback } from './fallback.ts';

/** Best sellers in the categories of the context items. */
export const categoryBestSellers: Fallback = {
  name: 'category-best-sellers',
  rank({ items, catalog }) {
    const categories = new Set(
      items.map((id) => catalog.get(id)?.category).filter((c): c is string => c !== undefined),
    );
    return { ids: interleave([...categories].map((c) => catalog.bestSellersIn(c))) };
  },
};
