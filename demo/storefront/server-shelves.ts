/**
 * The storefront's server asks the proxy for a page's shelves once, as HTML (`POST /v1/shelves`,
 * `render: "html"`), and places each fragment where it belongs: the shelf paints before any
 * script. Past `timeoutMs` (or on any failure) a shelf gets its reserved space instead, an empty
 * `<reco-shelf>` that the script fills; the page never waits for the cloud.
 */
import { escapeHtml } from './html.ts';

/** One shelf of a page, as the page places it. */
export interface ShelfSlot {
  /** The element's id in the page (the fragment is given it). */
  id: string;
  placement: string;
  items?: string;
  limit?: number;
  heading?: string;
}

/** What a page gets back: each slot's markup, and the proxy's `Server-Timing` (forwarded on the page). */
export interface RenderedShelves {
  markup: string[];
  /** `server-rendered` or why the page fell back to the reserved space (`timeout`, `error`, …). */
  outcome: string;
  serverTiming: string | null;
}

/** The time a page waits for its shelves by default: the shipped budget (150 ms) and the hop, with room. */
export const defaultShelfTimeoutMs = 300;

const attribute = (name: string, value: string | number | undefined | null): string =>
  value === undefined || value === null ? '' : ` ${name}="${escapeHtml(String(value))}"`;

/** Who the shelves are for: the signed-in shopper's token, else the guest's session with this shop. */
export interface ShelfShopper {
  shopperToken: string | null;
  sessionId?: string | null;
}

const shopperAttributes = ({ shopperToken, sessionId }: ShelfShopper): string =>
  shopperToken ? attribute('shopper-token', shopperToken) : attribute('session-id', sessionId);

/** The shelf's reserved space: an empty element the script fills (the element reserves its height). */
export function reservedShelf(slot: ShelfSlot, shopper: ShelfShopper): string {
  const attributes = [
    attribute('id', slot.id),
    attribute('placement', slot.placement),
    shopperAttributes(shopper),
    attribute('items', slot.items),
    attribute('limit', slot.limit),
    attribute('heading', slot.heading),
  ];
  return `<reco-shelf${attributes.join('')}></reco-shelf>`;
}

/**
 * The fragment, given the page's id for it (the proxy already wrote the shopper's token or session on it, from
 * the request). Only a fragment that opens as the contract says is placed; anything else counts as a failure.
 */
function placed(fragment: unknown, slot: ShelfSlot): string | null {
  if (typeof fragment !== 'string' || !fragment.startsWith('<reco-shelf ') || !fragment.endsWith('</reco-shelf>'))
    return null;
  return `<reco-shelf${attribute('id', slot.id)} ${fragment.slice(12)}`;
}

/** Asks the proxy for `slots` in one request; never throws, never waits past `timeoutMs`. */
export async function renderShelves(
  proxyUrl: string,
  slots: readonly ShelfSlot[],
  options: ShelfShopper & { timeoutMs: number },
): Promise<RenderedShelves> {
  const reserved = (outcome: string, serverTiming: string | null = null): RenderedShelves => ({
    markup: slots.map((slot) => reservedShelf(slot, options)),
    outcome,
    serverTiming,
  });
  try {
    const res = await fetch(`${proxyUrl}/v1/shelves`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        shelves: slots.map(({ placement, items, limit, heading }) => ({ placement, items, limit, heading })),
        ...(options.shopperToken
          ? { shopperToken: options.shopperToken }
          : options.sessionId
            ? { sessionId: options.sessionId }
            : {}),
        distinct: true,
        render: 'html',
      }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    const serverTiming = res.headers.get('server-timing');
    if (!res.ok) return reserved(`status ${res.status}`, serverTiming);
    const answer = (await res.json()) as { shelves?: Array<{ html?: unknown }> };
    const markup = slots.map((slot, i) => placed(answer.shelves?.[i]?.html, slot));
    if (markup.some((m) => m === null)) return reserved('malformed answer', serverTiming);
    return { markup: markup as string[], outcome: 'server-rendered', serverTiming };
  } catch (error) {
    return reserved((error as Error).name === 'TimeoutError' ? 'timeout' : 'error');
  }
}
