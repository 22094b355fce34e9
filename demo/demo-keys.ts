/**
 * The keys `npm start` runs the demo with, when the environment gives none. They are
 * public (they are in this repository), so they protect nothing: a real shop sets its own
 * `RECO_SHOPPER_TOKEN_SECRET`, `RECO_PSEUDONYM_KEY` and `RECO_SERVER_KEY` (32 bytes or more
 * each, e.g. `openssl rand -base64 32`) and keeps them out of source control.
 */

/** Signs and verifies shopper tokens (storefront ↔ proxy). */
export const demoShopperTokenSecret = 'demo-only-shopper-token-secret-not-for-production';

/** Keys the customer pseudonyms the model is trained and asked with. */
export const demoPseudonymKey = 'demo-only-pseudonym-key-not-for-production-use';

/** The storefront server's key for posting purchases. */
export const demoServerKey = 'demo-only-storefront-server-key-not-for-production';
