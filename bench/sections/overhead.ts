/**
 * Proxy overhead at fixed request rates: the same paced sender times a direct SDK
 * call to the local runtime (the client's own cost, no HTTP hop in front), the
 * minimal node:http + SDK server, and the proxy. Overhead = proxy − direct SDK,
 * per percentile; the node:http server shows how much of it is the HTTP hop alone.
 */
import { randomUUID } from 'node:crypto';
import type { CloudInfo } from '../harness/cloud-process.ts';
import { httpGetter, runPaced, type PacedRun } from '../harness/paced-load.ts';
import { nextShopper, shopperPool } from '../harness/shoppers.ts';
import { summarize, round, type LatencySummary } from '../harness/stats.ts';
import { createSageMakerEndpoint } from '../../server/sagemaker-endpoint.ts';

/** One rate's latencies and the proxy's overhead. */
export interface OverheadAtRate {
  rate: number;
  seconds: number;
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
export async function measureOverhead(cloud: CloudInfo, urls: { proxy: string; nodeHttpSdk: string }, rates: number[], seconds: number): Promise<OverheadAtRate[]> {
  const endpoint = createSageMakerEndpoint({ endpointName: cloud.endpointName, region: cloud.region, endpointUrl: cloud.runtimeUrl, credentials: cloud.credentials });
  const shopper = nextShopper(shopperPool());
  const direct = (): Promise<string> =>
    endpoint.invoke({ userId: shopper(), items: [], k: 24, exclude: [], placement: 'home' }, { requestId: randomUUID(), signal: AbortSignal.timeout(2000) }).then(() => 'ok');
  const proxy = httpGetter(urls.proxy, { withSource: true });
  const plain = httpGetter(urls.nodeHttpSdk);
  const viaProxy = (): Promise<string> => proxy.get(`/v1/recommendations?placement=home&userId=${encodeURIComponent(shopper())}`);
  const viaPlain = (): Promise<string> => plain.get(`/v1/recommendations?userId=${encodeURIComponent(shopper())}`);
  const results: OverheadAtRate[] = [];
  try {
    for (const send of [direct, viaPlain, viaProxy]) await runPaced({ rate: 50, durationMs: 1000, send }); // warm every path
    for (const rate of rates) {
      const durationMs = seconds * 1000;
      const sdkRun = await runPaced({ rate, durationMs, send: direct });
      const plainRun = await runPaced({ rate, durationMs, send: viaPlain });
      const proxyRun = await runPaced({ rate, durationMs, send: viaProxy });
      const s = { directSdk: summarize(latencies(sdkRun)), nodeHttpSdk: summarize(latencies(plainRun)), proxy: summarize(latencies(proxyRun)) };
      const sources: Record<string, number> = {};
      for (const o of proxyRun.outcomes) sources[o] = (sources[o] ?? 0) + 1;
      results.push({
        rate,
        seconds,
        ...s,
        overhead: { p50: round(s.proxy.p50 - s.directSdk.p50), p99: round(s.proxy.p99 - s.directSdk.p99) },
        nonOk: { directSdk: notOk(sdkRun, (o) => o === 'ok'), nodeHttpSdk: notOk(plainRun, (o) => o === '200'), proxy: notOk(proxyRun, (o) => o.startsWith('200:model')) },
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
