import type { RequestFailure } from './shelf-request.ts';
import type { RecoErrorDetail } from './types.ts';

/**
 * The codes a shelf reports problems with: in `reco-error`'s detail, and in the development
 * build's console warnings. Each is explained under its own heading in widget/README.md. Second
 * chunk: the shelf collapses at once, and names the problem once the chunk is there.
 */
export const RECO_MISSING_PLACEMENT = 'RECO_MISSING_PLACEMENT';
export const RECO_TIMEOUT = 'RECO_TIMEOUT';
/** fetch rejected: the proxy is down or unreachable (the browser's console has the reason). */
export const RECO_PROXY_UNREACHABLE = 'RECO_PROXY_UNREACHABLE';
/** The proxy answered 403 `origin_not_allowed`: this page's origin is not in RECO_ALLOWED_ORIGINS. */
export const RECO_ORIGIN_NOT_ALLOWED = 'RECO_ORIGIN_NOT_ALLOWED';
/** Any other 4xx: the proxy's message names the field. */
export const RECO_REQUEST_REJECTED = 'RECO_REQUEST_REJECTED';
export const RECO_PROXY_ERROR = 'RECO_PROXY_ERROR';
export const RECO_INVALID_RESPONSE = 'RECO_INVALID_RESPONSE';

/**
 * `reco-error`'s detail for a failed request: the code, and the message the proxy gave (its 4xx
 * messages name the field; its errors are `{ error: { code, message } }`). Anything that is not a
 * `RequestFailure` is an answer the shelf could not read.
 */
export function failureDetail(e: unknown): RecoErrorDetail {
  const { failure, status = 0, body, message = '' } = (e ?? {}) as Partial<RequestFailure>;
  if (failure === 'no-placement') return { code: RECO_MISSING_PLACEMENT, error: 'missing placement' };
  if (failure === 'timeout') return { code: RECO_TIMEOUT, error: 'timeout' };
  if (failure === 'unreachable') return { code: RECO_PROXY_UNREACHABLE, error: message };
  if (failure !== 'http') return { code: RECO_INVALID_RESPONSE, error: failure ? 'invalid response' : String(e) };
  const error = (body as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const said = typeof error?.message === 'string' ? error.message : `http ${status}`;
  if (error?.code === 'origin_not_allowed') return { code: RECO_ORIGIN_NOT_ALLOWED, error: said };
  if (status >= 400 && status < 500) return { code: RECO_REQUEST_REJECTED, error: said };
  return { code: RECO_PROXY_ERROR, error: `http ${status}` };
}
