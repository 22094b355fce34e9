/**
 * CORS for an allowlist of storefront origins, never `*`. A request from any
 * other origin is refused with `403 origin_not_allowed` — readable by that page,
 * so a developer learns what to fix, while answers and writes stay closed to it.
 *
 * CORS alone would not stop a write: a text/plain POST (what sendBeacon sends)
 * needs no preflight, so any page could store events. Browsers name the page's
 * origin on every cross-origin POST and fetch, so the refusal covers those.
 * Server-side callers (no Origin header) are not affected.
 */
import type { RequestHandler } from 'express';
import { sendError } from './api-error.ts';

/** Allows the listed origins to call the API and read its Server-Timing. */
export function corsAllowlist(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    // Set, not appended: nothing before this middleware varies the answer (and it is cheaper than res.vary).
    res.setHeader('Vary', 'Origin');
    const origin = req.headers.origin;
    const listed = origin !== undefined && allowed.has(origin);
    if (listed) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'Server-Timing');
      res.setHeader('Timing-Allow-Origin', origin);
    }
    if (req.method === 'OPTIONS') {
      if (listed) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
        res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
        res.setHeader('Access-Control-Max-Age', '600');
      }
      res.status(204).end();
      return;
    }
    if (origin !== undefined && !listed) {
      // The page may read this refusal (and only this): so the shelf can tell its developer
      // "add the origin" instead of the "Failed to fetch" a network failure also gives.
      res.setHeader('Access-Control-Allow-Origin', origin);
      sendError(
        res,
        403,
        'origin_not_allowed',
        `origin ${origin.slice(0, 100)} is not an allowed storefront: add it to RECO_ALLOWED_ORIGINS`,
      );
      return;
    }
    next();
  };
}
