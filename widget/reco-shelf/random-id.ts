/** crypto.randomUUID exists only in secure contexts; legacy storefronts are often plain http. */
export function randomId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Where the anonymous id is kept (one name: consent-withdrawal.ts removes it). */
export const SESSION_KEY = 'reco-shelf.sid';
let memorySessionId: string | undefined;

/**
 * The anonymous shopper id: kept in localStorage (never a cookie, so it never travels to
 * the storefront's servers). Storage can be disabled or throw (private modes, sandboxed
 * iframes); the id then lives for this page only.
 */
export function anonymousSessionId(): string {
  try {
    let id = localStorage.getItem(SESSION_KEY);
    if (!id) {
      id = randomId();
      localStorage.setItem(SESSION_KEY, id);
    }
    return id;
  } catch {
    return (memorySessionId ??= randomId());
  }
}
