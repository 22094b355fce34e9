/** Shopper tokens as a storefront's server signs them, and the forgeries tests try. */
import { signShopperToken as signAsStorefront } from '../../demo/storefront/shopper-token.ts';

/** The token secret tests configure the proxy with (32 bytes and more). */
export const testTokenSecret = 'test-shopper-token-secret-0123456789';

/** A valid token for `customerId`, signed as the storefront signs it (negative `expiresInS`: already expired). */
export function signShopperToken(customerId: string, secret = testTokenSecret, expiresInS = 600): Promise<string> {
  return signAsStorefront(customerId, secret, expiresInS);
}

/** A token with header and claims as given, signed HS256 (or unsigned for `alg: none`). */
export async function craftToken(header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const body = `${encode(header)}.${encode(claims)}`;
  if (header.alg === 'none') return `${body}.`;
  const { createHmac } = await import('node:crypto');
  return `${body}.${createHmac('sha256', testTokenSecret).update(body).digest('base64url')}`;
}
