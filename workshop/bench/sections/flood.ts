/**
 * Flood (issue #20): one client posts 500-event batches of fresh ids as fast as it can (one
 * connection by default, each batch sent as soon as the last is answered) for 60 s against a
 * proxy sharing state through Redis, with the shipped event and request limits
 * (`RECO_EVENTS_PER_MINUTE`, `RECO_RATE_LIMIT`; `--no-request-limit` turns the latter off, the
 * harder case) keyed on the address the balancer names (`X-Forwarded-For`). Meanwhile other
 * shoppers (an address each) ask shelves at a paced 50/s with the cloud fast. Reported:
 * the proxy's RSS growth and Redis `used_memory` growth (peak over the run less the figure before
 * it), and the shelves' p99 beside the budget + 10 ms. Goals: RSS ≤ +50 MB, Redis ≤ +50 MB,
 * p99 ≤ budget + 10 ms. `--unlimited` runs a second arm with the event limit off, to show what
 * the limit bounds (it writes much more to disk and Redis); `--node-args='…'` gives the proxy's
 * Node flags (default: the shipped unit's, `--optimize-for-size` among them; `--node-args=''` for
 * none), `--proxy-env='K=V …'` adds to its environment (e.g. glibc's `MALLOC_ARENA_MAX=2`),
 * `--flood=healthz` floods `GET /healthz` instead (a request rate that keeps no state: the
 * baseline), `--connections=N` the flood's connections. Where the RSS goes is reported beside it:
 * the proxy's `process.memoryUsage()` (V8's heap, the buffers outside it) and /proc's anonymous and
 * file-backed RSS, every 10 s of the flood. Run with `npm run bench:flood`; writes nothing into the
 * tree (the JSON goes to stdout and a temp folder).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { CloudInfo } from '../../test-support/cloud-process.ts';
import { runPaced } from '../../test-support/paced-load.ts';
import { startRedis } from '../../test-support/redis-process.ts';
import { shippedFile, unitService, unitValue } from '../../test-support/shipped-files.ts';
import { nextShopper, shopperPool } from '../../test-support/shoppers.ts';
import { round, summarize, type LatencySummary } from '../../test-support/stats.ts';
import { benchProxyEnv, startTarget } from '../../test-support/targets.ts';
import { loadConfig } from '../../../server/config.ts';

/** The shipped rules (server/placements.json): the shelves ask `home`, whose budget is judged. */
const shippedRules = JSON.parse(readFileSync(new URL('../../../server/placements.json', import.meta.url), 'utf8')) as {
  defaults: { budgetMs: number };
  placements: Record<string, { budgetMs?: number }>;
};
const homeBudgetMs = shippedRules.placements.home?.budgetMs ?? shippedRules.defaults.budgetMs;

/** One arm of the flood. */
export interface FloodArm {
  /** `RECO_EVENTS_PER_MINUTE` of the proxy (0: off). */
  eventsPerMinute: number;
  /** `RECO_RATE_LIMIT` of the proxy (0: off). */
  requestsPerMinute: number;
  /** Flags the proxy's Node ran with. */
  nodeArgs: string[];
  /** Environment added to the proxy's (e.g. glibc's `MALLOC_ARENA_MAX`), beyond the bench's own. */
  proxyEnv: Record<string, string>;
  /** What the flood sent: 500-event batches, or `GET /healthz` (the baseline: a request rate, no state). */
  floodKind: FloodKind;
  seconds: number;
  flood: {
    connections: number;
    batches: number;
    eventsOffered: number;
    eventsAccepted: number;
    /** Answers by status. */
    statuses: Record<string, number>;
  };
  rssMb: { before: number; peak: number; after: number; growth: number };
  /**
   * Where the RSS is: the proxy's own `process.memoryUsage()` (and /proc's anonymous and file-backed
   * RSS), sampled every 500 ms: the figure before the flood, its peak, and the last sample.
   */
  memoryMb: Record<MemoryField, { before: number; peak: number; after: number }>;
  /** The same samples every 10 s of the flood (MB), to tell a plateau from growth. */
  memoryTimeline: Array<{ s: number } & Record<MemoryField, number>>;
  redisMb: { before: number; peak: number; after: number; growth: number };
  /** Keys in Redis after the run (its `dbsize`). */
  redisKeys: number;
  /** The proxy's CPU time over the run, in ms per second. */
  proxyCpuMsPerSecond: number;
  shelves: {
    rate: number;
    budgetMs: number;
    quiet: LatencySummary;
    duringFlood: LatencySummary;
    /** Answers by status and source during the flood. */
    outcomes: Record<string, number>;
  };
}

/** What the section measured. */
export interface FloodResults {
  date: string;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
  arms: FloodArm[];
  goals: { rssGrowthMb: number; redisGrowthMb: number; p99OverBudgetMs: number };
}

/**
 * The Node flags the shipped unit runs the proxy with (deploy/reco-proxy@.service's ExecStart, as
 * server/Dockerfile's CMD): the bench measures the proxy as an operator runs it unless told otherwise.
 */
export function shippedNodeArgs(): string[] {
  const service = unitService(shippedFile('deploy/reco-proxy@.service'), '3001');
  const [, ...args] = (unitValue(service, 'ExecStart') ?? '').split(/\s+/);
  const script = args.findIndex((arg) => !arg.startsWith('--'));
  return script < 0 ? args : args.slice(0, script);
}

const mb = (bytes: number): number => round(bytes / 1024 / 1024);

/** What the flood sends. */
export type FloodKind = 'events' | 'healthz';

const memoryFields = ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers', 'rssAnon', 'rssFile'] as const;
type MemoryField = (typeof memoryFields)[number];

/**
 * A preload for the proxy's Node (`--import`): prints its `process.memoryUsage()` to stderr every
 * 500 ms as one line, so the bench sees the heap, the buffers outside it and the RSS at one instant.
 */
const memoryProbe = `--import=data:text/javascript,${encodeURIComponent(
  "setInterval(() => process.stderr.write('flood-memory ' + JSON.stringify(process.memoryUsage()) + '\\n'), 500)" +
    '.unref();',
)}`;

/** The proxy's memory samples so far (bytes), from its stderr and /proc at the time they are read. */
function memorySamples(output: string): Array<Record<string, number>> {
  return [...output.matchAll(/^flood-memory (\{.*\})$/gm)].map((m) => JSON.parse(m[1]!) as Record<string, number>);
}

/** Anonymous and file-backed RSS of `pid` (/proc/<pid>/status), in bytes. */
function rssParts(pid: number): { rssAnon: number; rssFile: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rssAnon: kb('RssAnon') * 1024, rssFile: (kb('RssFile') + kb('RssShmem')) * 1024 };
}

function rssBytes(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.split(/\s+/)[1] ?? Number.NaN) * 1024;
}

async function redisUsedMemory(client: Redis): Promise<number> {
  const info = await client.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? Number.NaN);
}

/** A keep-alive POST of a JSON body; resolves the status (the body is read and dropped). */
function poster(baseUrl: string, connections: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const { hostname, port } = new URL(baseUrl);
  /** POSTs `body`, or GETs `path` when `body` is undefined. */
  const post = (path: string, body: string | undefined, client: string): Promise<{ status: number; text: string }> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: hostname,
          port,
          path,
          agent,
          method: body === undefined ? 'GET' : 'POST',
          headers: {
            ...(body === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
            'x-forwarded-for': client,
          },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      req.on('error', reject);
      req.end(body);
    });
  return { post, close: () => agent.destroy() };
}

/** A batch of `size` click events with fresh ids. */
function floodBatch(batch: number, size: number): string {
  const ts = Date.now();
  const events = Array.from({ length: size }, (_, i) => ({
    id: `flood-${batch}-${i}`,
    type: 'click',
    placement: 'home',
    itemId: '85123A',
    sessionId: `flood-session-${batch % 1000}`,
    ts,
  }));
  return JSON.stringify({ events });
}

/** Shelves at `rate`/s for `seconds`: latencies and outcomes. */
async function shelvesAt(url: string, rate: number, seconds: number) {
  const shopper = nextShopper(shopperPool());
  const client = poster(url, 256);
  try {
    const run = await runPaced({
      rate,
      durationMs: seconds * 1000,
      // Other shoppers: each request from its own address, as many shoppers' browsers are.
      send: async (i) => {
        const address = `198.51.${(i >> 8) & 255}.${i & 255}`;
        const ask = JSON.stringify({ placement: 'home', userId: shopper() });
        const { status, text } = await client.post('/v1/recommendations', ask, address);
        if (status !== 200) return String(status);
        const body = JSON.parse(text) as { source?: string; fallbackReason?: string | null };
        return `${status}:${body.source}:${body.fallbackReason ?? 'none'}`;
      },
    });
    const outcomes: Record<string, number> = {};
    for (const o of run.outcomes) outcomes[o] = (outcomes[o] ?? 0) + 1;
    return { latency: summarize(run.latencies.filter(Number.isFinite)), outcomes };
  } finally {
    client.close();
  }
}

/** One arm: a fresh Redis and proxy, a quiet shelf baseline, then the flood beside the shelves. */
async function floodArm(
  cloud: CloudInfo,
  eventsPerMinute: number,
  seconds: number,
  requestLimit: boolean,
  connections: number,
  nodeArgs: string[],
  proxyEnv: Record<string, string>,
  floodKind: FloodKind,
): Promise<FloodArm> {
  const redis = await startRedis();
  const admin = new Redis(redis.url);
  const eventsDir = join(mkdtempSync(join(tmpdir(), 'flood-')), 'events');
  const proxy = await startTarget(
    'proxy',
    cloud,
    {
      ...benchProxyEnv,
      // The shipped request limit (unless turned off), keyed on the client address the balancer names.
      ...(requestLimit ? { RECO_RATE_LIMIT: String(loadConfig({}).rateLimit) } : {}),
      RECO_TRUST_PROXY: 'loopback',
      RECO_EVENTS_PER_MINUTE: String(eventsPerMinute),
      RECO_REDIS_URL: redis.url,
      RECO_PSEUDONYM_KEY: 'flood-bench-pseudonym-key-0123456789',
      RECO_EVENTS_DIR: eventsDir,
      ...proxyEnv,
    },
    [...nodeArgs, memoryProbe],
  );
  type MemorySample = { at: number } & Record<MemoryField, number>;
  const memory: MemorySample[] = [];
  const sampleMemory = (): void => {
    const usage = memorySamples(proxy.output()).at(-1);
    if (!usage) return;
    const sample = { at: Date.now(), ...usage, ...rssParts(proxy.info.pid) } as MemorySample;
    // The RSS at the same instant as the parts (the probe's own `rss` is up to 500 ms old).
    sample.rss = rssBytes(proxy.info.pid);
    memory.push(sample);
  };
  const flood = poster(proxy.info.url, connections);
  try {
    const rate = 50;
    const quiet = await shelvesAt(proxy.info.url, rate, 10);
    const rssBefore = rssBytes(proxy.info.pid);
    const redisBefore = await redisUsedMemory(admin);
    sampleMemory();
    const floodStart = Date.now();
    let rssPeak = rssBefore;
    let redisPeak = redisBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssBytes(proxy.info.pid));
      sampleMemory();
      redisUsedMemory(admin).then(
        (m) => (redisPeak = Math.max(redisPeak, m)),
        () => {},
      );
    }, 500);
    const cpuBefore = proxy.cpuMs();
    const deadline = Date.now() + seconds * 1000;
    const statuses: Record<string, number> = {};
    let batches = 0;
    let accepted = 0;
    const size = 500;
    const sender = async (): Promise<void> => {
      while (Date.now() < deadline) {
        const n = batches++;
        const answer = await (floodKind === 'healthz'
          ? flood.post('/healthz', undefined, '203.0.113.66')
          : flood.post('/v1/events', floodBatch(n, size), '203.0.113.66')
        ).catch(() => ({ status: 0, text: '' }));
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        if (floodKind === 'events' && answer.status === 202)
          accepted += (JSON.parse(answer.text) as { accepted: number }).accepted;
      }
    };
    const [shelves] = await Promise.all([
      shelvesAt(proxy.info.url, rate, seconds),
      ...Array.from({ length: connections }, sender),
    ]);
    const cpuMs = proxy.cpuMs() - cpuBefore;
    clearInterval(sampler);
    const rssAfter = rssBytes(proxy.info.pid);
    const redisAfter = await redisUsedMemory(admin);
    rssPeak = Math.max(rssPeak, rssAfter);
    redisPeak = Math.max(redisPeak, redisAfter);
    sampleMemory();
    const [first = {} as MemorySample] = memory;
    const memoryMb = Object.fromEntries(
      memoryFields.map((field) => [
        field,
        {
          before: mb(first[field]),
          peak: mb(Math.max(...memory.map((m) => m[field]))),
          after: mb(memory.at(-1)![field]),
        },
      ]),
    ) as FloodArm['memoryMb'];
    const memoryTimeline = memory
      .filter((m, i) => i === 0 || i === memory.length - 1 || (m.at - floodStart) % 10_000 < 500)
      .map(({ at, ...fields }) => ({
        s: Math.round((at - floodStart) / 1000),
        ...(Object.fromEntries(memoryFields.map((f) => [f, mb(fields[f])])) as Record<MemoryField, number>),
      }));
    return {
      eventsPerMinute,
      requestsPerMinute: requestLimit ? loadConfig({}).rateLimit : 0,
      nodeArgs,
      proxyEnv,
      floodKind,
      seconds,
      flood: {
        connections,
        batches,
        eventsOffered: floodKind === 'events' ? batches * size : 0,
        eventsAccepted: accepted,
        statuses,
      },
      rssMb: { before: mb(rssBefore), peak: mb(rssPeak), after: mb(rssAfter), growth: mb(rssPeak - rssBefore) },
      memoryMb,
      memoryTimeline,
      redisMb: {
        before: mb(redisBefore),
        peak: mb(redisPeak),
        after: mb(redisAfter),
        growth: mb(redisPeak - redisBefore),
      },
      redisKeys: await admin.dbsize(),
      proxyCpuMsPerSecond: Math.round(cpuMs / seconds),
      shelves: {
        rate,
        budgetMs: homeBudgetMs,
        quiet: quiet.latency,
        duringFlood: shelves.latency,
        outcomes: shelves.outcomes,
      },
    };
  } finally {
    flood.close();
    await proxy.stop();
    admin.disconnect();
    await redis.stop();
  }
}

/** Runs the flood against `cloud` (limited arm; with `unlimited`, an arm with the event limit off after it). */
export async function measureFlood(
  cloud: CloudInfo,
  options: {
    seconds?: number;
    unlimited?: boolean;
    requestLimit?: boolean;
    connections?: number;
    /** Flags for the proxy's Node (default: the shipped unit's, `shippedNodeArgs()`). */
    nodeArgs?: string[];
    /** Environment for the proxy beyond the bench's (e.g. `{ MALLOC_ARENA_MAX: '2' }`). */
    proxyEnv?: Record<string, string>;
    /** What the flood sends (default: 500-event batches). */
    floodKind?: FloodKind;
  } = {},
): Promise<FloodResults> {
  const seconds = options.seconds ?? 60;
  const requestLimit = options.requestLimit ?? true;
  const connections = options.connections ?? 1;
  const nodeArgs = options.nodeArgs ?? shippedNodeArgs();
  const proxyEnv = options.proxyEnv ?? {};
  const floodKind = options.floodKind ?? 'events';
  const loadAverageAtStart = loadavg().map((l) => round(l));
  const arm = (eventsPerMinute: number): Promise<FloodArm> =>
    floodArm(cloud, eventsPerMinute, seconds, requestLimit, connections, nodeArgs, proxyEnv, floodKind);
  const arms = [await arm(loadConfig({}).eventsPerMinute)];
  if (options.unlimited) arms.push(await arm(0));
  return {
    date: new Date().toISOString(),
    loadAverageAtStart,
    loadAverageAtEnd: loadavg().map((l) => round(l)),
    arms,
    goals: { rssGrowthMb: 50, redisGrowthMb: 50, p99OverBudgetMs: 10 },
  };
}

/** The section's Markdown. */
export function floodMarkdown(results: FloodResults): string {
  const { goals } = results;
  const verdict = (ok: boolean): string => (ok ? 'met' : '**not met**');
  return [
    `## Flood: one client posting 500-event batches as fast as it can (${results.date})`,
    '',
    `Load average ${results.loadAverageAtStart.join(' ')} at start, ${results.loadAverageAtEnd.join(' ')} at end.`,
    '',
    '| events / requests a minute | batches (202 / 429 / other) | events accepted | proxy RSS growth | ' +
      'V8 heap (total, peak in use) | Redis growth | Redis keys | shelves p99 quiet → flood (budget) | goals |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.arms.map((a) => {
      const s = a.flood.statuses;
      const other = a.flood.batches - (s['202'] ?? 0) - (s['429'] ?? 0);
      const p99Ok = a.shelves.duringFlood.p99 <= a.shelves.budgetMs + goals.p99OverBudgetMs;
      return (
        `| ${a.floodKind === 'healthz' ? 'GET /healthz flood, ' : ''}` +
        `${a.eventsPerMinute || 'off'} / ${a.requestsPerMinute || 'off'}` +
        `${a.nodeArgs.length ? ` (\`${a.nodeArgs.join(' ')}\`)` : ''}` +
        `${
          Object.keys(a.proxyEnv).length
            ? ` (\`${Object.entries(a.proxyEnv)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ')}\`)`
            : ''
        } | ` +
        `${a.flood.batches} (${s['202'] ?? 0} / ${s['429'] ?? 0} / ${other}) | ` +
        `${a.flood.eventsAccepted} | +${a.rssMb.growth} MB (${a.rssMb.before} → ${a.rssMb.peak}) | ` +
        `${a.memoryMb.heapTotal.before} → ${a.memoryMb.heapTotal.peak} MB, ${a.memoryMb.heapUsed.peak} MB | ` +
        `+${a.redisMb.growth} MB (${a.redisMb.before} → ${a.redisMb.peak}) | ${a.redisKeys} | ` +
        `${a.shelves.quiet.p99} → ${a.shelves.duringFlood.p99} ms (${a.shelves.budgetMs} ms) | ` +
        `RSS ${verdict(a.rssMb.growth <= goals.rssGrowthMb)}, Redis ` +
        `${verdict(a.redisMb.growth <= goals.redisGrowthMb)}, p99 ${verdict(p99Ok)} |`
      );
    }),
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('workshop/bench/sections/flood.ts')) {
  const { startCloud } = await import('../../test-support/targets.ts');
  const cloud = await startCloud();
  try {
    const option = (name: string): string | undefined =>
      process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
    const seconds = Number(option('seconds') ?? 60);
    const results = await measureFlood(cloud.info, {
      seconds,
      unlimited: process.argv.includes('--unlimited'),
      requestLimit: !process.argv.includes('--no-request-limit'),
      connections: Number(option('connections') ?? 1),
      // `--node-args=''`: none of the shipped flags (the proxy as Node runs it by default).
      nodeArgs: option('node-args')?.split(' ').filter(Boolean),
      // `--proxy-env='MALLOC_ARENA_MAX=2 MALLOC_TRIM_THRESHOLD_=131072'`: the proxy's environment, as an operator's.
      proxyEnv: Object.fromEntries(
        (option('proxy-env')?.split(' ').filter(Boolean) ?? []).map((pair) => {
          const at = pair.indexOf('=');
          return [pair.slice(0, at), pair.slice(at + 1)];
        }),
      ),
      floodKind: option('flood') === 'healthz' ? 'healthz' : 'events',
    });
    const file = join(mkdtempSync(join(tmpdir(), 'flood-results-')), 'flood.json');
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    console.log(JSON.stringify(results));
    console.log(floodMarkdown(results));
    console.log(`flood: results in ${file}`);
  } finally {
    await cloud.stop();
  }
}
