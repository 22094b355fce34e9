import type { RecoItem, RecoResponse } from '../reco-shelf/types.ts';

/** Real products from the retailer's catalog (Online Retail data set), as the proxy serves them. */
export const products: RecoItem[] = [
  ['85123A', 'WHITE HANGING HEART T-LIGHT HOLDER', 2.55, 'candles & lights'],
  ['71053', 'WHITE METAL LANTERN', 3.39, 'candles & lights'],
  ['84406B', 'CREAM CUPID HEARTS COAT HANGER', 2.75, 'home decor'],
  ['84029G', 'KNITTED UNION FLAG HOT WATER BOTTLE', 3.39, 'warmers'],
  ['84029E', 'RED WOOLLY HOTTIE WHITE HEART.', 3.39, 'warmers'],
  ['22752', 'SET 7 BABUSHKA NESTING BOXES', 7.65, 'gifts'],
  ['21730', 'GLASS STAR FROSTED T-LIGHT HOLDER', 4.25, 'candles & lights'],
  ['22633', 'HAND WARMER UNION JACK', 1.85, 'warmers'],
  ['84879', 'ASSORTED COLOUR BIRD ORNAMENT', 1.69, 'home decor'],
  ['22745', "POPPY'S PLAYHOUSE BEDROOM", 2.1, 'toys'],
  ['22310', 'IVORY KNITTED MUG COSY', 1.65, 'kitchen'],
  ['84969', 'BOX OF 6 ASSORTED COLOUR TEASPOONS', 4.25, 'kitchen'],
].map(([id, title, value, category]) => ({
  id: id as string,
  title: title as string,
  url: `/product/${id}`,
  image: `/images/${id}.svg`,
  price: { value: value as number, currency: 'GBP' },
  category: category as string,
}));

export function recoResponse(
  items: RecoItem[] = products.slice(0, 8),
  extra: Partial<RecoResponse> = {},
): RecoResponse {
  return {
    requestId: 'req-1',
    placement: 'home',
    source: 'model',
    fallbackReason: null,
    model: { version: '2026-11-30', variant: 'model-a' },
    warnings: [],
    items,
    ...extra,
  };
}
