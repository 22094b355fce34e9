import { trackEvent } from './event-beacon.ts';
import { anonymousSessionId, randomId } from './random-id.ts';
import type { RecoItemDetail, RecoResponse, TrackedEvent, TrackedEventType } from './types.ts';

/** Who the shopper is, and where the shelf's events go. */
export interface ShelfContext {
  endpoint: string;
  placement: string;
  userId: string;
  sessionId: string;
  shopperToken: string;
}

/**
 * Queues one shopper event on an item for the proxy's `/v1/events`, with the requestId,
 * source and model of the answer that showed it (so the proxy can tie it to that answer).
 * Returns the detail of the matching DOM event.
 */
export function recordShopperEvent(
  shelf: ShelfContext,
  data: RecoResponse,
  position: number,
  type: TrackedEventType,
): RecoItemDetail | undefined {
  const item = data.items[position];
  if (!item) return undefined;
  const { requestId, source, model } = data;
  const { placement } = shelf;
  const event: TrackedEvent = { id: randomId(), type, placement, requestId, source, itemId: item.id, ts: Date.now() };
  // The proxy wants one identity: the shopper's account when known.
  if (shelf.userId) event.userId = shelf.userId;
  else event.sessionId = shelf.sessionId || anonymousSessionId();
  if (shelf.shopperToken) event.shopperToken = shelf.shopperToken;
  if (model?.variant) event.variant = model.variant;
  if (model?.version) event.modelVersion = model.version;
  trackEvent(shelf.endpoint, event);
  return { item, position, requestId, source, placement };
}
