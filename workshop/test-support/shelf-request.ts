/**
 * The shelf's request as `<reco-shelf>` sends it: `POST /v1/recommendations` with the fields as
 * JSON in a `text/plain` body. A shopper token or customer id never goes in a URL (the proxy
 * refuses one in a query string), so tests that name a shopper ask this way.
 */
import type { ProxyResponse } from './stack.ts';

/** The fields of a recommendations request (server/shelf/recommendation-request.ts). */
export interface ShelfFields {
  placement: string;
  userId?: string;
  sessionId?: string;
  shopperToken?: string;
  items?: string[];
  limit?: number;
}

/** The path the shelf posts to. */
export const shelfPath = '/v1/recommendations';

/** `fetch` options of the shelf's request for `fields`. */
export function shelfRequestInit(fields: ShelfFields, headers: Record<string, string> = {}): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'text/plain', ...headers }, body: JSON.stringify(fields) };
}

/** Asks the proxy at `baseUrl` for a shelf, as the widget does. */
export function fetchShelf(baseUrl: string, fields: ShelfFields, headers: Record<string, string> = {}) {
  return fetch(`${baseUrl}${shelfPath}`, shelfRequestInit(fields, headers));
}

/** Asks a test stack's proxy for a shelf, as the widget does. */
export function askShelf(
  stack: { send(method: string, path: string, body: string, headers?: Record<string, string>): Promise<ProxyResponse> },
  fields: ShelfFields,
  headers: Record<string, string> = {},
): Promise<ProxyResponse> {
  return stack.send('POST', shelfPath, JSON.stringify(fields), { 'content-type': 'text/plain', ...headers });
}
