/**
 * The storefront's server proves itself with `Authorization: Bearer <RECO_SERVER_KEY>`:
 * only it may post `purchase` events. Compared in constant time (over SHA-256 digests, so
 * the lengths always match and the key's length is not leaked either).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';

/** What a request's credentials say. */
export type ServerCaller = 'browser' | 'storefront-server' | 'bad-key' | 'key-from-browser';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Builds the check for `key` (unset: no request is ever the storefront's server). */
export function serverCallerOf(key: string | undefined): (req: Request) => ServerCaller {
  const expected = key === undefined ? undefined : digest(key);
  return (req) => {
    const authorization = req.headers.authorization;
    if (authorization === undefined) return 'browser';
    const presented = /^Bearer (.+)$/.exec(authorization)?.[1];
    if (!expected || presented === undefined || !timingSafeEqual(digest(presented), expected)) return 'bad-key';
    // A browser names the page's origin on every cross-origin POST: a key sent from a page has leaked.
    return req.headers.origin === undefined ? 'storefront-server' : 'key-from-browser';
  };
}
