/**
 * The shopper's consent to what the shelf keeps on the device (the anonymous session id in
 * localStorage) and sends about them (events to the proxy, GA4 pushes). Until it is granted the
 * shelf still asks for and shows recommendations, for the signed-in shopper or the page's context,
 * but reads and writes no storage and sends no events. Who decides, the first that has spoken:
 * `RecoShelf.setConsent(state)` (the shop's consent banner, for every shelf of the page); Google
 * Consent Mode's latest `analytics_storage` on the page's data layer; the element's `consent`
 * attribute; absent, granted (pages from before consent existed). Asked at each use, so a change
 * holds from the next write or event on.
 */
export type ConsentState = 'pending' | 'granted' | 'denied';

let pageConsent: ConsentState | undefined;

/** The banner's answer for every shelf of the page (`RecoShelf.setConsent`; undefined: not given, in tests). */
export function setPageConsent(state: ConsentState | undefined): void {
  pageConsent = state;
}

/**
 * Google Consent Mode: `gtag('consent', 'default' | 'update', { analytics_storage })` pushes its
 * arguments onto the data layer; the latest that names `analytics_storage` is the page's state.
 */
function googleConsent(layerName: string): unknown {
  const layer = (window as unknown as Record<string, unknown>)[layerName];
  let state: unknown;
  if (Array.isArray(layer))
    for (const entry of layer as { 0?: unknown; 2?: { analytics_storage?: unknown } }[])
      if (entry?.[0] === 'consent' && entry[2]?.analytics_storage) state = entry[2].analytics_storage;
  return state;
}

/** Whether the shelf may keep its session id on the device and send events. */
export const consentGranted = (attribute: string | null, layerName: string | null): boolean =>
  (pageConsent ?? googleConsent(layerName || 'dataLayer') ?? attribute ?? 'granted') === 'granted';
