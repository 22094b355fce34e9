/**
 * What a storefront's server does to tell the proxy who is signed in: sign a short-lived
 * HS256 token with `sub` (the customer id) and `exp`, as docs/contracts.md "Shopper tokens"
 * says. The demo storefront and the tests sign with this one function.
 */
import { SignJWT } from 'jose';

/** How long a token lives by default: a page view's shelves and their events, with room to spare. */
export const shopperTokenSeconds = 15 * 60;

/** A token for `customerId` under `secret`, expiring in `expiresInS` seconds (negative: already expired). */
export function signShopperToken(
  customerId: string,
  secret: string,
  expiresInS = shopperTokenSeconds,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(customerId)
    .setIssuedAt(now)
    .setExpirationTime(now + expiresInS)
    .sign(new TextEncoder().encode(secret));
}
