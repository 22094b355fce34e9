/**
 * Serves the widget's built files: `/reco-shelf.js` (production), `/reco-shelf.dev.js` (with
 * the developer warnings) and any chunk they load (`/reco-shelf.<name>.js`), each also under
 * the release's versioned path `/v/<release>/<file>`, which may be cached for a year (a
 * chunk's relative import from a versioned file stays inside the same release). Compressed
 * once per build (brotli or gzip, as the browser accepts), with CORS for the allowed
 * storefront origins, so a page on another origin can load them as module scripts too (a
 * classic script needs no CORS; a module, or a dynamic `import()`, does).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type Request, type RequestHandler, Router } from 'express';
import { brotliCompressSync, gzipSync, constants as zlib } from 'node:zlib';
import { sendError } from './api-error.ts';

interface Encoded {
  mtimeMs: number;
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

/** How long the unversioned names may be cached: a new build reaches pages within this. */
export const unversionedMaxAgeSeconds = 300;

/** The widget's files: `reco-shelf.js`, `reco-shelf.dev.js`, `reco-shelf.<chunk>.js`. */
const widgetFile = /^reco-shelf(?:\.[a-z0-9-]+)*\.js$/;

/** The built files in `dir`, read (and compressed) again whenever one changes. */
function builtFiles(dir: string) {
  const files = new Map<string, Encoded>();
  let release = '';
  const refresh = (): void => {
    let names: string[];
    try {
      names = readdirSync(dir).filter((name) => widgetFile.test(name));
    } catch {
      names = [];
    }
    let changed = names.length !== files.size;
    for (const name of names) {
      const mtimeMs = statSync(join(dir, name)).mtimeMs;
      if (files.get(name)?.mtimeMs === mtimeMs) continue;
      const identity = readFileSync(join(dir, name));
      files.set(name, {
        mtimeMs,
        identity,
        gzip: gzipSync(identity, { level: 9 }),
        br: brotliCompressSync(identity, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }),
      });
      changed = true;
    }
    for (const name of files.keys()) if (!names.includes(name)) files.delete(name);
    if (changed) {
      const hash = createHash('sha256');
      for (const name of [...files.keys()].sort()) hash.update(name).update(files.get(name)!.identity);
      release = hash.digest('base64url').slice(0, 16);
    }
  };
  // Brotli at quality 11 takes about 60 ms a file: pay it at start, not on a shopper's request.
  refresh();
  return {
    /** The file `name` as built now, or undefined. */
    get(name: string): Encoded | undefined {
      refresh();
      return files.get(name);
    },
    /** The version of the whole set of files, for the versioned paths. */
    release: () => release,
  };
}

/** The routes for the widget's files in the folder of `productionBundle`. */
export function widgetBundles(productionBundle: string, allowedOrigins: readonly string[]): Router {
  const allowed = new Set(allowedOrigins);
  const built = builtFiles(dirname(productionBundle));
  const send = (req: Request, res: Parameters<RequestHandler>[1], name: string, versioned: boolean): void => {
    const file = built.get(name);
    if (!file) {
      sendError(res, 404, 'not_found', `${name} is not built: run npm run build`);
      return;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && allowed.has(origin)) res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
    res.setHeader(
      'Cache-Control',
      versioned ? 'public, max-age=31536000, immutable' : `public, max-age=${unversionedMaxAgeSeconds}`,
    );
    // Where this file lives in the current release, for a page that wants to pin it.
    res.setHeader('Link', `</v/${built.release()}/${name}>; rel="canonical"`);
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.setHeader('Vary', 'Accept-Encoding, Origin');
    const etag = `"${built.release()}"`;
    res.setHeader('ETag', etag);
    if (req.headers['if-none-match'] === etag) return void res.status(304).end();
    const accepted = String(req.headers['accept-encoding'] ?? '');
    const encoding = /\bbr\b/.test(accepted) ? 'br' : /\bgzip\b/.test(accepted) ? 'gzip' : 'identity';
    if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
    res.end(file[encoding]);
  };
  const router = Router();
  router.get(/^\/(reco-shelf(?:\.[a-z0-9-]+)*\.js)$/, (req, res) => {
    send(req, res, (req.params as Record<string, string>)[0]!, false);
  });
  router.get(/^\/v\/([A-Za-z0-9_-]{16})\/(reco-shelf(?:\.[a-z0-9-]+)*\.js)$/, (req, res) => {
    const [release, name] = [(req.params as Record<string, string>)[0]!, (req.params as Record<string, string>)[1]!];
    if (release !== built.release()) return sendError(res, 404, 'not_found', `release ${release} is not served now`);
    send(req, res, name, true);
  });
  return router;
}
