import {
  fetchRecommendations,
  jsonBody,
  parseResponse,
  postToProxy,
  proxyUrl,
  type RecommendationQuery,
} from './fetch-recommendations.ts';
import type { RecoResponse } from './types.ts';

/** `maxShelvesPerRequest` of contracts/shelf-answer.ts (#22, interface 1): more go in another request. */
const maxShelvesPerRequest = 8;

interface Waiting {
  shelf: Element;
  query: RecommendationQuery;
  signal: AbortSignal;
  timeoutMs: number;
  resolve(answer: RecoResponse): void;
  reject(error: unknown): void;
}

let queue: Waiting[] = [];
const aborted = () => new DOMException('The operation was aborted.', 'AbortError');

/**
 * A shelf's request, sent together with those of the other shelves that ask in the same task
 * (the shelves of one page that connect, or come into view, together): one `POST /v1/shelves`
 * with `distinct`, so that no product shows on two of them, for the shelves of one proxy and
 * shopper; a shelf that asks alone sends `POST /v1/recommendations` as it always did. Each
 * shelf gets its own answer (its own requestId), or the batch's failure as its own. The batch
 * lists the shelves in page order: with `distinct`, the shelf higher on the page keeps a product.
 */
export function requestShelf(
  shelf: Element,
  query: RecommendationQuery,
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
    for (let i = 0; i < group.length; i += maxShelvesPerRequest) send(group.slice(i, i + maxShelvesPerRequest));
  }
}

function send(batch: Waiting[]): void {
  const [first] = batch as [Waiting];
  if (batch.length === 1) {
    fetchRecommendations(first.query, first.signal, first.timeoutMs).then(first.resolve, first.reject);
    return;
  }
  // The request is abandoned once every shelf in it has (each left the page, or asks anew).
  const controller = new AbortController();
  let waiting = batch.length;
  for (const shelf of batch) {
    shelf.signal.addEventListener('abort', () => {
      shelf.reject(aborted());
      if (!--waiting) controller.abort();
    });
  }
  const { endpoint, userId, sessionId, shopperToken } = first.query;
  const body = jsonBody({
    shelves: batch.map(({ query: { placement, items, limit } }) => ({ placement, items, limit })),
    userId,
    sessionId,
    shopperToken,
    distinct: true,
  });
  postToProxy(
    proxyUrl(endpoint, 'v1/shelves'),
    body,
    controller.signal,
    Math.min(...batch.map((s) => s.timeoutMs)),
  ).then(
    (answer) => {
      const shelves = (answer as { shelves?: unknown } | undefined)?.shelves;
      batch.forEach((shelf, i) => {
        try {
          shelf.resolve(parseResponse(Array.isArray(shelves) ? shelves[i] : undefined));
        } catch (e) {
          shelf.reject(e);
        }
      });
    },
    (e: unknown) => {
      for (const shelf of batch) shelf.reject(e);
    },
  );
}
