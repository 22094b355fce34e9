import type { RecoItem, RecoResponse, RecoSource } from './types.ts';

export interface RecommendationQuery {
  endpoint: string;
  placement: string;
  userId?: string | undefined;
  sessionId?: string | undefined;
  items: string[];
  limit: number;
}

const SOURCES: readonly RecoSource[] = ['model', 'cache', 'fallback'];

export function recommendationsUrl(q: RecommendationQuery): string {
  const url = new URL('v1/recommendations', q.endpoint.replace(/\/?$/, '/'));
  const params = url.searchParams;
  params.set('placement', q.placement);
  if (q.userId) params.set('userId', q.userId);
  if (q.sessionId) params.set('sessionId', q.sessionId);
  if (q.items.length) params.set('items', q.items.join(','));
  params.set('limit', String(q.limit));
  return url.href;
}

/**
 * GET the shelf's items. Rejects with an Error whose message is what `reco-error` reports:
 * `timeout` when our own client-side cap fires, otherwise the HTTP or shape problem. The
 * caller's signal (element removed, attributes changed) aborts silently as `AbortError`.
 */
export async function fetchRecommendations(
  q: RecommendationQuery,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<RecoResponse> {
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal.addEventListener('abort', abort);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const res = await fetch(recommendationsUrl(q), {
      signal: controller.signal,
      credentials: 'omit',
      headers: { accept: 'application/json' },
    });
    if (!res.ok) throw new Error(`http ${res.status}`);
    return parseResponse(await res.json());
  } catch (e) {
    if (timedOut) throw new Error('timeout');
    throw e;
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', abort);
  }
}

/** The proxy is ours, but the shelf must survive a broken one: keep only well-formed items. */
function parseResponse(body: unknown): RecoResponse {
  const b = (body ?? {}) as Partial<Record<keyof RecoResponse, unknown>>;
  if (!Array.isArray(b.items)) throw new Error('invalid response');
  const items = (b.items as Partial<RecoItem>[]).filter(
    (i): i is RecoItem => !!i && (typeof i.id === 'string' || typeof i.id === 'number') && typeof i.title === 'string',
  );
  for (const i of items) i.id = String(i.id);
  return {
    requestId: typeof b.requestId === 'string' ? b.requestId : '',
    placement: typeof b.placement === 'string' ? b.placement : '',
    source: SOURCES.includes(b.source as RecoSource) ? (b.source as RecoSource) : 'fallback',
    fallbackReason: typeof b.fallbackReason === 'string' ? b.fallbackReason : null,
    items,
  };
}
