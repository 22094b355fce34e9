/**
 * `npm run build:proxy`: the proxy compiled ahead of time for production, so nothing is
 * transpiled at start: `server/main.ts` and everything it imports, npm packages included,
 * bundled by esbuild into one ES module, `dist/server/main.js` (`node dist/server/main.js`,
 * no tsx, no node_modules), with the admin page's files beside it. Its default paths (catalog, placements, events,
 * widget) stay the repository's, as in the sources. `--out DIR` writes elsewhere (the image test).
 */
import { cpSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outArg = process.argv.indexOf('--out');
const outDir = outArg > 0 ? process.argv[outArg + 1]! : join(root, 'dist/server');

/** Bundles the proxy into `dir`; returns the bundle's path. */
export async function buildProxy(dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const outfile = join(dir, 'main.js');
  await build({
    entryPoints: [join(root, 'server/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    legalComments: 'linked',
    logLevel: 'warning',
    // server/config.ts's default paths are the repository's, two folders up from dist/server/main.js.
    define: { __RECO_ROOT_FROM_MODULE__: JSON.stringify('../../') },
    // CommonJS packages inside an ES module bundle still call require() for Node's own modules.
    banner: {
      js: [
        "import { createRequire as __createRequire } from 'node:module';",
        'const require = __createRequire(import.meta.url);',
      ].join(' '),
    },
  });
  // The admin page's files, which server/admin/admin-routes.ts reads from `./page/` beside its module.
  cpSync(join(root, 'server/admin/page'), join(dir, 'page'), { recursive: true });
  return outfile;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = Date.now();
  const outfile = await buildProxy(outDir);
  const megabytes = (statSync(outfile).size / 1e6).toFixed(1);
  console.log(`build-proxy: ${outfile} (${megabytes} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
