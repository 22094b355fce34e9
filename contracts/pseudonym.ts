/**
 * The only form in which a customer id leaves the premises: a keyed pseudonym,
 * HMAC-SHA-256 of the id under `RECO_PSEUDONYM_KEY`, base64url, cut to 128 bits.
 * Same customer and key → same pseudonym, on every instance and across restarts;
 * without the key nobody can turn a pseudonym back into a customer number, nor
 * test a guess. The proxy (the InvokeEndpoint body's `userId`; `CustomAttributes` holds
 * only the request id), the event export and shipping, training, retraining's gather and
 * the monitor all pseudonymise through this module.
 * See docs/contracts.md "Pseudonyms".
 */
import { createHmac } from 'node:crypto';

/** Every pseudonym starts with this, so a log reader can tell one from a customer number. */
export const pseudonymPrefix = 'p_';

/** The shortest key accepted: 32 bytes, as for the token secret. */
export const minPseudonymKeyBytes = 32;

/** The pseudonym of `customerId` under `key` (`p_` + 22 base64url characters). */
export function pseudonymOf(customerId: string, key: string): string {
  return pseudonymPrefix + createHmac('sha256', key).update(customerId).digest('base64url').slice(0, 22);
}

/**
 * A function that pseudonymises under `key`, or passes ids unchanged when no key is set
 * (a data scientist evaluating offline on the raw data).
 */
export function pseudonymizer(key: string | undefined): (customerId: string) => string {
  if (key === undefined || key === '') return (customerId) => customerId;
  if (Buffer.byteLength(key) < minPseudonymKeyBytes) {
    throw new Error(`RECO_PSEUDONYM_KEY must be at least ${minPseudonymKeyBytes} bytes`);
  }
  return (customerId) => pseudonymOf(customerId, key);
}

/**
 * The digest that stands for a customer or session id (or a cache key holding one) in Redis:
 * HMAC-SHA-256 under a key derived from `RECO_PSEUDONYM_KEY` (so it never equals the id's
 * pseudonym elsewhere), base64url, cut to 192 bits. Unlike a plain hash of a short id it cannot
 * be reversed by hashing every candidate; every instance sharing a Redis must have the same key
 * to find each other's entries. Throws without a key: Redis must never hold a guessable digest.
 */
export function redisDigester(key: string | undefined): (text: string) => string {
  if (key === undefined || key === '') {
    throw new Error('RECO_PSEUDONYM_KEY is needed with RECO_REDIS_URL: ids in Redis are keyed digests');
  }
  if (Buffer.byteLength(key) < minPseudonymKeyBytes) {
    throw new Error(`RECO_PSEUDONYM_KEY must be at least ${minPseudonymKeyBytes} bytes`);
  }
  const derived = createHmac('sha256', key).update('reco-shelf: redis digests').digest();
  return (text) => createHmac('sha256', derived).update(text).digest('base64url').slice(0, 32);
}
