/**
 * The production rehearsal: two instances of deploy/reco-proxy@.service behind deploy/haproxy.cfg,
 * run as an operator runs them, without systemd (not PID 1 here) but from the files' own lines:
 *
 * - the program is the compiled bundle (`npm run build:proxy`, rebuilt when stale), started by
 *   the unit's ExecStart from its WorkingDirectory, with exactly the unit's Environment= lines
 *   (`%i` = the instance's port), what systemd adds (PATH, HOME, USER, STATE_DIRECTORY) and the
 *   operator's /etc/reco-shelf/proxy.env (the stand-in endpoint, keys, Redis, the balancer's
 *   address), parsed as systemd reads it; nothing of the test's own environment;
 * - paths of the files are mapped into a temporary root by a prefix table (/opt/reco-shelf,
 *   /etc/reco-shelf, /var/lib/reco-shelf → <root>/…); a path outside it stops the test;
 * - as root, each instance runs as `nobody` (setpriv) with the application folder root's and
 *   read-only, and only its StateDirectory= writable (as ProtectSystem=strict leaves it); not
 *   as root, as the tests' own user (said in the output);
 * - the balancer is deploy/haproxy.cfg as shipped with only its addresses' ports replaced, in
 *   front of a real redis-server and a local SageMaker stand-in serving the trained model.
 *
 * Through the balancer it checks a model shelf and the widget's files (and nothing else
 * forwarded), events landing in each instance's own state directory and nowhere else, a full
 * event disk (a real tmpfs, root only) under one instance while shelves keep answering, and
 * SIGTERM to one instance under load without a failed request. It waits on conditions
 * (polling with a deadline), never on guessed sleeps, and asserts no wall-clock times.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  closeSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureBuilt } from '../../scripts/ensure-built.ts';
import { loadConfig } from '../../server/config.ts';
import { listSegments } from '../../server/events/segment-files.ts';
import type { StartedChild } from '../test-support/child.ts';
import { projectRoot } from '../test-support/child.ts';
import type { CloudInfo } from '../test-support/cloud-process.ts';
import { everyStoredId } from '../test-support/event-store.ts';
import { freePort } from '../test-support/free-port.ts';
import { type HaproxyProcess, startHaproxyWithConfig } from '../test-support/haproxy-process.ts';
import { startLoad } from '../test-support/load-child.ts';
import {
  ensureProductionBundle,
  filesUnder,
  makeReadOnly,
  type ProductionProxy,
  productionBundle,
  startProductionProxy,
  unprivilegedUser,
} from '../test-support/production-proxy.ts';
import { type RedisProcess, startRedis } from '../test-support/redis-process.ts';
import {
  environmentFile,
  mapPaths,
  pathMap,
  shippedFile,
  substituteExactlyOnce,
  unitEnvironment,
  unitService,
  unitValue,
} from '../test-support/shipped-files.ts';
import { startCloud } from '../test-support/targets.ts';
import { until } from '../test-support/until.ts';

const unitText = shippedFile('deploy/reco-proxy@.service');
const haproxyText = shippedFile('deploy/haproxy.cfg');
const isRoot = process.getuid?.() === 0;
const runAs = unprivilegedUser();
/** systemd's PATH for a service. */
const systemdPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin';
/** The shipped files' absolute paths and where they live in the rehearsal's root. */
const shippedPrefixes = ['/opt/reco-shelf', '/etc/reco-shelf', '/var/lib/reco-shelf'];
/** Files an operator installs, by the variable naming them, and the repository file that stands for them. */
const installedFiles: Record<string, string> = {
  RECO_PLACEMENTS_FILE: 'server/placements.json',
  RECO_CATALOG_FILE: 'data/catalog.json',
};
/** The shelf path a storefront page asks (anonymous: a session id; tokens go in a POST body). */
const shelfPath = (session: string): string => `/v1/recommendations?placement=home&sessionId=${session}`;

/** Whether `port` can be bound on loopback now. */
function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A free port to be a unit instance's name: every *_PORT its Environment= lines then give (the
 * admin listener's is derived from it) must be a valid port that is free too.
 */
async function freeInstancePort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const candidate = randomInt(3000, 5536);
    const env = unitEnvironment(unitService(unitText, String(candidate)));
    const ports = Object.entries(env)
      .filter(([name]) => name.endsWith('_PORT'))
      .map(([, value]) => Number(value));
    if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535 || taken.has(p))) continue;
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) {
      for (const p of ports) taken.add(p);
      return candidate;
    }
  }
  throw new Error('no free instance port in 3000–5535');
}

/** One unit instance as the rehearsal lays it out. */
interface Instance {
  name: string;
  port: number;
  stateDir: string;
  env: Record<string, string>;
  proxy?: ProductionProxy;
}

async function postEvents(baseUrl: string, ids: string[]): Promise<Response> {
  const events = ids.map((id) => ({
    id,
    type: 'click',
    placement: 'home',
    itemId: '85123A',
    sessionId: 'rehearsal-session',
    ts: Date.now(),
  }));
  return fetch(`${baseUrl}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ events }),
  });
}

describe('the shipped unit, two instances behind the shipped HAProxy config', { timeout: 300_000 }, () => {
  const root = mkdtempSync(join(tmpdir(), 'reco-rehearsal-'));
  const inRoot = pathMap(root, shippedPrefixes);
  const mounts: string[] = [];
  const instances: Instance[] = [];
  let cloud: StartedChild<CloudInfo>;
  let redis: RedisProcess;
  let balancer: HaproxyProcess;
  let before0: Map<string, string>;
  /** The instance whose state directory is a small tmpfs (root only). */
  let smallDisk: Instance;
  /** The balancer's server names, in the order of the instances. */
  let serverNames: string[] = [];
  /** What the set-up did, said in the first test's output. */
  const notes: string[] = [];

  before(async () => {
    const started = performance.now();
    const rebuilt = await ensureProductionBundle();
    await ensureBuilt();
    notes.push(`${productionBundle}: ${rebuilt ? `built (${rebuilt})` : 'current, not rebuilt'}`, runAs.why);
    if (!isRoot) notes.push('not root: the full-disk case is skipped (it mounts a tmpfs)');
    [cloud, redis] = await Promise.all([startCloud(), startRedis()]);
    chmodSync(root, 0o755);

    // /opt/reco-shelf: what the unit's header says goes there, root's and read-only.
    const service = unitService(unitText, '%i');
    const appDir = inRoot(unitValue(service, 'WorkingDirectory') ?? '');
    mkdirSync(join(appDir, 'dist'), { recursive: true });
    cpSync(join(projectRoot, 'dist/server'), join(appDir, 'dist/server'), { recursive: true });
    for (const name of readdirSync(join(projectRoot, 'dist')).filter((n) => /^reco-shelf.*\.js$/.test(n))) {
      cpSync(join(projectRoot, 'dist', name), join(appDir, 'dist', name));
    }
    // The operator's files: the rules, the catalog, and proxy.env (secrets: root's, 0600; systemd reads it as root).
    const shared = unitEnvironment(service);
    for (const [variable, source] of Object.entries(installedFiles)) {
      const target = inRoot(shared[variable] ?? assert.fail(`the unit sets no ${variable}`));
      mkdirSync(join(target, '..'), { recursive: true });
      cpSync(join(projectRoot, source), target);
    }
    const envFile = (unitValue(service, 'EnvironmentFile') ?? assert.fail('no EnvironmentFile=')).replace(/^-/, '');
    const operatorEnv = [
      '# /etc/reco-shelf/proxy.env as an operator writes it: the endpoint (here the local stand-in) and its keys,',
      '# the shop’s own secrets, the shared Redis and the balancer’s address.',
      `SAGEMAKER_ENDPOINT_URL=${cloud.info.runtimeUrl}`,
      `SAGEMAKER_ENDPOINT_NAME=${cloud.info.endpointName}`,
      `AWS_REGION=${cloud.info.region}`,
      `AWS_ACCESS_KEY_ID=${cloud.info.credentials.accessKeyId}`,
      `AWS_SECRET_ACCESS_KEY=${cloud.info.credentials.secretAccessKey}`,
      `RECO_SHOPPER_TOKEN_SECRET=${randomBytes(32).toString('base64')}`,
      // Keys as `openssl rand -base64 32` gives them, which may begin with a slash (and here always does).
      `RECO_SERVER_KEY=/${randomBytes(32).toString('base64')}`,
      `RECO_PSEUDONYM_KEY=${randomBytes(32).toString('base64')}`,
      `RECO_REDIS_URL=${redis.url}`,
      'RECO_TRUST_PROXY=loopback',
      'LOG_LEVEL=warn',
      '',
    ].join('\n');
    writeFileSync(inRoot(envFile), operatorEnv, { mode: 0o600 });
    makeReadOnly(appDir);
    makeReadOnly(inRoot('/etc/reco-shelf'));
    makeReadOnly(inRoot('/var/lib/reco-shelf'));
    chmodSync(inRoot(envFile), 0o400);
    for (const dir of [join(root, 'opt'), join(root, 'etc'), join(root, 'var'), join(root, 'var/lib')]) {
      chmodSync(dir, 0o755);
    }

    // Two instances, each named by its port; the first one's state directory a small tmpfs when root.
    const taken = new Set<number>();
    for (let i = 0; i < 2; i++) {
      const port = await freeInstancePort(taken);
      const unit = unitService(unitText, String(port));
      const stateDirectory = unitValue(unit, 'StateDirectory') ?? assert.fail('no StateDirectory=');
      const stateDir = inRoot(`/var/lib/${stateDirectory}`);
      chmodSync(inRoot('/var/lib/reco-shelf'), 0o755);
      mkdirSync(stateDir);
      chmodSync(inRoot('/var/lib/reco-shelf'), 0o555);
      if (isRoot && i === 0) {
        execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', stateDir]);
        mounts.push(stateDir);
      }
      // What systemd does for StateDirectory=: the folder is the service user's, with StateDirectoryMode.
      if (isRoot) chownSync(stateDir, runAs.uid, runAs.gid);
      chmodSync(stateDir, Number.parseInt(unitValue(unit, 'StateDirectoryMode') ?? '0755', 8));
      const env = {
        PATH: systemdPath,
        HOME: isRoot ? '/nonexistent' : (process.env.HOME ?? '/'),
        USER: runAs.name,
        LOGNAME: runAs.name,
        STATE_DIRECTORY: stateDir,
        ...mapPaths(unitEnvironment(unit), inRoot),
        // EnvironmentFile= overrides Environment= (systemd.exec), whatever the order of the lines. Its
        // values are secrets and addresses, not paths: a key may well begin with a slash.
        ...environmentFile(readFileSync(inRoot(envFile), 'utf8')),
      };
      instances.push({ name: `reco-proxy@${port}`, port, stateDir, env });
    }
    smallDisk = instances[0]!;
    before0 = filesUnder(
      root,
      instances.map((i) => i.stateDir),
    );

    const [program, ...args] = (unitValue(service, 'ExecStart') ?? '').split(/\s+/);
    assert.equal(program, '/usr/bin/node', 'ExecStart runs node');
    await Promise.all(
      instances.map(async (instance) => {
        instance.proxy = await startProductionProxy({
          // The Node running the tests stands for /usr/bin/node.
          argv: [process.execPath, ...args],
          cwd: appDir,
          env: instance.env,
          url: `http://127.0.0.1:${instance.port}`,
          runAs,
        });
      }),
    );

    // deploy/haproxy.cfg as shipped, its ports replaced: the frontend's and the two servers'.
    const bind = /^\s*bind (\S+)/m.exec(haproxyText)?.[1] ?? assert.fail('no bind line');
    const servers = [...haproxyText.matchAll(/^\s*server (\S+) (\S+) check/gm)].map((m) => m[2]!);
    serverNames = [...haproxyText.matchAll(/^\s*server (\S+) (\S+) check/gm)].map((m) => m[1]!);
    assert.equal(servers.length, instances.length, 'one server line per instance');
    const balancerPort = await freePort();
    const config = substituteExactlyOnce(haproxyText, {
      [bind]: `127.0.0.1:${balancerPort}`,
      ...Object.fromEntries(servers.map((address, i) => [address, `127.0.0.1:${instances[i]!.port}`])),
    });
    balancer = await startHaproxyWithConfig(config, `http://127.0.0.1:${balancerPort}`, 15_000, '/reco-shelf.js');
    notes.push(
      `set up (build check, cloud, Redis, two instances, HAProxy) in ${Math.round(performance.now() - started)} ms`,
    );
  });

  after(async () => {
    await balancer?.stop();
    await Promise.all(instances.map((i) => i.proxy?.stop('SIGKILL')));
    await redis?.stop();
    await cloud?.stop();
    for (const dir of mounts) {
      if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
    }
    // Not root, the read-only folders are the tests' own user's: writable again so they can be removed.
    if (!isRoot) spawnSync('chmod', ['-R', 'u+w', root]);
    rmSync(root, { recursive: true, force: true });
  });

  it('serves a model shelf and the widget’s files through the balancer, and forwards nothing else', async (t) => {
    for (const note of notes) t.diagnostic(note);
    t.diagnostic(
      `the SageMaker stand-in serves the ${cloud.info.container} container, model ${cloud.info.modelVersion}`,
    );
    const shelf = await until(
      async () => {
        const res = await fetch(`${balancer.url}${shelfPath(`rehearsal-${randomInt(1e9)}`)}`);
        return { status: res.status, body: (await res.json()) as Record<string, unknown> };
      },
      (answer) => answer.status === 200 && answer.body.source === 'model',
      'a shelf from the model through the balancer',
      20_000,
    );
    assert.ok((shelf.body.items as unknown[]).length > 0);
    assert.equal((shelf.body.model as { version: string }).version, cloud.info.modelVersion);

    const widget = await fetch(`${balancer.url}/reco-shelf.js`);
    assert.equal(widget.status, 200);
    const canonical = /<([^>]+)>; rel="canonical"/.exec(widget.headers.get('link') ?? '')?.[1];
    const chunks = [...new Set((await widget.text()).match(/reco-shelf(\.[a-z0-9-]+)+\.js/g) ?? [])];
    for (const path of [...chunks.map((c) => `/${c}`), '/reco-shelf.dev.js', canonical ?? '/no-canonical-link']) {
      const res = await fetch(`${balancer.url}${path}`);
      assert.equal(res.status, 200, `${path} through the balancer`);
      await res.arrayBuffer();
    }
    for (const path of ['/metrics', '/readyz', '/healthz', '/', '/v1x', '/reco-shelf.js.map']) {
      const res = await fetch(`${balancer.url}${path}`);
      assert.equal(res.status, 403, `${path} is not forwarded`);
      assert.doesNotMatch(await res.text(), /reco_|# HELP/);
    }
    // The balancer's log names the path and never a query string (where a token or session id would be).
    await until(
      () => balancer.output(),
      (log) => log.includes('"/v1/recommendations"'),
      'the shelf request in the balancer’s log',
      5000,
    );
    assert.doesNotMatch(balancer.output(), /sessionId=|placement=/, 'no query string in the log');
  });

  it('stores events posted through the balancer in each instance’s own state directory, and nowhere else', async () => {
    const acknowledged: string[] = [];
    let batch = 0;
    await until(
      async () => {
        const ids = [0, 1, 2].map((i) => `rehearsal-${batch}-${i}`);
        batch++;
        const res = await postEvents(balancer.url, ids);
        assert.equal(res.status, 202, await res.text());
        acknowledged.push(...ids);
        return instances.map((i) => everyStoredId(i.stateDir).length);
      },
      (counts) => counts.every((n) => n > 0),
      'events stored by both instances (round robin)',
      20_000,
    );
    const stored = instances.map((i) => everyStoredId(i.stateDir));
    assert.deepEqual([...stored.flat()].sort(), [...acknowledged].sort(), 'each acknowledged id stored once');
    for (const instance of instances) assert.ok(listSegments(instance.stateDir).length > 0, instance.name);
    const ids = instances.map((i) => readFileSync(join(i.stateDir, 'instance-id'), 'utf8').trim());
    assert.notEqual(ids[0], ids[1], 'each instance has its own instance id');
    assert.deepEqual(
      filesUnder(
        root,
        instances.map((i) => i.stateDir),
      ),
      before0,
      'nothing written outside the state directories',
    );
  });

  it('a full event disk under one instance: shelves answer 200 through the balancer, its events 503 + Retry-After', {
    skip: !isRoot && 'needs root to mount a tmpfs as the instance’s state directory (mount -t tmpfs)',
  }, async () => {
    const filler = join(smallDisk.stateDir, 'filler');
    const fd = openSync(filler, 'w');
    try {
      const chunk = Buffer.alloc(16 * 1024, 1);
      for (;;) writeSync(fd, chunk);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    } finally {
      closeSync(fd);
    }
    let failure: unknown;
    try {
      const statuses: number[] = [];
      let n = 0;
      const refused = await until(
        async () => {
          const res = await postEvents(balancer.url, [`full-disk-${n++}`]);
          statuses.push(res.status);
          return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() };
        },
        (answer) => answer.status === 503,
        'an event refused by the instance with the full disk',
        20_000,
      );
      assert.match(refused.retryAfter ?? '', /^\d+$/, 'a 503 says when to retry');
      assert.match(refused.body, /events_unavailable/);
      assert.deepEqual(
        statuses.filter((s) => s !== 202 && s !== 503),
        [],
        'events get 202 (the other instance) or 503 (the full one)',
      );
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${balancer.url}${shelfPath(`full-disk-shopper-${i}`)}`);
        assert.equal(res.status, 200, 'shelves keep answering through the balancer');
        await res.arrayBuffer();
      }
      // Readiness means shelves: the full instance stays in the balancer's rotation.
      const ready = await fetch(`${smallDisk.proxy!.url}/readyz`);
      assert.equal(ready.status, 200, `/readyz of the instance with the full disk: ${await ready.text()}`);
      assert.ok(!balancer.output().includes(`${serverNames[0]} is DOWN`), 'the balancer kept the full instance');
    } catch (error) {
      failure = error;
    }
    // Space back: the store takes events again by itself (and the next case starts with two healthy instances).
    rmSync(filler, { force: true });
    await until(
      () => postEvents(smallDisk.proxy!.url, [`after-full-disk-${randomInt(1e9)}`]).then((r) => r.status),
      (status) => status === 202,
      'events accepted again once space is back',
      30_000,
    );
    if (failure) throw failure;
  });

  it('SIGTERM to one instance while load runs through the balancer fails no request', async (t) => {
    const stopping = instances[1]!;
    const { drainMs } = loadConfig(stopping.env);
    // Through the drain and well past the listener's close, so requests meet the stopped instance's port.
    // The shelf's own request: a text/plain POST, which the balancer must retry like a GET when a
    // stopping proxy drops its connection.
    const load = await startLoad({
      baseUrl: balancer.url,
      path: '/v1/recommendations',
      body: JSON.stringify({ placement: 'home', sessionId: 'rehearsal-{user}' }),
      rate: 20,
      durationMs: drainMs + 4000,
      poolSize: 20,
    });
    const signalledAt = performance.now();
    stopping.proxy!.process.kill('SIGTERM');
    await stopping.proxy!.closed;
    const exitedAfterMs = Math.round(performance.now() - signalledAt);
    const run = await load.result;
    const failed = run.outcomes.filter((outcome) => !outcome.startsWith('2'));
    const byOutcome: Record<string, number> = {};
    for (const outcome of run.outcomes) byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
    t.diagnostic(
      `${stopping.name} exited ${exitedAfterMs} ms after SIGTERM (drain ${drainMs} ms); ` +
        `${run.outcomes.length} requests through the balancer meanwhile: ${JSON.stringify(byOutcome)}`,
    );
    assert.deepEqual(stopping.proxy!.exit(), { code: 0, signal: null }, stopping.proxy!.output().slice(-2000));
    assert.deepEqual(failed, [], 'no failed request');
    assert.equal(run.unfinished, 0);
    await until(
      () => balancer.output(),
      (log) => log.includes(`${serverNames[1]} is DOWN`),
      'the balancer taking the stopped instance out',
      10_000,
    );
  });
});
