/** Starts the cloud and the servers under test as child processes, and talks to them. */
import type { WeatherMode } from '../local-sagemaker/weather.ts';
import { startChild, type StartedChild } from './child.ts';
import type { CloudInfo } from './cloud-process.ts';
import type { TargetInfo } from './target-process.ts';
import { setWeather as setRuntimeWeather } from './weather.ts';

/** Starts the cloud process (container + local runtime). */
export function startCloud(env: Record<string, string> = {}): Promise<StartedChild<CloudInfo>> {
  return startChild<CloudInfo>('workshop/test-support/cloud-process.ts', { env, timeoutMs: 30_000 });
}

/** Proxy settings for benches: no rate limit, no logs, no fresh cache (every request reaches the model). */
export const benchProxyEnv: Record<string, string> = {
  RECO_RATE_LIMIT: '0',
  RECO_EVENTS_PER_MINUTE: '0',
  LOG_LEVEL: 'silent',
  RECO_CACHE_FRESH_MS: '0',
  // The load generators call as a storefront's back end would, with raw customer ids.
  RECO_ALLOW_RAW_USER_IDS: 'true',
};

/**
 * Starts a target (`proxy`, `sdk-limit`, `bare-express`) against `cloud`; `nodeArgs` go to its
 * Node (e.g. `--cpu-prof` for a profile written when it stops).
 */
export function startTarget(
  kind: 'proxy' | 'sdk-limit' | 'bare-express',
  cloud: CloudInfo,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<StartedChild<TargetInfo>> {
  return startChild<TargetInfo>('workshop/test-support/target-process.ts', {
    args: [kind],
    env: { BENCH_CLOUD: JSON.stringify(cloud), ...env },
    timeoutMs: 30_000,
    nodeArgs,
  });
}

/** Sets the cloud weather. */
export function setWeather(cloud: CloudInfo, mode: WeatherMode, latencyMs?: number): Promise<void> {
  return setRuntimeWeather(cloud.runtimeUrl, mode, latencyMs);
}

/** Invocations the runtime counted. */
export async function invocationCount(cloud: CloudInfo): Promise<number> {
  return ((await (await fetch(`${cloud.runtimeUrl}/_stats`)).json()) as { invocations: number }).invocations;
}

/** Sums `reco_requests_total` by source from a proxy's /metrics (on its admin listener, `adminUrl`). */
export async function answersBySource(adminUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^reco_requests_total\{[^}]*source="([a-z]+)"[^}]*\} (\d+)/gm)) {
    counts[match[1]!] = (counts[match[1]!] ?? 0) + Number(match[2]);
  }
  return counts;
}

/** Waits `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
