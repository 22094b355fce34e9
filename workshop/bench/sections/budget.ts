/**
 * Budget adherence: a paced load on a proxy while the cloud is slow or hung (and once with
 * a process spinning on one core beside it); share of answers within budget + 5 ms (as the
 * client saw them), p99, max.
 */
import { spawn } from 'node:child_process';
import type { WeatherMode } from '../../local-sagemaker/weather.ts';
import type { CloudInfo } from '../../test-support/cloud-process.ts';
import { httpGetter, runPaced } from '../../test-support/paced-load.ts';
import { nextShopper, shopperPool } from '../../test-support/shoppers.ts';
import { round, shareWithin, summarize, type LatencySummary } from '../../test-support/stats.ts';
import { setWeather, sleep } from '../../test-support/targets.ts';
import { shelfPath } from '../../test-support/shelf-request.ts';

/** One weather's result. */
export interface BudgetRun {
  label: string;
  weather: string;
  breaker: string;
  rate: number;
  seconds: number;
  budgetMs: number;
  withinBudgetPlus5: number;
  latency: LatencySummary;
  /** The first second apart, when the breaker (if on) has not opened yet. */
  firstSecond: LatencySummary;
  outcomes: Record<string, number>;
}

/** Runs one weather against `proxyUrl` ('home', budget `budgetMs`). */
export async function measureBudget(
  cloud: CloudInfo,
  proxyUrl: string,
  run: {
    label: string;
    weather: WeatherMode;
    latencyMs?: number;
    breaker: string;
    rate: number;
    seconds: number;
    budgetMs: number;
    /** A process spinning on one core beside the proxy for the whole run (CPU pressure). */
    cpuHog?: boolean;
  },
): Promise<BudgetRun> {
  const http = httpGetter(proxyUrl, { withSource: true });
  const shopper = nextShopper(shopperPool());
  const hog = run.cpuHog ? spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }) : undefined;
  try {
    await setWeather(cloud, run.weather, run.latencyMs);
    const paced = await runPaced({
      rate: run.rate,
      durationMs: run.seconds * 1000,
      send: () => http.post(shelfPath, JSON.stringify({ placement: 'home', userId: shopper() })),
    });
    const all = paced.latencies.map((l) => (Number.isFinite(l) ? l : Number.POSITIVE_INFINITY));
    const outcomes: Record<string, number> = {};
    for (const o of paced.outcomes) outcomes[o] = (outcomes[o] ?? 0) + 1;
    return {
      label: run.label,
      weather: run.latencyMs === undefined ? run.weather : `${run.weather} ${run.latencyMs} ms`,
      breaker: run.breaker,
      rate: run.rate,
      seconds: run.seconds,
      budgetMs: run.budgetMs,
      withinBudgetPlus5: round(shareWithin(all, run.budgetMs + 5) * 100) / 100,
      latency: summarize(all),
      firstSecond: summarize(all.filter((_, i) => paced.sentAt[i]! < 1000)),
      outcomes,
    };
  } finally {
    hog?.kill('SIGKILL');
    http.close();
    await setWeather(cloud, 'normal');
    await sleep(2500); // late calls run to the 2 s hard cap; let them end before the next run
  }
}
