/**
 * The public keys of local runs, used when the environment gives none: `npm start`, `npm test`,
 * and `npm run retrain` / `npm run monitor` against the local stack. They are in this repository,
 * so they protect nothing, and a tool whose output leaves the machine refuses them (`retrain
 * --cloud`). A real shop sets its own `RECO_SHOPPER_TOKEN_SECRET`, `RECO_PSEUDONYM_KEY` and
 * `RECO_SERVER_KEY` (32 bytes or more each, e.g. `openssl rand -base64 32`) and keeps them out of
 * source control.
 */

/** Signs and verifies shopper tokens (storefront ↔ proxy). */
export const developmentShopperTokenSecret = 'demo-only-shopper-token-secret-not-for-production';

/** Keys the customer pseudonyms the model is trained and asked with. */
export const developmentPseudonymKey = 'demo-only-pseudonym-key-not-for-production-use';

/** The storefront server's key for posting purchases. */
export const developmentServerKey = 'demo-only-storefront-server-key-not-for-production';
