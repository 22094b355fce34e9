import { pushGa4 } from './data-layer.ts';
import { trackEvent } from './event-beacon.ts';
import { anonymousSessionId, randomId } from './random-id.ts';
import type { RecoItemDetail, RecoResponse, TrackedEventType } from './types.ts';

/** What a shelf knows when a shopper sees, clicks or adds one of its items. */
export interface ShelfContext {
  endpoint: string;
  placement: string;
  heading: string;
  userId: string;
  sessionId: string;
  /** Data layer name for GA4 pushes, or null when the storefront did not opt in. */
  dataLayer: string | null;
}

/**
 * Records one shopper event on an item: queued for the proxy's `/v1/events` (with the
 * requestId and source, so the proxy can tie it to the answer that showed the item), and
 * pushed to the GA4 data layer when asked. Returns the detail of the matching DOM event.
 */
export function recordShopperEvent(
  shelf: ShelfContext,
  data: RecoResponse,
  position: number,
  type: TrackedEventType,
): RecoItemDetail | undefined {
  const item = data.items[position];
  if (!item) return undefined;
  const { requestId, source } = data;
  const { placement } = shelf;
  // The proxy wants one identity: the shopper's account when known.
  const identity = shelf.userId ? { userId: shelf.userId } : { sessionId: shelf.sessionId || anonymousSessionId() };
  trackEvent(shelf.endpoint, {
    id: randomId(),
    type,
    placement,
    requestId,
    source,
    itemId: item.id,
    ...identity,
    ts: Date.now(),
  });
  if (shelf.dataLayer !== null && type !== 'add_to_cart') {
    const event = type === 'impression' ? 'view_item_list' : 'select_item';
    pushGa4(shelf.dataLayer || 'dataLayer', event, placement, shelf.heading || placement, item, position);
  }
  return { item, position, requestId, source, placement };
}
