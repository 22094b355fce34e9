/**
 * Who may use the admin page's API: the holder of the bearer key (`RECO_ADMIN_KEY`), or the user a
 * single-sign-on proxy in front of the admin listener names in a header (`RECO_ADMIN_USER_HEADER`). With
 * neither set the admin page is off: never open by default. Also the page's defence against cross-site
 * requests (see `sameSiteOnly`).
 */
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { sendError } from '../http/api-error.ts';

/** How to turn the admin page on: the one message an off page gives. */
export const adminOffMessage =
  'the admin page is off: set RECO_ADMIN_KEY (a bearer key of at least 32 bytes) or RECO_ADMIN_USER_HEADER ' +
  '(the header your single-sign-on proxy sets to the user name) and restart the proxy; see docs/operator-guide.md';

/** True when the options turn the admin page on. */
export const adminEnabled = (options: { key?: string | undefined; userHeader?: string | undefined }): boolean =>
  Boolean(options.key || options.userHeader);

function sameKey(given: string, key: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The longest user name kept from the header (the audit log's `who`). */
const maxUserLength = 200;

/**
 * Lets a request through with `res.locals.adminUser` set: the header's user name, or `"key"` for the
 * bearer key. Off (neither option): 404 with how to turn it on. No or a wrong credential: 401.
 */
export function adminAuth(options: { key?: string; userHeader?: string }): RequestHandler {
  const { key, userHeader } = options;
  return (req, res, next) => {
    if (!adminEnabled(options)) return sendError(res, 404, 'admin_off', adminOffMessage);
    const user = userHeader ? req.get(userHeader)?.trim() : undefined;
    if (user) {
      res.locals.adminUser = user.slice(0, maxUserLength);
      return next();
    }
    const bearer = /^Bearer (.+)$/.exec(req.get('authorization') ?? '')?.[1];
    if (key && bearer !== undefined && sameKey(bearer, key)) {
      res.locals.adminUser = 'key';
      return next();
    }
    if (key) res.setHeader('WWW-Authenticate', 'Bearer realm="reco-shelf admin"');
    const how = key ? 'Authorization: Bearer <RECO_ADMIN_KEY>' : `the ${userHeader} header (set by your sign-on proxy)`;
    sendError(res, 401, 'unauthorized', `sign in: the admin API needs ${how}`);
  };
}

/**
 * Refuses a cross-site request that changes something. A browser sends a bearer key only when the page's own
 * script sets it, but a single-sign-on proxy's cookie rides on any request, so every write must carry
 * `X-Reco-Admin: 1` and a JSON body (neither can be sent cross-site without a CORS preflight, which this
 * listener never approves), and a browser that says where the request comes from must say `same-origin`.
 */
export const sameSiteOnly: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const site = req.get('sec-fetch-site');
  if (req.get('x-reco-admin') !== '1' || !req.is('application/json') || (site && site !== 'same-origin'))
    return sendError(
      res,
      403,
      'cross_site',
      'a change must come from the admin page: X-Reco-Admin: 1, a JSON body, same origin',
    );
  next();
};
