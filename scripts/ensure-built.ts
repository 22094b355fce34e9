/**
 * Builds what a fresh clone lacks, and only that: the catalog, the model
 * artifact and the widget bundle. `npm start` and `npm test` call it first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { developmentPseudonymKey } from '../environment/development-keys.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (path: string): string => `${root}${path}`;

/** Where each built thing lives. */
export const builtPaths = {
  catalog: at('data/catalog.json'),
  modelDir: at('model/artifacts/model'),
  modelManifest: at('model/artifacts/model/manifest.json'),
  widgetBundle: at('dist/reco-shelf.js'),
  widgetDevBundle: at('dist/reco-shelf.dev.js'),
};

function run(what: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.status !== 0) throw new Error(`ensure-built: ${what} failed (exit ${result.status})`);
  console.log(`ensure-built: ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Builds each missing part; returns the names of those it built. */
export async function ensureBuilt(): Promise<string[]> {
  const built: string[] = [];
  if (!existsSync(builtPaths.catalog)) {
    const started = Date.now();
    const { buildCatalog } = await import('../data/build-catalog.ts');
    const { loadPurchases } = await import('../data/purchases.ts');
    writeFileSync(builtPaths.catalog, JSON.stringify(buildCatalog(loadPurchases().purchases)));
    console.log(`ensure-built: catalog in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    built.push('catalog');
  }
  if (!existsSync(builtPaths.modelManifest)) {
    // The longest step of a first start, and silent until done: say so before it begins.
    console.log('ensure-built: training the model (about 40 s on two cores, once; kept in model/artifacts/model)');
    // The demo's model knows customers by the pseudonyms the demo's proxy sends (environment/development-keys.ts).
    run('model training', ['--import', 'tsx', at('model/training/train.ts'), '--out', builtPaths.modelDir], {
      ...process.env,
      RECO_PSEUDONYM_KEY: process.env.RECO_PSEUDONYM_KEY || developmentPseudonymKey,
    });
    built.push('model');
  }
  if (!existsSync(builtPaths.widgetBundle) || !existsSync(builtPaths.widgetDevBundle)) {
    // Both builds, as `npm run build` makes them: the proxy serves the production and the development one.
    run('widget bundle', [at('node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn']);
    run('widget development bundle', [
      at('node_modules/vite/bin/vite.js'),
      'build',
      '--mode',
      'development',
      '--logLevel',
      'warn',
    ]);
    built.push('widget');
  }
  return built;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await ensureBuilt().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
