import type { RecoItem } from './types.ts';

/** GA4's item schema (only the fields a shelf knows). */
interface Ga4Item {
  item_id: string;
  item_name: string;
  index: number;
  item_list_id: string;
  item_list_name: string;
  item_category?: string;
  price?: number;
}

/**
 * Pushes a GA4 ecommerce event (`view_item_list`, `select_item`) onto the storefront's data
 * layer, in the shape Google Tag Manager's GA4 tags read. Clearing `ecommerce` first stops
 * GTM merging this push with the previous one.
 */
export function pushGa4(
  layerName: string,
  event: 'view_item_list' | 'select_item',
  listId: string,
  listName: string,
  item: RecoItem,
  index: number,
): void {
  const w = window as unknown as Record<string, unknown>;
  const layer = (Array.isArray(w[layerName]) ? w[layerName] : (w[layerName] = [])) as unknown[];
  const ga4: Ga4Item = {
    item_id: item.id,
    item_name: item.title,
    index,
    item_list_id: listId,
    item_list_name: listName,
  };
  if (item.category) ga4.item_category = item.category;
  if (item.price && Number.isFinite(item.price.value)) ga4.price = item.price.value;
  const ecommerce: Record<string, unknown> = { item_list_id: listId, item_list_name: listName, items: [ga4] };
  if (item.price?.currency) ecommerce.currency = item.price.currency;
  layer.push({ ecommerce: null });
  layer.push({ event, ecommerce });
}
