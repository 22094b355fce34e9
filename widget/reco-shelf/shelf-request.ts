import { maxShelvesPerRequest, shelfSources } from '../../contracts/shelf-answer.ts';
import type { RecoItem, RecoResponse, RecoSource, RecoWarning } from './types.ts';

/**
 * Why a request failed, as the wire said it: the second chunk names it for `reco-error`
 * (`failureDetail` of error-codes.ts), so the first-paint file carries no codes.
 */
export interface RequestFailure {
  failure: 'no-placement' | 'timeout' | 'unreachable' | 'http' | 'invalid';
  /** The proxy's HTTP status, and its JSON answer, for `http`. */
  status?: number;
  body?: unknown;
  /** fetch's own message, for `unreachable`. */
  message?: string;
}

export interface ShelfQuery {
  endpoint: string;
  placement: string;
  userId?: string | undefined;
  sessionId?: string | undefined;
  shopperToken?: string | undefined;
  items: string[];
  limit: number;
}

interface Waiting {
  shelf: Element;
  query: ShelfQuery;
  signal: AbortSignal;
  timeoutMs: number;
  resolve(answer: RecoResponse): void;
  reject(error: unknown): void;
}

let queue: Waiting[] = [];
const aborted = () => new DOMException('The operation was aborted.', 'AbortError');

/**
 * A shelf's request: the shelf's one way to the proxy. The shelves that ask in the same task (the
 * shelves of one page that connect, or come into view, together) share one `POST /v1/shelves` with
 * `distinct`, so that no product shows on two of them, for the shelves of one proxy and shopper; a
 * shelf that asks alone is a batch of one. Each shelf gets its own answer (its own requestId), or
 * the request's failure as its own: a `RequestFailure`. The caller's signal (element removed,
 * attributes changed) aborts silently as `AbortError`. The batch lists the shelves in page order:
 * the shelf higher on the page keeps a product.
 */
export function requestShelf(
  shelf: Element,
  query: ShelfQuery,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<RecoResponse> {
  return new Promise((resolve, reject) => {
    if (!queue.length) setTimeout(flush);
    queue.push({ shelf, query, signal, timeoutMs, resolve, reject });
  });
}

function flush(): void {
  const groups = new Map<string, Waiting[]>();
  for (const waiting of queue) {
    if (waiting.signal.aborted) {
      waiting.reject(aborted());
      continue;
    }
    const { endpoint, userId, sessionId, shopperToken } = waiting.query;
    const key = JSON.stringify([endpoint, userId, sessionId, shopperToken]);
    groups.set(key, [...(groups.get(key) ?? []), waiting]);
  }
  queue = [];
  for (const group of groups.values()) {
    group.sort((a, b) => (a.shelf.compareDocumentPosition(b.shelf) & Node.DOCUMENT_POSITION_PRECEDING ? 1 : -1));
    for (let i = 0; i < group.length; i += maxShelvesPerRequest) void send(group.slice(i, i + maxShelvesPerRequest));
  }
}

async function send(batch: Waiting[]): Promise<void> {
  const { endpoint, userId, sessionId, shopperToken } = batch[0]!.query;
  // The request is abandoned once every shelf in it has (each left the page, or asks anew), or at
  // the tightest of the shelves' own client-side caps.
  const controller = new AbortController();
  let waiting = batch.length;
  for (const shelf of batch) {
    shelf.signal.addEventListener('abort', () => {
      shelf.reject(aborted());
      if (!--waiting) controller.abort();
    });
  }
  let timedOut = false;
  const timer = setTimeout(
    () => {
      timedOut = true;
      controller.abort();
    },
    Math.min(...batch.map((s) => s.timeoutMs)),
  );
  // Nothing in the URL's query (URLs are logged, and a token there would replay); no empty values.
  const body = JSON.stringify(
    {
      shelves: batch.map(({ query: { placement, items, limit } }) => ({ placement, items, limit })),
      userId,
      sessionId,
      shopperToken,
      distinct: true,
    },
    (_key, value) => (value === '' ? undefined : value),
  );
  let shelves: unknown;
  try {
    // A string body goes as text/plain: with it (and only safelisted headers) the POST is a CORS
    // simple request, sent at once with no preflight; application/json would cost a round trip.
    const res = await fetch(new URL('v1/shelves', endpoint.replace(/\/?$/, '/')), {
      method: 'POST',
      body,
      signal: controller.signal,
      credentials: 'omit',
      headers: { accept: 'application/json' },
    });
    const answer = await res.json().catch(() => undefined);
    if (!res.ok) throw { failure: 'http', status: res.status, body: answer } satisfies RequestFailure;
    shelves = (answer as { shelves?: unknown } | undefined)?.shelves;
  } catch (e) {
    let error = e;
    if (timedOut) error = { failure: 'timeout' } satisfies RequestFailure;
    // fetch rejects with a TypeError only when no response came: the proxy is down, or a
    // response without CORS headers (the proxy's own 403 for a foreign origin carries them).
    else if (e instanceof TypeError && !controller.signal.aborted)
      error = { failure: 'unreachable', message: e.message } satisfies RequestFailure;
    for (const shelf of batch) shelf.reject(error);
    return;
  } finally {
    clearTimeout(timer);
  }
  batch.forEach((shelf, i) => {
    try {
      shelf.resolve(parseResponse(Array.isArray(shelves) ? shelves[i] : undefined));
    } catch (e) {
      shelf.reject(e);
    }
  });
}

const text = (v: unknown) => (typeof v === 'string' ? v : null);

/** The proxy is ours, but the shelf must survive a broken one: keep only well-formed items. */
export function parseResponse(body: unknown): RecoResponse {
  const b = (body ?? {}) as Partial<Record<keyof RecoResponse, unknown>>;
  if (!Array.isArray(b.items)) throw { failure: 'invalid' } satisfies RequestFailure;
  const items = (b.items as Partial<RecoItem>[]).filter(
    (i): i is RecoItem => !!i && (typeof i.id === 'string' || typeof i.id === 'number') && typeof i.title === 'string',
  );
  for (const i of items) i.id = String(i.id);
  const model = b.model as { version?: unknown; variant?: unknown } | null | undefined;
  return {
    requestId: text(b.requestId) ?? '',
    placement: text(b.placement) ?? '',
    source: (shelfSources as readonly string[]).includes(b.source as string) ? (b.source as RecoSource) : 'fallback',
    fallbackReason: text(b.fallbackReason),
    model: model && typeof model === 'object' ? { version: text(model.version), variant: text(model.variant) } : null,
    // Only the development build shows the proxy's warnings (in the console).
    warnings:
      __RECO_DEV__ && Array.isArray(b.warnings)
        ? (b.warnings as Partial<RecoWarning>[]).filter((w): w is RecoWarning => typeof w?.code === 'string')
        : [],
    items,
  };
}
