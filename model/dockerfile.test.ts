/**
 * No Docker engine runs here, so the image is checked the next best way: the files its
 * COPY lines name, laid out as the image would hold them, must be enough to serve.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test-support/free-port.ts';
import { defaultModelDir } from './shipped-config.ts';
import { trainArtifact } from './train.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The COPY lines of the Dockerfile, as [sources, destination]. */
function copies(dockerfile: string): Array<[string[], string]> {
  return dockerfile
    .split('\n')
    .filter((line) => line.startsWith('COPY '))
    .map((line) => {
      const parts = line.slice(5).trim().split(/\s+/);
      return [parts.slice(0, -1), parts.at(-1)!];
    });
}

test("the image's COPY lines hold everything `serve` needs to load a model and answer /ping", {
  timeout: 60_000,
}, async () => {
  const image = mkdtempSync(join(tmpdir(), 'reco-image-'));
  for (const [sources, destination] of copies(readFileSync(join(root, 'model/Dockerfile'), 'utf8'))) {
    const target = join(image, destination);
    mkdirSync(destination.endsWith('/') ? target : join(target, '..'), { recursive: true });
    for (const source of sources) {
      cpSync(
        join(root, source),
        destination.endsWith('/') && !source.endsWith('/') ? join(target, source.split('/').pop()!) : target,
        { recursive: true },
      );
    }
  }
  // `npm ci --omit=dev` in the image; the project's own node_modules stands in for it.
  symlinkSync(join(root, 'node_modules'), join(image, 'node_modules'));
  const modelDir = join(image, 'opt-ml-model');
  if (existsSync(join(defaultModelDir, 'manifest.json'))) cpSync(defaultModelDir, modelDir, { recursive: true });
  else trainArtifact({ until: '2011-03-01', out: modelDir });

  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'model/serve.ts', 'serve'], {
    cwd: image,
    env: {
      ...process.env,
      SM_MODEL_DIR: modelDir,
      SAGEMAKER_BIND_TO_PORT: String(port),
      SAGEMAKER_BIND_HOST: '127.0.0.1',
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
      status = await fetch(`http://127.0.0.1:${port}/ping`).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 200, `serve from the image's files never became ready:\n${output}`);
  } finally {
    child.kill('SIGTERM');
  }
});
