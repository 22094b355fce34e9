/**
 * The proxy's image as Docker would run it, without Docker (no engine runs here, and base
 * images cannot be pulled; where `docker info` succeeds this would build and run the image
 * itself): the runtime stage's COPY lines lay out the build's output under a folder standing
 * for `/`, root's and read-only as COPY leaves it; the declared VOLUME is the one folder the
 * image's user may write; the proxy bundle starts there with the image's ENV and CMD, as an
 * unprivileged user (nobody stands for `node`), answers its HEALTHCHECK, a shelf, the widget's
 * files and an event, which lands in the volume and nowhere else.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { ensureBuilt } from '../../scripts/ensure-built.ts';
import { listSegments } from '../../server/events/segment-files.ts';
import { projectRoot } from '../test-support/child.ts';
import { freePort } from '../test-support/free-port.ts';
import {
  ensureProductionBundle,
  filesUnder,
  makeReadOnly,
  type ProductionProxy,
  startProductionProxy,
  unprivilegedUser,
} from '../test-support/production-proxy.ts';
import {
  dockerCopiesFromBuild,
  dockerEnv,
  dockerHealthcheck,
  dockerValue,
  dockerVolumes,
  mapPaths,
  pathMap,
  runtimeStage,
  shippedFile,
  substituteExactlyOnce,
} from '../test-support/shipped-files.ts';
import { until } from '../test-support/until.ts';

const dockerfile = shippedFile('server/Dockerfile');
const stage = runtimeStage(dockerfile);
const dockerRuns = spawnSync('docker', ['info'], { stdio: 'ignore' }).status === 0;
const scratch = mkdtempSync(join(tmpdir(), 'reco-image-'));
let proxy: ProductionProxy | undefined;
after(async () => {
  await proxy?.stop('SIGKILL');
  // Not root, the read-only folders are the tests' own user's: writable again so they can be removed.
  if (process.getuid?.() !== 0) spawnSync('chmod', ['-R', 'u+w', scratch]);
  rmSync(scratch, { recursive: true, force: true });
});

/** The build stage's files a COPY source names (a `*` in the file name matches as Docker's does). */
function buildOutputs(source: string): string[] {
  const inBuild = join(projectRoot, source.replace(/^\/app\//, ''));
  if (!basename(inBuild).includes('*')) return [inBuild];
  const pattern = new RegExp(
    `^${basename(inBuild)
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')}$`,
  );
  return readdirSync(dirname(inBuild))
    .filter((name) => pattern.test(name))
    .map((name) => join(dirname(inBuild), name));
}

test('the proxy image: its COPY lines, ENV, USER, VOLUME, CMD and HEALTHCHECK run the proxy', {
  timeout: 120_000,
}, async (t) => {
  if (!dockerRuns) t.diagnostic('no Docker engine here (`docker info` fails): the image is laid out from its files');
  assert.equal(dockerValue(stage, 'USER'), 'node', 'runs as the unprivileged node user');
  assert.match(dockerValue(stage, 'HEALTHCHECK') ?? '', /\/readyz/, 'health check on /readyz');
  assert.doesNotMatch(stage.map(([k, a]) => `${k} ${a}`).join('\n'), /tsx|npm (ci|install)/, 'no tsx or npm');
  const rebuilt = await ensureProductionBundle();
  if (rebuilt) t.diagnostic(`built dist/server/main.js (${rebuilt})`);
  await ensureBuilt();

  // The runtime stage under a folder standing for `/`: only what its COPY lines take, root's and read-only.
  chmodSync(scratch, 0o755);
  const image = join(scratch, 'root');
  const workdir = dockerValue(stage, 'WORKDIR') ?? '/';
  const volumes = dockerVolumes(stage);
  const inImage = pathMap(image, [workdir, ...volumes]);
  for (const [sources, destination] of dockerCopiesFromBuild(stage)) {
    const target = inImage(join(workdir, destination));
    for (const source of sources) {
      const files = buildOutputs(source);
      assert.ok(files.length > 0 && files.every(existsSync), `the build stage makes ${source}`);
      for (const file of files) {
        // As Docker's COPY: a folder's contents go into the destination, a file goes into it or becomes it.
        const folder = statSync(file).isDirectory();
        const to = destination.endsWith('/') && !folder ? join(target, basename(file)) : target;
        mkdirSync(dirname(to), { recursive: true });
        cpSync(file, to, { recursive: folder });
      }
    }
  }
  assert.ok(!existsSync(inImage(join(workdir, 'node_modules'))), 'no node_modules in the image');
  makeReadOnly(inImage(workdir));
  const runAs = unprivilegedUser();
  t.diagnostic(runAs.why);
  // `RUN mkdir -p … && chown node:node …`: the volume is the run user's.
  for (const volume of volumes) {
    mkdirSync(inImage(volume), { recursive: true });
    if (process.getuid?.() === 0) chownSync(inImage(volume), runAs.uid, runAs.gid);
  }

  const imageEnv = mapPaths(dockerEnv(stage), inImage);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const [program, ...args] = JSON.parse(dockerValue(stage, 'CMD') ?? '[]') as string[];
  assert.equal(program, 'node');
  const before = filesUnder(image, volumes.map(inImage));
  proxy = await startProductionProxy({
    argv: [process.execPath, ...args],
    cwd: inImage(workdir),
    env: {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      ...imageEnv,
      // `docker run -p`: the container's 0.0.0.0:3000 is a loopback port here (tests listen on loopback only).
      PROXY_HOST: '127.0.0.1',
      PROXY_PORT: String(port),
      // `docker run --env-file`, as an operator gives it: no cloud here (a closed port: shelves from the rules).
      SAGEMAKER_ENDPOINT_URL: `http://127.0.0.1:${await freePort()}`,
      AWS_ACCESS_KEY_ID: 'image-test',
      AWS_SECRET_ACCESS_KEY: 'image-test',
      RECO_SHOPPER_TOKEN_SECRET: 'image-test-shopper-token-secret-0123456789',
      RECO_PSEUDONYM_KEY: 'image-test-pseudonym-key-0123456789abcdef',
      RECO_SERVER_KEY: 'image-test-server-key-0123456789abcdefghij',
      LOG_LEVEL: 'warn',
    },
    url,
    runAs,
  });

  // The HEALTHCHECK's own command, on the port the test gave.
  const [checkProgram, ...checkArgs] = dockerHealthcheck(stage).map((arg) =>
    arg.includes('127.0.0.1:3000') ? substituteExactlyOnce(arg, { '127.0.0.1:3000': `127.0.0.1:${port}` }) : arg,
  );
  assert.equal(checkProgram, 'node');
  const healthcheck = (): number | null => {
    const [command, commandArgs] = runAs.command(process.execPath, checkArgs);
    return spawnSync(command, commandArgs, { env: { PATH: process.env.PATH ?? '' }, timeout: 10_000 }).status;
  };
  assert.equal(healthcheck(), 0, `HEALTHCHECK passes on a ready proxy\n${proxy.output()}`);

  const shelf = await fetch(`${url}/v1/recommendations?placement=home&sessionId=image-test-session`);
  assert.equal(shelf.status, 200);
  assert.equal(((await shelf.json()) as { items: unknown[] }).items.length, 8);
  const widget = await fetch(`${url}/reco-shelf.js`);
  assert.equal(widget.status, 200, 'the widget is served');
  const chunks = [...new Set((await widget.text()).match(/reco-shelf(\.[a-z0-9-]+)+\.js/g) ?? [])];
  for (const chunk of chunks) assert.equal((await fetch(`${url}/${chunk}`)).status, 200, `${chunk}, which it loads`);

  const events = await fetch(`${url}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      events: [
        {
          id: 'image-event-1',
          type: 'click',
          placement: 'home',
          itemId: '85123A',
          sessionId: 'image-s',
          ts: Date.now(),
        },
      ],
    }),
  });
  assert.equal(events.status, 202, await events.text());
  const [volume] = volumes.map(inImage);
  assert.equal(volumes.length, 1);
  assert.ok(listSegments(volume!).length > 0, 'the event is in a segment in the volume');
  assert.deepEqual(filesUnder(image, volumes.map(inImage)), before, 'nothing written outside the volume');

  // SIGTERM: the health check fails at once (draining), and the proxy then exits cleanly.
  proxy.process.kill('SIGTERM');
  await until(healthcheck, (status) => status !== 0, 'HEALTHCHECK failing while the proxy drains', 10_000);
  await proxy.closed;
  assert.deepEqual(proxy.exit(), { code: 0, signal: null }, proxy.output());
});

/**
 * Where a Docker engine runs, the image itself: built from the repository, run with a read-only
 * root filesystem (only its VOLUME writable), ready, a shelf, an event in the volume, healthy by
 * its own HEALTHCHECK, and a clean exit on `docker stop`. Not run on this project's machines
 * (no engine, and base images cannot be pulled).
 */
test('the proxy image built and run by Docker', {
  timeout: 900_000,
  skip: !dockerRuns && 'no Docker engine here (`docker info` fails): the image cannot be built or run',
}, async () => {
  const docker = (...args: string[]): string =>
    execFileSync('docker', args, { cwd: projectRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  const tag = `reco-shelf-proxy:rehearsal-${process.pid}`;
  docker('build', '-f', 'server/Dockerfile', '-t', tag, '.');
  const envFile = join(scratch, 'docker.env');
  writeFileSync(
    envFile,
    [
      // The container's own loopback: no cloud, shelves from the rules.
      'SAGEMAKER_ENDPOINT_URL=http://127.0.0.1:9',
      'AWS_ACCESS_KEY_ID=image-test',
      'AWS_SECRET_ACCESS_KEY=image-test',
      'RECO_SHOPPER_TOKEN_SECRET=image-test-shopper-token-secret-0123456789',
      'RECO_PSEUDONYM_KEY=image-test-pseudonym-key-0123456789abcdef',
      'RECO_SERVER_KEY=image-test-server-key-0123456789abcdefghij',
      '',
    ].join('\n'),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const id = docker('run', '-d', '--read-only', '-p', `127.0.0.1:${port}:3000`, '--env-file', envFile, tag);
  try {
    await until(
      () =>
        fetch(`${url}/readyz`).then(
          (r) => r.status,
          () => 0,
        ),
      (status) => status === 200,
      'the container ready',
      60_000,
    );
    const shelf = await fetch(`${url}/v1/recommendations?placement=home&sessionId=docker-session`);
    assert.equal(shelf.status, 200);
    const event = { id: 'docker-event-1', type: 'click', placement: 'home', itemId: '85123A', sessionId: 'docker-s' };
    const posted = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ ...event, ts: Date.now() }] }),
    });
    assert.equal(posted.status, 202, await posted.text());
    const [volume] = dockerVolumes(stage);
    assert.match(docker('exec', id, 'ls', volume!), /events-.*\.jsonl/, 'the event is in the volume');
    await until(
      () => docker('inspect', '--format', '{{.State.Health.Status}}', id),
      (status) => status === 'healthy',
      'the HEALTHCHECK passing',
      60_000,
    );
    docker('stop', '-t', '20', id);
    assert.equal(docker('inspect', '--format', '{{.State.ExitCode}}', id), '0', docker('logs', id));
  } finally {
    spawnSync('docker', ['rm', '-f', '-v', id]);
    spawnSync('docker', ['rmi', tag]);
  }
});
