/**
 * `POST /v1/shelves` figures: (1) the proxy's CPU per shelf in a three-shelf batch (`home`, `product` with a
 * context item, `new-in`; one `InvokeEndpoint`) against a single-shelf request for the same placements in turn
 * (goal ≤ 0.6×), autocannon rounds alternated, a new customer each request and no fresh cache; (2) three shelves
 * with the cloud hung and the breaker off, paced: every answer within the tightest budget among its shelves
 * (`new-in`'s 100 ms in the shipped rules) + 5 ms as the client saw it, and the proxy's own total less its
 * timer's lateness (Server-Timing). Run alone with `npx tsx workshop/bench/sections/shelves.ts` (prints its
 * table and the load average), or as a section of `npm run bench`.
 */
import { loadavg } from 'node:os';
import { Agent, request } from 'node:http';
import type { CloudInfo } from '../../test-support/cloud-process.ts';
import { runPaced } from '../../test-support/paced-load.ts';
import { nextShopper, shopperPool } from '../../test-support/shoppers.ts';
import { medianOf, round, shareWithin, summarize, type LatencySummary } from '../../test-support/stats.ts';
import { benchProxyEnv, setWeather, sleep, startTarget } from '../../test-support/targets.ts';
import { type Round, type RequestFor, throughputRound } from './throughput.ts';

const placements = [
  { placement: 'home' },
  { placement: 'product', items: ['85123A'] },
  { placement: 'new-in' },
] as const;

/** The tightest budget among the three shelves in the shipped rules (`server/placements.json`). */
export const tightestBudgetMs = 100;

/** What the section measured. */
export interface ShelvesResults {
  cpu: {
    connections: number;
    secondsPerRound: number;
    single: Round[];
    batch: Round[];
    /** CPU ms per single-shelf answer, median over rounds. */
    singleCpuMsPerShelf: number;
    /** CPU ms per shelf of a three-shelf answer (the answer's CPU ÷ 3), median over rounds. */
    batchCpuMsPerShelf: number;
    ratio: number;
    roundRatios: number[];
  };
  hung: {
    rate: number;
    seconds: number;
    budgetMs: number;
    answers: number;
    shelvesNotTimeout: number;
    withinBudgetPlus5: number;
    latency: LatencySummary;
    /** The proxy's own `total` less `timer-late`, from Server-Timing: the largest. */
    ownMaxMs: number;
    timerLateMaxMs: number;
  };
}

const single: RequestFor = (() => {
  let turn = 0;
  return (shopper) => {
    const shelf = placements[turn++ % placements.length]!;
    return { path: '/v1/recommendations', body: JSON.stringify({ ...shelf, userId: shopper }) };
  };
})();

const batch: RequestFor = (shopper) => ({
  path: '/v1/shelves',
  body: JSON.stringify({ userId: shopper, shelves: placements }),
});

/** POSTs a text/plain body and reads the answer's Server-Timing and shelves. */
function poster(baseUrl: string) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const { hostname, port } = new URL(baseUrl);
  return {
    post: (path: string, body: string) =>
      new Promise<{ status: number; timing: string; body: string }>((resolve, reject) => {
        const req = request(
          {
            host: hostname,
            port,
            path,
            agent,
            method: 'POST',
            headers: { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('error', reject);
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                timing: String(res.headers['server-timing'] ?? ''),
                body: Buffer.concat(chunks).toString('utf8'),
              }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      }),
    close: () => agent.destroy(),
  };
}

/** Runs both figures against a proxy of its own (breaker off, so a hung cloud costs every request its budget). */
export async function measureShelves(
  cloud: CloudInfo,
  options: { rounds: number; seconds: number; connections: number; hungSeconds: number; hungRate: number },
): Promise<ShelvesResults> {
  const proxy = await startTarget('proxy', cloud, { ...benchProxyEnv, RECO_BREAKER_FAILURES: '1000000000' });
  try {
    await setWeather(cloud, 'normal');
    await throughputRound(proxy, single, options.connections, 1); // warm both paths
    await throughputRound(proxy, batch, options.connections, 1);
    const singles: Round[] = [];
    const batches: Round[] = [];
    for (let i = 0; i < options.rounds; i++) {
      singles.push(await throughputRound(proxy, single, options.connections, options.seconds));
      batches.push(await throughputRound(proxy, batch, options.connections, options.seconds));
    }
    const perShelf = (r: Round): number => r.cpuMsPerAnswer / placements.length;
    const singleCpu = medianOf(singles.map((r) => r.cpuMsPerAnswer));
    const batchCpu = medianOf(batches.map(perShelf));

    await setWeather(cloud, 'hang');
    const client = poster(proxy.info.url);
    const shopper = nextShopper(shopperPool());
    let ownMax = 0;
    let lateMax = 0;
    let notTimeout = 0;
    const paced = await runPaced({
      rate: options.hungRate,
      durationMs: options.hungSeconds * 1000,
      send: async () => {
        const answer = await client.post('/v1/shelves', JSON.stringify({ userId: shopper(), shelves: placements }));
        const total = Number(/total;dur=([\d.]+)/.exec(answer.timing)?.[1] ?? Number.NaN);
        const late = Number(/timer-late;dur=([\d.]+)/.exec(answer.timing)?.[1] ?? 0);
        ownMax = Math.max(ownMax, total - late);
        lateMax = Math.max(lateMax, late);
        const shelves = (JSON.parse(answer.body) as { shelves?: Array<{ fallbackReason: string | null }> }).shelves;
        notTimeout += (shelves ?? []).filter((s) => s.fallbackReason !== 'timeout').length;
        return String(answer.status);
      },
    });
    client.close();
    const all = paced.latencies.map((l) => (Number.isFinite(l) ? l : Number.POSITIVE_INFINITY));
    return {
      cpu: {
        connections: options.connections,
        secondsPerRound: options.seconds,
        single: singles,
        batch: batches,
        singleCpuMsPerShelf: round(singleCpu),
        batchCpuMsPerShelf: round(batchCpu),
        ratio: round(batchCpu / singleCpu),
        roundRatios: batches.map((b, i) => round(perShelf(b) / singles[i]!.cpuMsPerAnswer)),
      },
      hung: {
        rate: options.hungRate,
        seconds: options.hungSeconds,
        budgetMs: tightestBudgetMs,
        answers: all.length,
        shelvesNotTimeout: notTimeout,
        withinBudgetPlus5: round(shareWithin(all, tightestBudgetMs + 5) * 100) / 100,
        latency: summarize(all),
        ownMaxMs: round(ownMax),
        timerLateMaxMs: round(lateMax),
      },
    };
  } finally {
    await setWeather(cloud, 'normal');
    await sleep(2500); // late calls run to the 2 s hard cap
    await proxy.stop();
  }
}

/** The section's Markdown. */
export function shelvesMarkdown(r: ShelvesResults): string {
  const { cpu, hung } = r;
  const yes = (ok: boolean): string => (ok ? 'yes' : '**no**');
  return [
    '### Several shelves in one request (`POST /v1/shelves`: home, product, new-in)',
    '',
    '| figure | goal | measured | reached |',
    '| --- | --- | --- | --- |',
    `| CPU per shelf in a three-shelf batch vs a single-shelf request (${cpu.connections} connections, ` +
      `${cpu.single.length} × ${cpu.secondsPerRound} s each) | ≤ 0.6× | ${cpu.ratio}× (rounds ` +
      `${cpu.roundRatios.join(', ')}); ${cpu.batchCpuMsPerShelf} vs ${cpu.singleCpuMsPerShelf} ms | ` +
      `${yes(cpu.ratio <= 0.6)} |`,
    `| three shelves, cloud hung, breaker off (${hung.rate}/s × ${hung.seconds} s): every answer within the ` +
      `tightest budget (${hung.budgetMs} ms) + 5 ms as the client saw it | 100 % | ` +
      `${(hung.withinBudgetPlus5 * 100).toFixed(2)} %, p50 ${hung.latency.p50} ms, p99 ${hung.latency.p99} ms, ` +
      `max ${hung.latency.max} ms; the proxy's own total less timer lateness at most ${hung.ownMaxMs} ms ` +
      `(timer late at most ${hung.timerLateMaxMs} ms); shelves not \`timeout\`: ${hung.shelvesNotTimeout} | ` +
      `${yes(hung.withinBudgetPlus5 === 1)} |`,
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('workshop/bench/sections/shelves.ts')) {
  const { startCloud } = await import('../../test-support/targets.ts');
  const atStart = loadavg();
  const cloud = await startCloud();
  try {
    const results = await measureShelves(cloud.info, {
      rounds: 3,
      seconds: 5,
      connections: 16,
      hungSeconds: 10,
      hungRate: 50,
    });
    console.log(JSON.stringify(results));
    console.log(shelvesMarkdown(results));
    const f = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' / ');
    console.log(`load average ${f(atStart)} at start, ${f(loadavg())} at end; ${new Date().toISOString()}`);
  } finally {
    await cloud.stop();
  }
}
