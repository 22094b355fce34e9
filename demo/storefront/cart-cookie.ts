/** The basket lives in a cookie, as it did in many shops of the era: `id:qty|id:qty`. */

/** Parses the basket cookie; anything malformed is dropped. */
export function readCart(cookie: string | undefined): Map<string, number> {
  const cart = new Map<string, number>();
  for (const part of (cookie ?? '').split('|')) {
    const match = /^([A-Za-z0-9_-]{1,32}):(\d{1,3})$/.exec(part);
    if (match) cart.set(match[1]!, Math.max(1, Number(match[2])));
  }
  return cart;
}

/** Serialises the basket for its cookie. */
export function writeCart(cart: ReadonlyMap<string, number>): string {
  return [...cart].map(([id, qty]) => `${id}:${qty}`).join('|');
}

/** Reads one cookie from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const pair of (header ?? '').split(';')) {
    const [key, ...rest] = pair.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}
