/**
 * No Docker engine runs here, so the image is checked the next best way: the files its COPY
 * lines name, laid out in an empty folder as the image would hold them (no node_modules, no
 * sources), started by its ENTRYPOINT and CMD, must serve a model and run a training job —
 * and leaving out any one COPY line must break that.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../workshop/test-support/free-port.ts';
import { writeRetrainWorld } from '../workshop/test-support/retrain-world.ts';
import { bundleImage } from './image/bundle.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const dockerfile = readFileSync(join(root, 'model/Dockerfile'), 'utf8');
const scratch = mkdtempSync(join(tmpdir(), 'reco-image-'));
const world = writeRetrainWorld(join(scratch, 'world'));
let bundleInputs: Record<string, string[]>;
before(async () => {
  bundleInputs = await bundleImage();
});
after(() => rmSync(scratch, { recursive: true, force: true }));

/** The COPY lines of the Dockerfile, as [sources, destination]. */
function copies(text: string): Array<[string[], string]> {
  return text
    .split('\n')
    .filter((line) => line.startsWith('COPY '))
    .map((line) => {
      const parts = line.slice(5).trim().split(/\s+/);
      return [parts.slice(0, -1), parts.at(-1)!];
    });
}

/** The JSON array of an exec-form instruction (ENTRYPOINT, CMD). */
const execForm = (name: string): string[] =>
  JSON.parse(new RegExp(`^${name} (\\[.*\\])$`, 'm').exec(dockerfile)![1]!) as string[];

/** Lays out what `lines` copy into a fresh folder standing for WORKDIR. */
function layout(lines: Array<[string[], string]>, name: string): string {
  const image = join(scratch, name);
  mkdirSync(image, { recursive: true });
  for (const [sources, destination] of lines) {
    assert.equal(destination, './', 'every COPY lands in WORKDIR');
    for (const source of sources) cpSync(join(root, source), join(image, basename(source)), { recursive: true });
  }
  return image;
}

/** Starts the image's command in `image` (ENTRYPOINT + `command`), with the Node running the tests. */
function run(image: string, command: string, env: NodeJS.ProcessEnv): ChildProcess {
  const [program, ...args] = execForm('ENTRYPOINT');
  assert.equal(program, 'node');
  return spawn(process.execPath, [...args, command], { cwd: image, env: { PATH: process.env.PATH, ...env } });
}

/** Whether `serve` in `image` loads the world's model and answers an invocation. */
async function serves(image: string): Promise<boolean> {
  const port = await freePort();
  const child = run(image, execForm('CMD')[0]!, {
    SM_MODEL_DIR: world.servingDir,
    SAGEMAKER_BIND_TO_PORT: String(port),
    SAGEMAKER_BIND_HOST: '127.0.0.1',
  });
  try {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && child.exitCode === null) {
      const ok = await fetch(`http://127.0.0.1:${port}/ping`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) {
        const answer = await fetch(`http://127.0.0.1:${port}/invocations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ k: 3 }),
        });
        return answer.ok && ((await answer.json()) as { recommendations: unknown[] }).recommendations.length === 3;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  } finally {
    child.kill('SIGTERM');
  }
}

/** Whether `train` in `image` turns a SageMaker training tree into an artifact. */
async function trains(image: string): Promise<boolean> {
  const ml = join(image, '..', `${basename(image)}-opt-ml`);
  mkdirSync(join(ml, 'input', 'config'), { recursive: true });
  mkdirSync(join(ml, 'input', 'data', 'training'), { recursive: true });
  writeFileSync(join(ml, 'input', 'config', 'hyperparameters.json'), '{"algorithm":"item-knn"}');
  cpSync(world.eventsFile, join(ml, 'input', 'data', 'training', 'purchases.csv'));
  const child = run(image, 'train', {
    SM_INPUT_DIR: join(ml, 'input'),
    SM_MODEL_DIR: join(ml, 'model'),
    SM_OUTPUT_DIR: join(ml, 'output'),
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return code === 0 && existsSync(join(ml, 'model', 'manifest.json'));
}

test('the image serves and trains from its COPY lines alone: no node_modules, no TypeScript', {
  timeout: 60_000,
}, async () => {
  const image = layout(copies(dockerfile), 'full');
  assert.equal(existsSync(join(image, 'node_modules')), false);
  assert.equal(await serves(image), true, 'serve answers /ping and an invocation');
  assert.equal(await trains(image), true, 'train writes the artifact');
});

test('dropping any one COPY line breaks the image', { timeout: 120_000 }, async () => {
  const lines = copies(dockerfile);
  assert.ok(lines.length >= 2);
  for (let dropped = 0; dropped < lines.length; dropped++) {
    const image = layout(
      lines.filter((_, i) => i !== dropped),
      `without-${dropped}`,
    );
    assert.equal((await serves(image)) && (await trains(image)), false, `still works without ${lines[dropped]![0]}`);
  }
});

test('serving carries no training or proxy code; its only packages are pino and zod (logs, environment)', () => {
  const serving = [...bundleInputs['entry.mjs']!, ...bundleInputs['serve.mjs']!];
  assert.deepEqual(
    serving.filter((f) => /candidates|interactions|train|evaluation|data\/|server\//.test(f)),
    [],
  );
  // Every process logs with pino and reads its environment through zod (CONTRIBUTING.md); nothing else.
  const packages = new Set(serving.map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)?.[1]).filter(Boolean));
  const loggingAndEnvironment = new Set(
    ['pino', 'pino-std-serializers', '@pinojs/redact', 'atomic-sleep', 'on-exit-leak-free'].concat([
      'quick-format-unescaped',
      'safe-stable-stringify',
      'sonic-boom',
      'thread-stream',
      'zod',
    ]),
  );
  assert.deepEqual(
    [...packages].filter((name) => !loggingAndEnvironment.has(name!)),
    [],
  );
  assert.match(dockerfile, /^FROM node:(22|24)-[a-z]+-slim$/m);
  assert.match(dockerfile, /--platform linux\/amd64/);
  assert.doesNotMatch(dockerfile, /tsx|npm ci|npm install/);
  // The build context is the repository root: .dockerignore lets in exactly what the COPY lines take.
  const allowed = readFileSync(join(root, '.dockerignore'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('!'))
    .map((l) => l.slice(1));
  assert.deepEqual(
    allowed.sort(),
    copies(dockerfile)
      .flatMap(([sources]) => sources)
      .sort(),
  );
});
