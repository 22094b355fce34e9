/**
 * The id rules every part shares: what a placement, a product id and a shopper id may look
 * like. The proxy validates requests and events with them, the container its invocations.
 * See docs/contracts.md "Ids".
 */

/** A placement name's rule, as messages quote it: lower-case letters, digits and dashes, 1-64 characters. */
export const placementRule = '[a-z0-9-]{1,64}';

/** A placement name (`placementRule`, whole). */
export const placementPattern = new RegExp(`^${placementRule}$`);

/** A product id: letters, digits, `_` and `-`, 1-32 characters (the catalog's stock codes). */
export const itemIdPattern = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * The longest shopper id (customer id, session id or pseudonym) any part accepts: room for a
 * storefront's own customer numbers and session ids, short enough for logs and headers.
 */
export const maxShopperIdLength = 128;

/**
 * An event id's length, as the widget and the storefront's server make them: at least 8 characters, so
 * an id is unlikely to repeat by chance (a repeat is taken for a retry and dropped), at most 64 (a UUID
 * is 36).
 */
export const eventIdLength = { min: 8, max: 64 } as const;

/** The longest `requestId` an event may carry back: the proxy's are UUIDs (36 characters). */
export const maxRequestIdLength = 64;

/**
 * No control characters (C0, DEL, C1): ids end up in logs and headers.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the rule is to refuse control characters
export const printablePattern = /^[^\u0000-\u001f\u007f-\u009f]+$/;
