/**
 * What the slow requests of the model path at a fixed rate are made of. An open-loop paced
 * sender (as the overhead section) at `--rate` for `--seconds` against the proxy started with
 * `--trace-gc-nvp`; per request it keeps the client's latency and the proxy's own Server-Timing
 * (`total`, `upstream`), so each request's time splits into the cloud call, the proxy's work
 * around it, and what happened outside the handler (before the arrival stamp or after the
 * answer left: a collector pause, a blocked loop, the socket, the machine). The proxy's GC
 * pauses during the run, and the bytes it allocated and promoted per request (what sets how
 * often it collects, and the least disturbed by other work), come from its trace.
 * A CLI report for a person, hence `console`.
 *
 *   npx tsx workshop/bench/tail-trace.ts [--rate 200] [--seconds 8] [--rounds 2] [--budget-ms 150]
 *
 * `--budget-ms` as in workshop/bench/hot-path.ts: on a busy machine a longer budget keeps the model path.
 */
import '../test-support/quiet-sdk.ts'; // before any SDK import: hides the Node 22 notice
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPaced } from '../test-support/paced-load.ts';
import { nextShopper, shopperPool } from '../test-support/shoppers.ts';
import { percentile } from '../test-support/stats.ts';
import { benchProxyEnv, startCloud, startTarget } from '../test-support/targets.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const rate = Number(option('--rate', '200'));
const seconds = Number(option('--seconds', '8'));
const rounds = Number(option('--rounds', '2'));
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

/** One request as the client and the proxy saw it (ms). */
interface Seen {
  latency: number;
  total: number;
  upstream: number;
  source: string;
}

const cloud = await startCloud();
const proxyEnv: Record<string, string> = { ...benchProxyEnv };
const budgetMs = option('--budget-ms', '');
if (budgetMs) {
  const placements = JSON.parse(readFileSync('server/placements.json', 'utf8')) as { defaults: { budgetMs: number } };
  placements.defaults.budgetMs = Number(budgetMs);
  proxyEnv.RECO_PLACEMENTS_FILE = join(mkdtempSync(join(tmpdir(), 'reco-tail-')), 'placements.json');
  writeFileSync(proxyEnv.RECO_PLACEMENTS_FILE, JSON.stringify(placements));
}
const proxy = await startTarget('proxy', cloud.info, proxyEnv, ['--trace-gc-nvp']);
const agent = new Agent({ keepAlive: true, maxSockets: 512 });
const { hostname, port } = new URL(proxy.info.url);
const shopper = nextShopper(shopperPool());
const timing = (header: string, name: string): number =>
  Number(new RegExp(`${name};dur=([\\d.]+)`).exec(header)?.[1] ?? Number.NaN);

function ask(seen: Seen[]): Promise<string> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // As the shelf asks: the customer in a text/plain POST body, never in the URL.
    const body = JSON.stringify({ placement: 'home', userId: shopper() });
    const req = request(
      {
        host: hostname,
        port,
        agent,
        method: 'POST',
        path: '/v1/recommendations',
        headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const header = String(res.headers['server-timing'] ?? '');
          seen.push({
            latency: performance.now() - started,
            total: timing(header, 'total'),
            upstream: timing(header, 'upstream'),
            source: /source;desc=(\w+)/.exec(header)?.[1] ?? String(res.statusCode),
          });
          resolve(String(res.statusCode));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Collections in the proxy's `--trace-gc-nvp` lines since `from` (an offset into its output). */
function collections(from: number): Array<{ kind: string; ms: number; allocated: number; promoted: number }> {
  const lines = proxy
    .output()
    .slice(from)
    .matchAll(/pause=([\d.]+) mutator=[\d.]+ gc=(\w+).* allocated=(\d+) promoted=(\d+)/g);
  return [...lines].map((m) => ({
    kind: m[2] === 's' ? 'Scavenge' : 'Mark-Compact',
    ms: Number(m[1]),
    allocated: Number(m[3]),
    promoted: Number(m[4]),
  }));
}

try {
  console.log(`tail-trace: ${rate}/s for ${seconds} s × ${rounds}; load average ${load()}`);
  await runPaced({ rate: 50, durationMs: 1000, send: () => ask([]) });
  for (let r = 0; r < rounds; r++) {
    const seen: Seen[] = [];
    const outputFrom = proxy.output().length;
    await runPaced({ rate, durationMs: seconds * 1000, send: () => ask(seen) });
    const pauses = collections(outputFrom);
    const perRequestKb = (field: 'allocated' | 'promoted') =>
      +(pauses.reduce((a, p) => a + p[field], 0) / seen.length / 1024).toFixed(1);
    const sorted = [...seen].sort((a, b) => a.latency - b.latency);
    const p99 = percentile(
      sorted.map((s) => s.latency),
      99,
    );
    const slow = sorted.filter((s) => s.latency >= p99);
    const typical = sorted[Math.floor(sorted.length / 2)]!;
    const split = (s: Seen) => ({
      latency: +s.latency.toFixed(2),
      upstream: s.upstream,
      proxyOwn: +(s.total - (Number.isNaN(s.upstream) ? 0 : s.upstream)).toFixed(2),
      outsideHandler: +(s.latency - s.total).toFixed(2),
      source: s.source,
    });
    const byKind = (kind: string) => pauses.filter((p) => p.kind === kind).map((p) => p.ms);
    console.log(
      JSON.stringify(
        {
          round: r + 1,
          requests: seen.length,
          p50: +typical.latency.toFixed(2),
          p99: +p99.toFixed(2),
          median: split(typical),
          slowest: slow.map(split),
          allocatedKbPerRequest: perRequestKb('allocated'),
          promotedKbPerRequest: perRequestKb('promoted'),
          gc: Object.fromEntries(
            ['Scavenge', 'Mark-Compact'].map((kind) => {
              const ms = byKind(kind);
              return [
                kind,
                { count: ms.length, maxMs: Math.max(0, ...ms), totalMs: +ms.reduce((a, b) => a + b, 0).toFixed(1) },
              ];
            }),
          ),
          loadAverage: load(),
        },
        null,
        1,
      ),
    );
  }
} finally {
  agent.destroy();
  await proxy.stop();
  await cloud.stop();
}
