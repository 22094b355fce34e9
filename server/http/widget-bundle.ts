/**
 * Serves the widget bundles: the production build at `/reco-shelf.js` and the development
 * build (with the developer warnings) at `/reco-shelf.dev.js`, each also under a versioned
 * name (`/reco-shelf.<hash>.js`, `/reco-shelf.dev.<hash>.js`) that may be cached for a year.
 * Compressed once per build of the file (brotli or gzip, as the browser accepts), and with
 * CORS for the allowed storefront origins, so a page on another origin can load it as a
 * module script too (a classic script needs no CORS; a module does).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { type RequestHandler, Router } from 'express';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import { sendError } from './api-error.ts';

interface Encoded {
  mtimeMs: number;
  /** The first 16 base64url characters of the file's SHA-256: its version. */
  hash: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

/** How long the unversioned names may be cached: a new build reaches pages within this. */
export const unversionedMaxAgeSeconds = 300;

/** Reads (and compresses) `path` again whenever it changes; undefined while it is not built. */
function builtFile(path: string): () => Encoded | undefined {
  let cached: Encoded | undefined;
  const load = (): Encoded | undefined => {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      return undefined;
    }
    if (cached?.mtimeMs !== mtimeMs) {
      const identity = readFileSync(path);
      cached = {
        mtimeMs,
        hash: createHash('sha256').update(identity).digest('base64url').slice(0, 16),
        identity,
        gzip: gzipSync(identity, { level: 9 }),
        br: brotliCompressSync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
      };
    }
    return cached;
  };
  // Brotli at quality 11 takes about 60 ms: pay it at start, not on a shopper's request.
  load();
  return load;
}

/** The bundle routes for the production build at `path` and the development build beside it. */
export function widgetBundles(path: string, allowedOrigins: readonly string[]): Router {
  const allowed = new Set(allowedOrigins);
  const router = Router();
  for (const [name, file] of [
    ['reco-shelf', builtFile(path)],
    ['reco-shelf.dev', builtFile(path.replace(/\.js$/, '.dev.js'))],
  ] as const) {
    const send =
      (versioned: boolean): RequestHandler =>
      (req, res) => {
        const bundle = file();
        if (!bundle) return sendError(res, 404, 'not_found', `${name}.js is not built: run npm run build`);
        const hash = (req.params as Record<string, string | undefined>)[0];
        if (versioned && hash !== bundle.hash) {
          return sendError(res, 404, 'not_found', `${name}.${hash}.js is not the version served now`);
        }
        const origin = req.headers.origin;
        if (origin !== undefined && allowed.has(origin)) res.setHeader('Access-Control-Allow-Origin', origin);
        res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
        res.setHeader(
          'Cache-Control',
          versioned ? 'public, max-age=31536000, immutable' : `public, max-age=${unversionedMaxAgeSeconds}`,
        );
        // The versioned name of what is served now, for a page that wants to pin it.
        res.setHeader('Link', `</${name}.${bundle.hash}.js>; rel="canonical"`);
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
        res.setHeader('Vary', 'Accept-Encoding, Origin');
        const etag = `"${bundle.hash}"`;
        res.setHeader('ETag', etag);
        if (req.headers['if-none-match'] === etag) return void res.status(304).end();
        const accepted = String(req.headers['accept-encoding'] ?? '');
        const encoding = /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : 'identity';
        if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
        res.end(bundle[encoding]);
      };
    router.get(`/${name}.js`, send(false));
    router.get(new RegExp(`^/${name.replace('.', '\\.')}\\.([A-Za-z0-9_-]{16})\\.js$`), send(true));
  }
  return router;
}
