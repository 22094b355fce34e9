/**
 * Serves the widget bundle compressed: brotli or gzip, as the browser accepts,
 * compressed once per build of the file rather than on every request.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { RequestHandler } from 'express';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import { sendError } from './api-error.ts';

interface Encoded {
  mtimeMs: number;
  etag: string;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

/** The `GET /reco-shelf.js` handler for the bundle at `path`. */
export function widgetBundle(path: string): RequestHandler {
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
        etag: `"${createHash('sha256').update(identity).digest('base64url').slice(0, 16)}"`,
        identity,
        gzip: gzipSync(identity, { level: 9 }),
        br: brotliCompressSync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
      };
    }
    return cached;
  };
  // Brotli at quality 11 takes about 60 ms: pay it at start, not on a shopper's request.
  load();
  return (req, res) => {
    const bundle = load();
    if (!bundle) return sendError(res, 404, 'not_found', 'the widget bundle is not built: run npm run build');
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('ETag', bundle.etag);
    if (req.headers['if-none-match'] === bundle.etag) return void res.status(304).end();
    const accepted = String(req.headers['accept-encoding'] ?? '');
    const encoding = /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : 'identity';
    if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
    res.end(bundle[encoding]);
  };
}
