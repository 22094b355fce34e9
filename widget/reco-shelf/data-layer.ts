import type { RecoShelf } from './reco-shelf.ts';
import type { RecoItem, RecoResponse, RecoSource } from './types.ts';

/** A shelf as GA4 sees it: an item list. */
export interface Ga4List {
  /** Name of the data layer array on `window` (`dataLayer` by default). */
  layer: string;
  /** `item_list_id`: the placement. */
  id: string;
  /** `item_list_name`: the heading the shopper saw. */
  name: string;
  /** Sent as the custom parameter `reco_source`: `model`, `cache` or `fallback`. */
  source: RecoSource;
}

export type Ga4Event = 'view_item_list' | 'select_item' | 'add_to_cart';

/**
 * GA4, when the storefront opted in with `data-layer`: one push for the cards given (each
 * marked with its position, `data-i`). The list is named as the shopper saw it: the slotted
 * heading when there is one.
 */
export function shelfGa4(shelf: RecoShelf, data: RecoResponse, event: Ga4Event, cards: Element[]): void {
  if (shelf.dataLayer === null) return;
  const slotted = shelf.querySelector(':scope > [slot="heading"]')?.textContent?.trim();
  const list = {
    layer: shelf.dataLayer || 'dataLayer',
    id: shelf.placement,
    name: slotted || shelf.heading || shelf.placement,
    source: data.source,
  };
  const entries = cards.map((card) => {
    const index = Number((card as HTMLElement).dataset.i);
    return { item: data.items[index]!, index };
  });
  pushGa4(list, event, entries);
}

/**
 * Pushes one GA4 ecommerce event for `entries` (item and its position on the shelf) onto the
 * storefront's data layer, in the shape Google Tag Manager's GA4 tags read (widget/README.md
 * "Analytics" shows each push). Clearing `ecommerce` first stops GTM merging this push with
 * the previous one.
 */
export function pushGa4(list: Ga4List, event: Ga4Event, entries: { item: RecoItem; index: number }[]): void {
  const w = window as unknown as Record<string, unknown>;
  const layer = (Array.isArray(w[list.layer]) ? w[list.layer] : (w[list.layer] = [])) as unknown[];
  let currency: string | undefined;
  let value = 0;
  const items = entries.map(({ item, index }) => {
    const ga4: Record<string, unknown> = {
      item_id: item.id,
      item_name: item.title,
      index,
      item_list_id: list.id,
      item_list_name: list.name,
    };
    if (item.category) ga4.item_category = item.category;
    if (item.price && Number.isFinite(item.price.value)) {
      ga4.price = item.price.value;
      value += item.price.value;
    }
    currency ??= item.price?.currency;
    if (event === 'add_to_cart') ga4.quantity = 1;
    return ga4;
  });
  const ecommerce: Record<string, unknown> =
    event === 'add_to_cart' ? { value } : { item_list_id: list.id, item_list_name: list.name };
  if (currency) ecommerce.currency = currency;
  ecommerce.items = items;
  layer.push({ ecommerce: null });
  layer.push({ event, reco_source: list.source, ecommerce });
}
