import {
  RECO_INVALID_RESPONSE,
  RECO_ORIGIN_NOT_ALLOWED,
  RECO_PROXY_ERROR,
  RECO_PROXY_UNREACHABLE,
  RECO_REQUEST_REJECTED,
  RECO_TIMEOUT,
  RecoRequestError,
} from './error-codes.ts';
import { shelfSources } from '../../contracts/shelf-answer.ts';
import type { RecoItem, RecoResponse, RecoSource, RecoWarning } from './types.ts';

export interface RecommendationQuery {
  endpoint: string;
  placement: string;
  userId?: string | undefined;
  sessionId?: string | undefined;
  shopperToken?: string | undefined;
  items: string[];
  limit: number;
}

/**
 * The request, as the proxy reads it: the endpoint's URL (nothing in its query, since URLs are
 * logged and a token there would replay) and a JSON body without empty values.
 */
export function recommendationsRequest({ endpoint, ...fields }: RecommendationQuery): [string, string] {
  return [proxyUrl(endpoint, 'v1/recommendations'), jsonBody(fields)];
}

export const proxyUrl = (endpoint: string, path: string) => new URL(path, endpoint.replace(/\/?$/, '/')).href;
export const jsonBody = (fields: object) => JSON.stringify(fields, (_key, value) => (value === '' ? undefined : value));

/**
 * POST for the shelf's items. Rejects with a `RecoRequestError` whose code and message are what
 * `reco-error` reports: `RECO_TIMEOUT` when our own client-side cap fires, the proxy's own
 * message for a 4xx (it names the field), `RECO_PROXY_UNREACHABLE` when fetch itself fails.
 * The caller's signal (element removed, attributes changed) aborts silently as `AbortError`.
 */
export const fetchRecommendations = (q: RecommendationQuery, signal: AbortSignal, timeoutMs: number) =>
  postToProxy(...recommendationsRequest(q), signal, timeoutMs).then(parseResponse);

/** POSTs `body` to the proxy and reads its JSON answer, with the errors `fetchRecommendations` names. */
export async function postToProxy(url: string, body: string, signal: AbortSignal, timeoutMs: number): Promise<unknown> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal.addEventListener('abort', abort);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    // A string body goes as text/plain: with it (and only safelisted headers) the POST is a CORS
    // simple request, sent at once with no preflight; application/json would cost a round trip.
    const res = await fetch(url, {
      method: 'POST',
      body,
      signal: controller.signal,
      credentials: 'omit',
      headers: { accept: 'application/json' },
    });
    const answer = await res.json().catch(() => undefined);
    if (!res.ok) throw httpError(res.status, answer);
    return answer;
  } catch (e) {
    if (timedOut) throw new RecoRequestError(RECO_TIMEOUT, 'timeout');
    // fetch rejects with a TypeError only when no response came: the proxy is down, or a
    // response without CORS headers (the proxy's own 403 for a foreign origin carries them).
    if (e instanceof TypeError && !controller.signal.aborted)
      throw new RecoRequestError(RECO_PROXY_UNREACHABLE, e.message);
    throw e;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', abort);
  }
}

/** The proxy's errors are `{ error: { code, message } }`; its 4xx messages name the field. */
function httpError(status: number, body: unknown): RecoRequestError {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const message = typeof error?.message === 'string' ? error.message : `http ${status}`;
  if (error?.code === 'origin_not_allowed') return new RecoRequestError(RECO_ORIGIN_NOT_ALLOWED, message);
  if (status >= 400 && status < 500) return new RecoRequestError(RECO_REQUEST_REJECTED, message);
  return new RecoRequestError(RECO_PROXY_ERROR, `http ${status}`);
}

const text = (v: unknown) => (typeof v === 'string' ? v : null);

/** The proxy is ours, but the shelf must survive a broken one: keep only well-formed items. */
export function parseResponse(body: unknown): RecoResponse {
  const b = (body ?? {}) as Partial<Record<keyof RecoResponse, unknown>>;
  if (!Array.isArray(b.items)) throw new RecoRequestError(RECO_INVALID_RESPONSE, 'invalid response');
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
