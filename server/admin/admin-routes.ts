/**
 * The admin page on the admin listener: `/admin/` (a static page with no data in it) and `/admin/api/…`
 * (everything the page shows or changes, behind admin-auth.ts). Off unless `RECO_ADMIN_KEY` or
 * `RECO_ADMIN_USER_HEADER` is set: then both answer 404 and say how to turn it on.
 */
import { readFileSync } from 'node:fs';
import { Router } from 'express';
import { sendError } from '../http/api-error.ts';
import { adminApi, type AdminApiDeps } from './admin-api.ts';
import { adminAuth, adminEnabled, adminOffMessage, sameSiteOnly } from './admin-auth.ts';
import { AuditLog, auditPathFor } from './audit-log.ts';
import { RulesFileEditor } from './rules-file-editor.ts';

/** The page's files: beside this module in the source, beside the bundle in the image (server/Dockerfile). */
const pageFiles = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/admin.js': ['admin.js', 'text/javascript; charset=utf-8'],
  '/page-kit.js': ['page-kit.js', 'text/javascript; charset=utf-8'],
  '/placement-editor.js': ['placement-editor.js', 'text/javascript; charset=utf-8'],
  '/admin.css': ['admin.css', 'text/css; charset=utf-8'],
} as const;

/**
 * The page's own script and style only, and no framing: a product name that holds markup stays text (the
 * script never parses strings as HTML), and the policy refuses any script the page did not ship.
 */
const pagePolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** What the admin routes need: the API's parts less the editor and log, which are made here. */
export interface AdminOptions extends Omit<AdminApiDeps, 'editor' | 'audit'> {
  key?: string | undefined;
  userHeader?: string | undefined;
  /** The rules file (`RECO_PLACEMENTS_FILE`); its audit log is beside it. */
  rulesFile: string;
  /** More routers for `/admin/api`, behind the same sign-in and cross-site guard (e.g. the erasure router). */
  apiRouters?: Router[];
}

/** The admin page's router, to mount at the admin listener's root. */
export function adminPageRoutes(options: AdminOptions): Router {
  // Strict: `/admin` (redirected) and `/admin/` (the page) are two paths.
  const router = Router({ strict: true });
  const auth = {
    ...(options.key ? { key: options.key } : {}),
    ...(options.userHeader ? { userHeader: options.userHeader } : {}),
  };
  if (!adminEnabled(auth)) {
    router.use('/admin', (_req, res) => sendError(res, 404, 'admin_off', adminOffMessage));
    return router;
  }
  const pages = new Map(
    Object.entries(pageFiles).map(([path, [file, type]]) => [
      path,
      { type, body: readFileSync(new URL(`./page/${file}`, import.meta.url)) },
    ]),
  );
  router.get('/admin', (_req, res) => res.redirect(301, '/admin/'));
  router.get(
    Object.keys(pageFiles).map((path) => `/admin${path}`),
    (req, res) => {
      const page = pages.get(req.path.slice('/admin'.length))!;
      res.setHeader('Content-Security-Policy', pagePolicy);
      res.setHeader('Cache-Control', 'no-store');
      res.type(page.type).send(page.body);
    },
  );
  const editor = new RulesFileEditor(options.rulesFile);
  const audit = new AuditLog(auditPathFor(options.rulesFile));
  router.use('/admin/api', adminAuth(auth), sameSiteOnly, (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.use('/admin/api', adminApi({ ...options, editor, audit }), ...(options.apiRouters ?? []));
  return router;
}
