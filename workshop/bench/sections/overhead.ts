/**
 * Proxy overhead at fixed request rates: the same paced sender times a direct SDK
 * call to the local runtime (the client's own cost, no HTTP hop in front), the
 * minimal node:http + SDK server, and the proxy. Overhead = proxy − direct SDK,
 * per percentile; the node:http server shows how much of it is the HTTP hop alone.
 * Each rate runs in short rounds (SDK, node:http, proxy, SDK, …) and reports the
 * median over rounds, so one stall of the shared machine does not decide a p99.
 */
import { randomUUID } from 'node:crypto';
import type { CloudInfo } from '../../test-support/cloud-process.ts';
import { httpGetter, runPaced, type PacedRun } from '../../test-support/paced-load.ts';
import { nextShopper, shopperPool } from '../../test-support/shoppers.ts';
import { medianOf, summarize, round, type LatencySummary } from '../../test-support/stats.ts';
import { createSageMakerEndpoint } from '../../../server/shelf/sagemaker-endpoint.ts';
import { shelfPath } from '../../test-support/shelf-request.ts';

/** One rate's latencies and the proxy's overhead. */
export interface OverheadAtRate {
  rate: number;
  /** Seconds per round and target. */
  seconds: number;
  rounds: number;
  /** Per round: proxy − direct SDK at p50 and p99 (the spread). */
  roundOverheads: Array<{ p50: number; p99: number }>;
  directSdk: LatencySummary;
  nodeHttpSdk: LatencySummary;
  proxy: LatencySummary;
  overhead: { p50: number; p99: number };
  nonOk: { directSdk: number; nodeHttpSdk: number; proxy: number };
  proxySources: Record<string, number>;
}

const notOk = (run: PacedRun, ok: (o: string) => boolean): number => run.outcomes.filter((o) => !ok(o)).length;
const latencies = (run: PacedRun): number[] => run.latencies.filter((l) => Number.isFinite(l));

/** Measures at each rate; targets alternate so drift in the machine's load hits all of them. */
/** Median of each field over rounds. */
function medianSummary(list: LatencySummary[]): LatencySummary {
  const m = (k: keyof LatencySummary): number => medianOf(list.map((s) => s[k]));
  return {
    count: list.reduce((a, s) => a + s.count, 0),
    p50: m('p50'),
    p90: m('p90'),
    p99: m('p99'),
    max: m('max'),
    mean: m('mean'),
  };
}

export async function measureOverhead(
  cloud: CloudInfo,
  urls: { proxy: string; nodeHttpSdk: string },
  rates: number[],
  seconds: number,
  rounds: number,
): Promise<OverheadAtRate[]> {
  const endpoint = createSageMakerEndpoint({
    endpointName: cloud.endpointName,
    region: cloud.region,
    endpointUrl: cloud.runtimeUrl,
    credentials: cloud.credentials,
  });
  const shopper = nextShopper(shopperPool());
  const direct = (): Promise<string> =>
    endpoint
      .invoke(
        { userId: shopper(), items: [], k: 24, exclude: [], placement: 'home' },
        { requestId: randomUUID(), signal: AbortSignal.timeout(2000) },
      )
      .then(() => 'ok');
  const proxy = httpGetter(urls.proxy, { withSource: true });
  const plain = httpGetter(urls.nodeHttpSdk);
  // Both as the shelf asks: the customer in a text/plain POST body.
  const viaProxy = (): Promise<string> =>
    proxy.post(shelfPath, JSON.stringify({ placement: 'home', userId: shopper() }));
  const viaPlain = (): Promise<string> =>
    plain.post(shelfPath, JSON.stringify({ placement: 'home', userId: shopper() }));
  const results: OverheadAtRate[] = [];
  try {
    // Warm every path.
    for (const send of [direct, viaPlain, viaProxy]) await runPaced({ rate: 50, durationMs: 1000, send });
    for (const rate of rates) {
      const durationMs = seconds * 1000;
      const per = {
        directSdk: [] as LatencySummary[],
        nodeHttpSdk: [] as LatencySummary[],
        proxy: [] as LatencySummary[],
      };
      const nonOk = { directSdk: 0, nodeHttpSdk: 0, proxy: 0 };
      const sources: Record<string, number> = {};
      for (let r = 0; r < rounds; r++) {
        const sdkRun = await runPaced({ rate, durationMs, send: direct });
        const plainRun = await runPaced({ rate, durationMs, send: viaPlain });
        const proxyRun = await runPaced({ rate, durationMs, send: viaProxy });
        per.directSdk.push(summarize(latencies(sdkRun)));
        per.nodeHttpSdk.push(summarize(latencies(plainRun)));
        per.proxy.push(summarize(latencies(proxyRun)));
        nonOk.directSdk += notOk(sdkRun, (o) => o === 'ok');
        nonOk.nodeHttpSdk += notOk(plainRun, (o) => o === '200');
        nonOk.proxy += notOk(proxyRun, (o) => o.startsWith('200:model'));
        for (const o of proxyRun.outcomes) sources[o] = (sources[o] ?? 0) + 1;
      }
      const roundOverheads = per.proxy.map((p, i) => ({
        p50: round(p.p50 - per.directSdk[i]!.p50),
        p99: round(p.p99 - per.directSdk[i]!.p99),
      }));
      results.push({
        rate,
        seconds,
        rounds,
        roundOverheads,
        directSdk: medianSummary(per.directSdk),
        nodeHttpSdk: medianSummary(per.nodeHttpSdk),
        proxy: medianSummary(per.proxy),
        overhead: { p50: medianOf(roundOverheads.map((o) => o.p50)), p99: medianOf(roundOverheads.map((o) => o.p99)) },
        nonOk,
        proxySources: sources,
      });
    }
  } finally {
    proxy.close();
    plain.close();
    endpoint.close();
  }
  return results;
}
