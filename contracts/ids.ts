/**
 * The id rules every part shares: what a placement, a product id and a shopper id may look
 * like. The proxy validates requests and events with them, the container its invocations.
 * See docs/contracts.md "Ids".
 */

/** A placement name: lower-case letters, digits and dashes, 1-64 characters. */
export const placementPattern = /^[a-z0-9-]{1,64}$/;

/** A product id: letters, digits, `_` and `-`, 1-32 characters (the catalog's stock codes). */
export const itemIdPattern = /^[A-Za-z0-9_-]{1,32}$/;

/** The longest shopper id (customer id, session id or pseudonym) any part accepts. */
export const maxShopperIdLength = 128;

/**
 * No control characters (C0, DEL, C1): ids end up in logs and headers.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the rule is to refuse control characters
export const printablePattern = /^[^\u0000-\u001f\u007f-\u009f]+$/;
