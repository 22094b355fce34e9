/**
 * `npm run model:bundle`: compiles what the model image runs, ahead of time, into
 * dist/model-image/ — three self-contained ES modules, no node_modules and no TypeScript
 * at start:
 *   entry.mjs  the image's entry point (`serve` or `train`, model/image-entry.ts)
 *   serve.mjs  the inference server (model/container/serve.ts): artifact reader, item-item scoring, HTTP
 *   train.mjs  the SageMaker training job (model/training/training-job.ts): the training code, apart
 * Each bundle's inputs are written to dist/model-image/inputs.json, so a test can prove that
 * serving carries no training code.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** Where the bundles go (the Dockerfile copies from here). */
export const bundleDir = fileURLToPath(new URL('../../dist/model-image/', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

/** The entry loads the other two at run time, by their built names. */
const siblings: Plugin = {
  name: 'image-siblings',
  setup(b) {
    b.onResolve({ filter: /^\.\/(container\/serve|training\/training-job)\.ts$/ }, (args) => ({
      path: args.path === './container/serve.ts' ? './serve.mjs' : './train.mjs',
      external: true,
    }));
  },
};

/** Builds the three bundles; returns each one's input files (relative to the repository). */
export async function bundleImage(outDir: string = bundleDir): Promise<Record<string, string[]>> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const inputs: Record<string, string[]> = {};
  const entries = [
    ['entry.mjs', 'model/image-entry.ts'],
    ['serve.mjs', 'model/container/serve.ts'],
    ['train.mjs', 'model/training/training-job.ts'],
  ] as const;
  for (const [out, entry] of entries) {
    const result = await build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile: `${outDir}/${out}`,
      bundle: true,
      platform: 'node',
      format: 'esm',
      // The image's Node (24) runs it; the tests' Node (20) must too.
      target: 'node20',
      metafile: true,
      legalComments: 'none',
      minify: true,
      // pino is CommonJS and requires Node's built-ins at run time: give the ES module a `require`.
      banner: {
        js: [
          "import { createRequire as __createRequire } from 'node:module';",
          'const require = __createRequire(import.meta.url);',
        ].join(' '),
      },
      plugins: out === 'entry.mjs' ? [siblings] : [],
      logLevel: 'warning',
    });
    inputs[out] = Object.keys(result.metafile.inputs).sort();
  }
  writeFileSync(`${outDir}/inputs.json`, `${JSON.stringify(inputs, null, 2)}\n`);
  return inputs;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const inputs = await bundleImage();
  for (const [out, files] of Object.entries(inputs)) console.log(`model:bundle: ${out} from ${files.length} files`);
}
