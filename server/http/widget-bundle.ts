/**
 * Serves the widget's built files: `/reco-shelf.js` (production), `/reco-shelf.dev.js` (with
 * the developer warnings) and any chunk they load (`/reco-shelf.<name>.js`), each also under
 * the release's versioned path `/v/<release>/<file>`, which may be cached for a year (a
 * chunk's relative import from a versioned file stays inside the same release). Held in
 * memory and swapped whole when a new build is complete (`widgetFiles`), compressed once per
 * build (brotli or gzip, as the browser accepts), with CORS for the allowed
 * storefront origins, so a page on another origin can load them as module scripts too (a
 * classic script needs no CORS; a module, or a dynamic `import()`, does).
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { type FSWatcher, readdirSync, readFileSync, statSync, watch } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, gzip, gzipSync, constants as zlib } from 'node:zlib';
import { type Request, type RequestHandler, Router } from 'express';
import type { Logger } from 'pino';
import { sendError } from './api-error.ts';

interface Encoded {
  identity: Buffer;
  gzip: Buffer;
  br: Buffer;
}

/** One complete set of built files, swapped in whole. */
interface BuiltSet {
  files: ReadonlyMap<string, Encoded>;
  /** The version of the whole set, for the versioned paths. */
  release: string;
}

/** How long the unversioned names may be cached: a new build reaches pages within this. */
export const unversionedMaxAgeSeconds = 300;

/** The widget's files: `reco-shelf.js`, `reco-shelf.dev.js`, `reco-shelf.<chunk>.js`. */
const widgetFile = /^reco-shelf(?:\.[a-z0-9-]+)*\.js$/;
/** A widget file's relative import of another (a chunk), which must be in the same set. */
const chunkImport = /["'`]\.\/(reco-shelf(?:\.[a-z0-9-]+)*\.js)["'`]/g;

const brotliOptions = { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } };
const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

const releaseOf = (files: ReadonlyMap<string, { identity: Buffer }>): string => {
  const hash = createHash('sha256');
  for (const name of [...files.keys()].sort()) hash.update(name).update(files.get(name)!.identity);
  return hash.digest('base64url').slice(0, 16);
};

/**
 * Whether `source` parses as a JavaScript module, by `node --check` (no code runs); `unchecked`
 * when the check itself could not run (then the two agreeing reads are all there is).
 */
function moduleCheck(source: Buffer): Promise<'parses' | 'does not parse' | 'unchecked'> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--check', '--input-type=module', '-'], { timeout: 30_000 }, (error) => {
      // A number is node's exit code (a syntax error); a string code means node never ran.
      if (error === null) resolve('parses');
      else resolve(typeof error.code === 'number' ? 'does not parse' : 'unchecked');
    });
    child.stdin?.on('error', () => {});
    child.stdin?.end(source);
  });
}

/** The widget's built files in memory, and how they follow a new build. */
export interface WidgetFiles {
  /** The file `name` of the current set, or undefined. */
  get(name: string): Encoded | undefined;
  /** The current set's version, for the versioned paths. */
  release(): string;
  /** How many sets were taken (1 after start). */
  readonly generation: number;
  /** How many times the folder changed into a set that was not taken (incomplete or not whole yet). */
  readonly rejected: number;
  close(): void;
}

/** How `widgetFiles` watches. */
export interface WidgetFilesOptions {
  /** The file a complete set must hold: the production bundle's name. */
  required: string;
  logger?: Logger | undefined;
  /** How long the folder must be quiet before it is read, and between the two reads that must agree (ms). */
  settleMs?: number;
}

/**
 * The widget's built files in `dir`, read into memory (and compressed) once at start and served
 * from there: a request never touches the disk. A change in the folder (a deploy, a build) is
 * read again in the background and swapped in whole only when the new set is complete: the
 * production bundle is there, every file parses as a module, every chunk a file imports is
 * there, and a second read a moment later finds the same bytes. Until then (a file half
 * copied, a folder emptied by the build) the last complete set is served.
 */
export function widgetFiles(dir: string, options: WidgetFilesOptions): WidgetFiles {
  const { logger } = options;
  const settleMs = options.settleMs ?? 200;
  const readAtStart = (): Map<string, Encoded> => {
    const files = new Map<string, Encoded>();
    let names: string[];
    try {
      names = readdirSync(dir).filter((name) => widgetFile.test(name));
    } catch {
      names = [];
    }
    // Brotli at quality 11 takes about 60 ms a file: paid at start, not on a shopper's request.
    for (const name of names) {
      const identity = readFileSync(join(dir, name));
      files.set(name, {
        identity,
        gzip: gzipSync(identity, { level: 9 }),
        br: brotliCompressSync(identity, brotliOptions),
      });
    }
    return files;
  };
  const files = readAtStart();
  let current: BuiltSet = { files, release: releaseOf(files) };
  let generation = 1;
  let rejected = 0;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<void> | undefined;
  let changedAgain = false;
  let watcher: FSWatcher | undefined;

  const readSet = async (): Promise<Map<string, Buffer>> => {
    const names = (await readdir(dir)).filter((name) => widgetFile.test(name)).sort();
    const set = new Map<string, Buffer>();
    for (const name of names) set.set(name, await readFile(join(dir, name)));
    return set;
  };
  const sameBytes = (a: Map<string, Buffer>, b: Map<string, Buffer>): boolean =>
    a.size === b.size && [...a].every(([name, bytes]) => b.get(name)?.equals(bytes) === true);

  /** Why `set` is not a complete build, or undefined when it is. */
  const incomplete = async (set: Map<string, Buffer>): Promise<string | undefined> => {
    if (!set.has(options.required)) return `${options.required} is missing`;
    for (const [name, bytes] of set) {
      for (const [, chunk] of bytes.toString('utf8').matchAll(chunkImport)) {
        if (!set.has(chunk!)) return `${name} imports ${chunk}, which is missing`;
      }
    }
    const checks = await Promise.all([...set].map(async ([name, bytes]) => [name, await moduleCheck(bytes)] as const));
    const unchecked = checks.filter(([, result]) => result === 'unchecked').map(([name]) => name);
    if (unchecked.length > 0) logger?.warn({ dir, files: unchecked }, 'widget bundle: could not run node --check');
    const broken = checks.filter(([, result]) => result === 'does not parse').map(([name]) => name);
    return broken.length > 0
      ? `${broken.join(', ')} ${broken.length > 1 ? 'do' : 'does'} not parse (cut short?)`
      : undefined;
  };

  const reload = async (): Promise<void> => {
    let why: string | undefined;
    try {
      const first = await readSet();
      const unchanged =
        first.size === current.files.size &&
        [...first].every(([name, bytes]) => current.files.get(name)?.identity.equals(bytes) === true);
      if (unchanged) return;
      why = await incomplete(first);
      if (why === undefined) {
        // Still being written if it changes within the settle time.
        await new Promise((resolve) => setTimeout(resolve, settleMs));
        if (!sameBytes(first, await readSet())) why = 'still being written';
      }
      if (why === undefined) {
        const next = new Map<string, Encoded>();
        for (const [name, identity] of first) {
          const kept = current.files.get(name);
          next.set(
            name,
            kept?.identity.equals(identity)
              ? kept
              : {
                  identity,
                  gzip: await gzipAsync(identity, { level: 9 }),
                  br: await brotliAsync(identity, brotliOptions),
                },
          );
        }
        if (closed) return;
        current = { files: next, release: releaseOf(next) };
        generation++;
        logger?.info(
          { dir, files: [...next.keys()], release: current.release, generation },
          'widget bundle: new build served',
        );
        return;
      }
    } catch (error) {
      why = `${(error as Error).name}: ${(error as Error).message}`;
    }
    rejected++;
    logger?.warn(
      { dir, why, release: current.release },
      'widget bundle: the folder changed; still serving the last complete build',
    );
  };

  const changed = (): void => {
    if (closed) return;
    rewatchIfReplaced();
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (reloading) {
        changedAgain = true;
        return;
      }
      reloading = reload().finally(() => {
        reloading = undefined;
        if (changedAgain) {
          changedAgain = false;
          changed();
        }
      });
    }, settleMs);
    timer.unref();
  };
  /**
   * A watch follows the folder's inode: a deploy that puts a new folder in its place (`mv dist.new dist`)
   * fires the old watch once, and nothing after. So each change checks the path still names the watched
   * folder, and watches the new one when it does not.
   */
  let watchedIno: number | undefined;
  const rewatchIfReplaced = (): void => {
    let ino: number | undefined;
    try {
      ino = statSync(dir).ino;
    } catch {
      ino = undefined;
    }
    if (ino === watchedIno || watcher === undefined) return;
    watcher.close();
    watcher = undefined;
    watchFolder();
  };
  /** Watches the folder; when it is missing (not built yet, or removed by a build), tries again each second. */
  const watchFolder = (): boolean => {
    if (closed) return false;
    const retry = (): void => {
      setTimeout(() => {
        if (watchFolder() && !closed) changed();
      }, 1000).unref();
    };
    try {
      watcher = watch(dir, changed);
      watchedIno = statSync(dir).ino;
    } catch {
      watcher?.close();
      watcher = undefined;
      retry();
      return false;
    }
    watcher.unref();
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
      retry();
    });
    return true;
  };
  watchFolder();
  return {
    get: (name) => current.files.get(name),
    release: () => current.release,
    get generation() {
      return generation;
    },
    get rejected() {
      return rejected;
    },
    close() {
      closed = true;
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

/** The routes for the widget's files in the folder of `productionBundle`, served from memory (`widgetFiles`). */
export function widgetBundles(
  productionBundle: string,
  allowedOrigins: readonly string[],
  built: WidgetFiles = widgetFiles(dirname(productionBundle), { required: basename(productionBundle) }),
): Router {
  const allowed = new Set(allowedOrigins);
  const send = (req: Request, res: Parameters<RequestHandler>[1], name: string, versioned: boolean): void => {
    const file = built.get(name);
    if (!file) {
      sendError(
        res,
        404,
        'not_found',
        `${name} is not here: the file RECO_WIDGET_BUNDLE names is missing (npm run build writes it)`,
      );
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
