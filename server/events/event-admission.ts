/**
 * Decides which valid events the store may keep, and as whose: a `purchase` only from the
 * storefront's server; a browser event's shopper only from its token (a raw `userId` is
 * dropped unless raw ids are trusted); a product the catalog knows; a time that is recent.
 * Every refusal names the event and the field. See docs/contracts.md "Events".
 */
import type { CatalogIndex } from '../shelf/catalog-index.ts';
import type { ShelfEvent } from './shelf-event.ts';
import type { ShopperIdentity, ShopperIdentityResolver, UntrustedCause } from '../shoppers/shopper-identity.ts';

/** How far back a client's `ts` may be. */
export const maxEventAgeMs = 7 * 86_400_000;

/** How far ahead of the server's clock a client's `ts` may be. */
export const maxEventLeadMs = 5 * 60_000;

/** What admission needs to know. */
export interface AdmissionContext {
  /** True when the batch came with the storefront server's key. */
  fromServer: boolean;
  identities: ShopperIdentityResolver;
  catalog: CatalogIndex;
  /** The server's clock now, in epoch ms. */
  now: number;
  /** Counts a shopper the proxy did not believe. */
  onUntrusted: (cause: UntrustedCause) => void;
}

/** The events to store (token verified and removed) and the refusals, by batch index. */
export interface Admission {
  events: ShelfEvent[];
  rejected: Array<{ index: number; message: string }>;
}

/** Admits `events` (already schema-valid, with their batch indexes). */
export async function admitEvents(
  events: ReadonlyArray<{ index: number; event: ShelfEvent }>,
  context: AdmissionContext,
): Promise<Admission> {
  const admission: Admission = { events: [], rejected: [] };
  // A beacon's events all carry the page's one token: verify each distinct token once a batch.
  const byToken = new Map<string, Promise<ShopperIdentity>>();
  const identityOf = (shopperToken: string | undefined, userId: string | undefined, sessionId: string | undefined) => {
    if (shopperToken === undefined || shopperToken === '') return context.identities.resolve({ userId, sessionId });
    let verified = byToken.get(shopperToken);
    if (!verified) byToken.set(shopperToken, (verified = context.identities.resolve({ shopperToken })));
    return verified.then((identity) => ({ ...identity, sessionId }));
  };
  const reject = (index: number, message: string) =>
    admission.rejected.push({ index, message: `events[${index}].${message}` });
  for (const { index, event } of events) {
    if (event.type === 'purchase' && !context.fromServer) {
      reject(
        index,
        'type: purchase events come only from the storefront server (Authorization: Bearer RECO_SERVER_KEY)',
      );
      continue;
    }
    if (event.type === 'identify') {
      // Who a session signed in as is the storefront server's word alone (a page could join itself to anyone).
      if (context.fromServer) admission.events.push(event);
      else reject(index, 'type: identify events come only from the storefront server (its RECO_SERVER_KEY)');
      continue;
    }
    if (!context.catalog.get(event.itemId)) {
      reject(index, `itemId: "${event.itemId}" is not a catalog product`);
      continue;
    }
    if (event.ts < context.now - maxEventAgeMs) {
      reject(index, 'ts: older than 7 days');
      continue;
    }
    if (event.ts > context.now + maxEventLeadMs) {
      reject(index, "ts: more than 5 minutes ahead of the server's clock");
      continue;
    }
    const { shopperToken, userId, ...rest } = event;
    // The storefront's server knows who bought: its raw ids are trusted. A browser's are not.
    const identity = context.fromServer
      ? { userId, sessionId: event.sessionId, untrusted: undefined }
      : await identityOf(shopperToken, userId, event.sessionId);
    if (identity.untrusted) context.onUntrusted(identity.untrusted);
    if (identity.userId === undefined && identity.sessionId === undefined) {
      reject(index, 'userId: the shopper is unknown (no valid shopperToken and no sessionId)');
      continue;
    }
    admission.events.push({ ...rest, ...(identity.userId === undefined ? {} : { userId: identity.userId }) });
  }
  // Last, with no wait before the store takes the batch: an erased customer's events are kept anonymous.
  for (const e of admission.events)
    if (e.userId !== undefined && context.identities.isErased(e.userId)) delete e.userId;
  return admission;
}
