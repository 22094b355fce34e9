import { trackEvent } from './event-beacon.ts';
import { randomId } from './random-id.ts';
import type { RecoResponse, TrackedEvent, TrackedEventType } from './types.ts';

/**
 * Who the shopper is, and where the shelf's events go. `sessionId` is already resolved (the
 * anonymous id when there is no `user-id`): this code runs in the second chunk, whose own copy
 * of the in-memory id (storage disabled) would differ from the one the request carried.
 */
export interface ShelfContext {
  endpoint: string;
  placement: string;
  userId: string;
  sessionId: string;
  shopperToken: string;
  /** Whether the shopper consented (consent.ts): without it, no events leave the page. */
  granted: boolean;
}

/**
 * Queues one shopper event on an item for the proxy's `/v1/events`, with the requestId,
 * source and model of the answer that showed it (so the proxy can tie it to that answer); none
 * without the shopper's consent.
 */
export function recordShopperEvent(
  shelf: ShelfContext,
  data: RecoResponse,
  position: number,
  type: TrackedEventType,
): void {
  const item = data.items[position];
  if (!item || !shelf.granted) return;
  const { requestId, source, model } = data;
  const { placement } = shelf;
  const event: TrackedEvent = { id: randomId(), type, placement, requestId, source, itemId: item.id, ts: Date.now() };
  // The proxy wants one identity: the shopper's account when known.
  if (shelf.userId) event.userId = shelf.userId;
  else event.sessionId = shelf.sessionId;
  if (shelf.shopperToken) event.shopperToken = shelf.shopperToken;
  if (model?.variant) event.variant = model.variant;
  if (model?.version) event.modelVersion = model.version;
  trackEvent(shelf.endpoint, event);
}
