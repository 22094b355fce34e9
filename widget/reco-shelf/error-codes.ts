/**
 * The codes a shelf reports problems with: in `reco-error`'s detail, and in the development
 * build's console warnings. Each is explained under its own heading in widget/README.md.
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

/** A failed request: `code` is one of the constants above, `message` what `reco-error` reports as `error`. */
export class RecoRequestError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}
