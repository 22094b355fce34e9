/**
 * Scale-out figures, as ratios and differences within one run: (1) what sharing state
 * through Redis costs the model path at p50 (the same proxy with and without
 * `RECO_REDIS_URL`, a new shopper each request and no fresh cache, so every request reads
 * the shared cache and the customer's purchases in one round trip, writes the cache and
 * records its call in the shared breaker); (2) the
 * saturation throughput of two proxies behind HAProxy against one proxy behind the same
 * HAProxy. Run alone with `npm run bench:scale-out` (prints its table), or as a section of
 * `npm run bench`.
 */
import type { StartedChild } from '../../test-support/child.ts';
import type { CloudInfo } from '../../test-support/cloud-process.ts';
import { startHaproxy } from '../../test-support/haproxy-process.ts';
import { httpGetter, runPaced } from '../../test-support/paced-load.ts';
import { startRedis } from '../../test-support/redis-process.ts';
import { nextShopper, shopperPool } from '../../test-support/shoppers.ts';
import { medianOf, round, summarize } from '../../test-support/stats.ts';
import type { TargetInfo } from '../../test-support/target-process.ts';
import { testPseudonymKey } from '../../test-support/fixtures.ts';
import { benchProxyEnv, startTarget } from '../../test-support/targets.ts';
import { compareThroughput, modelShelf, type ThroughputComparison } from './throughput.ts';
import { Redis } from 'ioredis';
import { shelfPath } from '../../test-support/shelf-request.ts';

/** One Redis read as the proxy's own histogram saw it. */
export interface SharedReadFigures {
  count: number;
  /** The upper bound (ms) of the histogram bucket holding the median. */
  p50AtMostMs: number;
  shareWithin03Ms: number;
}

/** What the section measured. */
export interface ScaleOutResults {
  redisCost: {
    rate: number;
    secondsPerRound: number;
    /** Median over rounds of each round's p50 (ms). */
    embeddedP50: number;
    redisP50: number;
    /** redis − embedded, per round: the spread. */
    roundDeltas: number[];
    /** Median of the per-round differences (ms). */
    deltaP50: number;
    /**
     * The proxy's own figure for the one Redis call a request waits for (the cache read): the upper
     * bound (ms) of the histogram bucket holding its median, and the share within 0.3 ms.
     */
    cacheGet: SharedReadFigures;
    /** The same for the fleet's recently-bought read, sent in the same tick as the cache read. */
    boughtGet: SharedReadFigures;
    /**
     * The floor under `deltaP50`: the same two reads (the cache's GET and the purchases' ZRANGE, sent in one
     * tick) from a bare ioredis client at the same rate, p50 in ms (median over rounds). At a low rate both
     * processes sleep between requests, and waking them is most of a round trip's cost.
     */
    bareRoundTripP50: number;
    /** Answers that were not `model` in each arm's rounds (budget misses on a starved machine show here). */
    embeddedNotModel: number;
    redisNotModel: number;
  };
  /** subject: two proxies behind HAProxy; reference: one proxy behind HAProxy. */
  twoVersusOne: ThroughputComparison;
}

/** How much to measure. */
export interface ScaleOutPlan {
  rounds: number;
  seconds: number;
  rate: number;
  connections: number;
}

const modelPath = modelShelf;

async function p50At(url: string, rate: number, seconds: number): Promise<{ p50: number; notModel: number }> {
  const http = httpGetter(url, { withSource: true });
  const shopper = nextShopper(shopperPool());
  try {
    const send = () => http.post(shelfPath, JSON.stringify({ placement: 'home', userId: shopper() }));
    const run = await runPaced({ rate, durationMs: seconds * 1000, send });
    return {
      p50: summarize(run.latencies.filter(Number.isFinite)).p50,
      notModel: run.outcomes.filter((o) => !o.startsWith('200:model')).length,
    };
  } finally {
    http.close();
  }
}

/** The two reads a shelf waits for, from a bare client at `rate`: what one round trip costs on this machine. */
async function bareRoundTripP50(redisUrl: string, rate: number, seconds: number): Promise<number> {
  const client = new Redis(redisUrl, { enableOfflineQueue: false, lazyConnect: true });
  await client.connect();
  try {
    const run = await runPaced({
      rate,
      durationMs: seconds * 1000,
      send: async (i) => {
        await Promise.all([
          client.get(`bench:c:${i}`),
          client.zrange(`bench:b:${i}`, '+inf', '0', 'BYSCORE', 'REV', 'LIMIT', 0, 1000, 'WITHSCORES'),
        ]);
        return 'ok';
      },
    });
    return summarize(run.latencies.filter(Number.isFinite)).p50;
  } finally {
    client.disconnect();
  }
}

/** Reads one operation's histogram of `reco_shared_state_duration_seconds` from a proxy's metrics. */
function sharedReadFigures(metrics: string, operation: 'cache-get' | 'bought-get'): SharedReadFigures {
  const buckets = [
    ...metrics.matchAll(
      new RegExp(`^reco_shared_state_duration_seconds_bucket\\{le="([^"]+)",operation="${operation}"\\} (\\d+)`, 'gm'),
    ),
  ].map((m) => ({ le: Number(m[1]), count: Number(m[2]) }));
  const count = buckets.at(-1)?.count ?? 0;
  const median = buckets.find((b) => b.count >= count / 2);
  const within = buckets.find((b) => b.le === 0.0003)?.count ?? 0;
  return {
    count,
    p50AtMostMs: median ? median.le * 1000 : Number.NaN,
    shareWithin03Ms: count ? round(within / count) : Number.NaN,
  };
}

/**
 * A balancer looks like a target to the throughput rounds: its URL, and the CPU of the
 * proxies behind it (HAProxy's own is the same in both arms).
 */
function behind(url: string, proxies: Array<StartedChild<TargetInfo>>): StartedChild<TargetInfo> {
  const target: Pick<StartedChild<TargetInfo>, 'info' | 'cpuMs'> = {
    info: { ready: true, url, pid: proxies[0]!.info.pid },
    cpuMs: () => proxies.reduce((sum, p) => sum + p.cpuMs(), 0),
  };
  return target as StartedChild<TargetInfo>;
}

/** Measures both figures against `cloud`; starts and stops its own Redis, proxies and HAProxy. */
export async function measureScaleOut(cloud: CloudInfo, plan: ScaleOutPlan): Promise<ScaleOutResults> {
  const redis = await startRedis();
  const started: Array<{ stop(): Promise<void> }> = [];
  try {
    // The breaker off in both arms: at saturation calls run past the budget and would open it (that is its
    // job), turning the model path into the fallback path; its Redis write per call is still made.
    // The pseudonym key in both arms: Redis needs it (its digests are keyed), and the arms differ in Redis only.
    const own = { ...benchProxyEnv, RECO_BREAKER_FAILURES: '1000000000', RECO_PSEUDONYM_KEY: testPseudonymKey };
    const shared = { ...own, RECO_REDIS_URL: redis.url };
    const embedded = await startTarget('proxy', cloud, own);
    const withRedis = await startTarget('proxy', cloud, shared);
    started.push(embedded, withRedis);
    await p50At(embedded.info.url, plan.rate, 3); // warm both: JIT, sockets, the container
    await p50At(withRedis.info.url, plan.rate, 3);
    const embeddedP50s: number[] = [];
    const redisP50s: number[] = [];
    const bareP50s: number[] = [];
    let redisNotModel = 0;
    let embeddedNotModel = 0;
    for (let i = 0; i < plan.rounds; i++) {
      const e = await p50At(embedded.info.url, plan.rate, plan.seconds);
      embeddedP50s.push(e.p50);
      embeddedNotModel += e.notModel;
      const r = await p50At(withRedis.info.url, plan.rate, plan.seconds);
      redisP50s.push(r.p50);
      redisNotModel += r.notModel;
      bareP50s.push(await bareRoundTripP50(redis.url, plan.rate, plan.seconds));
    }
    await embedded.stop();
    const metrics = await (await fetch(`${withRedis.info.adminUrl}/metrics`)).text();
    const cacheGet = sharedReadFigures(metrics, 'cache-get');
    const boughtGet = sharedReadFigures(metrics, 'bought-get');

    // The fleet: the Redis proxy above and a second like it; one HAProxy for one, another for both.
    const second = await startTarget('proxy', cloud, shared);
    started.push(second);
    const port = (t: StartedChild<TargetInfo>): number => Number(new URL(t.info.url).port);
    // Lenient checks: a saturated proxy answers /readyz late, and must not be taken out for it.
    const checks = { intervalMs: 2000, fall: 3 };
    const one = await startHaproxy([port(withRedis)], checks);
    const two = await startHaproxy([port(withRedis), port(second)], checks);
    started.push(one, two);
    const twoVersusOne = await compareThroughput(
      { target: behind(two.url, [withRedis, second]), path: modelPath },
      { target: behind(one.url, [withRedis]), path: modelPath },
      { rounds: plan.rounds, seconds: plan.seconds, connections: plan.connections },
    );
    const deltas = redisP50s.map((r, i) => round(r - embeddedP50s[i]!));
    return {
      redisCost: {
        rate: plan.rate,
        secondsPerRound: plan.seconds,
        embeddedP50: medianOf(embeddedP50s),
        redisP50: medianOf(redisP50s),
        roundDeltas: deltas,
        deltaP50: medianOf(deltas),
        bareRoundTripP50: round(medianOf(bareP50s)),
        cacheGet,
        boughtGet,
        embeddedNotModel,
        redisNotModel,
      },
      twoVersusOne,
    };
  } finally {
    await Promise.all(started.map((s) => s.stop()));
    await redis.stop();
  }
}

/** The section's Markdown. */
export function scaleOutMarkdown({ redisCost: c, twoVersusOne: t }: ScaleOutResults): string {
  return [
    '## Scale-out (Redis-shared state, HAProxy)',
    '',
    '| measure | embedded / one proxy | Redis / two proxies | difference or ratio (rounds) |',
    '| --- | --- | --- | --- |',
    `| model path p50 at ${c.rate}/s, ${c.secondsPerRound} s rounds | ${c.embeddedP50} ms | ${c.redisP50} ms | ` +
      `+${c.deltaP50} ms (${c.roundDeltas.join(', ')}); answers not \`model\`: ${c.embeddedNotModel} / ` +
      `${c.redisNotModel} |`,
    ...(c.bareRoundTripP50 === undefined
      ? []
      : [
          `| the same two reads from a bare ioredis client at ${c.rate}/s (the floor) | — | ` +
            `p50 ${c.bareRoundTripP50} ms | — |`,
        ]),
    `| Redis cache read (the proxy's own histogram, ${c.cacheGet.count} calls) | — | median ≤ ` +
      `${c.cacheGet.p50AtMostMs} ms | ${Math.round(c.cacheGet.shareWithin03Ms * 100)} % within 0.3 ms |`,
    // Older results (before the recently-bought index was shared) have no such read.
    ...(c.boughtGet
      ? [
          `| Redis purchases read, same round trip (${c.boughtGet.count} calls) | — | median ≤ ` +
            `${c.boughtGet.p50AtMostMs} ms | ${Math.round(c.boughtGet.shareWithin03Ms * 100)} % within 0.3 ms |`,
        ]
      : []),
    `| throughput behind HAProxy, ${t.connections} connections | ${t.reference.medianOkPerSec}/s | ` +
      `${t.subject.medianOkPerSec}/s | ${t.ratio}× (${t.roundRatios.join(', ')}); CPU ms per answer ` +
      `${t.reference.medianCpuMsPerAnswer} / ${t.subject.medianCpuMsPerAnswer} |`,
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('workshop/bench/sections/scale-out.ts')) {
  const { startCloud } = await import('../../test-support/targets.ts');
  const cloud = await startCloud();
  try {
    const results = await measureScaleOut(cloud.info, { rounds: 3, seconds: 5, rate: 50, connections: 32 });
    console.log(JSON.stringify(results));
    console.log(scaleOutMarkdown(results));
  } finally {
    await cloud.stop();
  }
}
