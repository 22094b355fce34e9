/**
 * No Docker engine runs here, so the proxy's image is checked as the model's is
 * (model/dockerfile.test.ts): the build stage's output is made with the same script, the
 * runtime stage's COPY lines lay it out as the image would hold it, and the proxy must
 * start from those files alone, with the image's environment, no tsx and no node_modules,
 * answer /readyz and a shelf. The Dockerfile's promises (non-root, health check on
 * /readyz, no tsx) are read from it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { buildProxy } from '../scripts/build-proxy.ts';
import { freePort } from '../test-support/free-port.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dockerfile = readFileSync(join(root, 'server/Dockerfile'), 'utf8');
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

/** The runtime stage's `COPY --from=build` lines, as [sources, destination]. */
function copiesFromBuild(): Array<[string[], string]> {
  return runtimeStage
    .split('\n')
    .filter((line) => line.startsWith('COPY --from=build '))
    .map((line) => {
      const parts = line.slice('COPY --from=build '.length).trim().split(/\s+/);
      return [parts.slice(0, -1), parts.at(-1)!];
    });
}

/** The runtime stage's ENV, as a record. */
function imageEnv(): Record<string, string> {
  const block = /\nENV ((?:.*\\\n)*.*)/.exec(runtimeStage)?.[1] ?? '';
  return Object.fromEntries([...block.matchAll(/([A-Z_]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

test('the proxy image: non-root, health-checked on /readyz, compiled, and its COPY lines are enough to serve', {
  timeout: 90_000,
}, async () => {
  assert.match(runtimeStage, /\nUSER node\n/, 'runs as the unprivileged node user');
  assert.match(runtimeStage, /\nHEALTHCHECK [^\n]*\n[^\n]*\/readyz/, 'health check on /readyz');
  assert.doesNotMatch(runtimeStage, /tsx|npm (ci|install)/, 'no tsx and no npm install at run time');

  // The build stage: `npm run build:proxy` (its bundle) and the built catalog and widget (the test's own).
  const build = mkdtempSync(join(tmpdir(), 'reco-proxy-build-'));
  await buildProxy(join(build, 'dist/server'));
  mkdirSync(join(build, 'server'), { recursive: true });
  mkdirSync(join(build, 'data'), { recursive: true });
  cpSync(join(root, 'server/placements.json'), join(build, 'server/placements.json'));
  cpSync(join(root, 'data/catalog.json'), join(build, 'data/catalog.json'));
  mkdirSync(join(build, 'dist'), { recursive: true });
  const widget = join(root, 'dist/reco-shelf.js');
  if (existsSync(widget)) cpSync(widget, join(build, 'dist/reco-shelf.js'));
  else cpSync(join(root, 'server/placements.json'), join(build, 'dist/reco-shelf.js')); // a stand-in file

  // The runtime stage: only what its COPY lines take, under a root standing in for /.
  const image = mkdtempSync(join(tmpdir(), 'reco-proxy-image-'));
  const inImage = (path: string): string => join(image, path);
  for (const [sources, destination] of copiesFromBuild()) {
    const target = inImage(join('/app', destination));
    mkdirSync(destination.endsWith('/') ? target : join(target, '..'), { recursive: true });
    for (const source of sources) {
      const from = join(build, source.replace(/^\/app\//, ''));
      cpSync(from, destination.endsWith('/') ? join(target, source.split('/').pop()!) : target, { recursive: true });
    }
  }
  mkdirSync(inImage('/var/lib/reco'), { recursive: true });
  assert.ok(!existsSync(inImage('/app/node_modules')));

  const port = await freePort();
  const env = Object.fromEntries(
    Object.entries(imageEnv()).map(([k, v]) => [k, v.startsWith('/') ? inImage(v) : v]),
  ) as Record<string, string>;
  const child = spawn(process.execPath, ['dist/server/main.js'], {
    cwd: inImage('/app'),
    env: {
      PATH: process.env.PATH ?? '',
      ...env,
      PROXY_HOST: '127.0.0.1',
      PROXY_PORT: String(port),
      // No cloud here: a closed port, so the shelf comes from the rules.
      SAGEMAKER_ENDPOINT_URL: `http://127.0.0.1:${await freePort()}`,
      AWS_ACCESS_KEY_ID: 'image-test',
      AWS_SECRET_ACCESS_KEY: 'image-test',
      AWS_EC2_METADATA_DISABLED: 'true',
      // What a deployment sets: the key its storefront signs shopper tokens with.
      RECO_SHOPPER_TOKEN_SECRET: 'image-test-shopper-token-secret-0123456789',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  try {
    const deadline = Date.now() + 30_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline && child.exitCode === null) {
      status = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200, `the proxy from the image's files never became ready:\n${output}`);
    const shelf = (await (await fetch(`http://127.0.0.1:${port}/v1/recommendations?placement=home`)).json()) as {
      items: unknown[];
    };
    assert.equal(shelf.items.length, 8);
  } finally {
    child.kill('SIGTERM');
  }
});
