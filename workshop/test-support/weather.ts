/** Sets the cloud weather on a local SageMaker runtime, as tests, benchmarks and the e2e suite do. */
import type { WeatherMode } from '../local-sagemaker/weather.ts';

/**
 * Sets `mode` (and the latency of `slow`) on the runtime at `runtimeUrl` through `POST /_weather`;
 * throws with the runtime's answer when it refuses.
 */
export async function setWeather(runtimeUrl: string, mode: WeatherMode, latencyMs?: number): Promise<void> {
  const res = await fetch(`${runtimeUrl}/_weather`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode, ...(latencyMs === undefined ? {} : { latencyMs }) }),
  });
  if (res.status !== 200) throw new Error(`weather ${mode}: HTTP ${res.status} ${await res.text()}`);
}
