import type { RecoShelf } from './reco-shelf.ts';
import { type Ga4Event, shelfGa4 } from './data-layer.ts';
import { recordShopperEvent, type ShelfContext } from './shopper-events.ts';
import type { RecoResponse, TrackedEventType } from './types.ts';

/**
 * A shelf's cards as events (second chunk): what the shopper saw, followed and put in the cart,
 * for the proxy (queued beacons), for the storefront (DOM events) and for GA4 (`data-layer`).
 * The shelf hands over the answer shown and who the shopper is at the moment of the event.
 */
export interface ShownShelf {
  shelf: RecoShelf;
  data: RecoResponse;
  context: ShelfContext;
}

const emit = (shelf: Element, name: string, detail: object, cancelable = false): boolean =>
  shelf.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true, cancelable }));

/** One shopper event on one card: queued for the proxy and reported as a DOM event. */
function itemEvent(
  { shelf, data, context }: ShownShelf,
  card: Element,
  type: TrackedEventType,
  name: string,
  cancelable = false,
): boolean {
  const position = Number((card as HTMLElement).dataset.i);
  const item = data.items[position];
  if (!item) return true;
  recordShopperEvent(context, data, position, type);
  const { requestId, source } = data;
  return emit(shelf, name, { item, position, requestId, source, placement: context.placement }, cancelable);
}

/** GA4, when the storefront opted in with `data-layer` and the shopper consented: one push for the cards given. */
function ga4({ shelf, data, context }: ShownShelf, event: Ga4Event, cards: Element[]): void {
  if (shelf.dataLayer !== null && context.granted) shelfGa4(shelf, data, event, cards);
}

/** Cards that stayed half visible for the dwell time: `reco-impression` each, one `view_item_list`. */
export function onImpressions(shown: ShownShelf, cards: Element[]): void {
  for (const card of cards) itemEvent(shown, card, 'impression', 'reco-impression');
  ga4(shown, 'view_item_list', cards);
}

/**
 * A click in the shelf's list: a card's add-to-cart button, or its link. `reco-click` is
 * cancelable, and cancelling it stops the navigation: the shelf calls this while the click is
 * dispatched when the chunk is there, else once it has arrived, with the click's path taken at
 * the time (an event dispatched no longer has one).
 */
export function onListClick(shown: ShownShelf, e: MouseEvent, path: Element[]): void {
  if (!path.some((n) => n instanceof HTMLElement && n.classList.contains('reco-list'))) return;
  const card = path.find((n) => n instanceof HTMLElement && n.dataset.i !== undefined);
  if (!card) return;
  if (path.some((n) => n instanceof HTMLElement && n.dataset.reco === 'add-to-cart')) {
    // A cart button inside a custom card's link must not also navigate.
    e.preventDefault();
    itemEvent(shown, card, 'add_to_cart', 'reco-add-to-cart');
    ga4(shown, 'add_to_cart', [card]);
  } else if (path.some((n) => n instanceof HTMLAnchorElement && n.href)) {
    ga4(shown, 'select_item', [card]);
    if (!itemEvent(shown, card, 'click', 'reco-click', true)) e.preventDefault();
  }
}
