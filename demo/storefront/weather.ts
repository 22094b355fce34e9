/**
 * The demo's cloud-weather control: the storefront's own server talks to the
 * local SageMaker runtime's `/_weather`, so the page's Content-Security-Policy
 * never has to allow the runtime's origin.
 */

/** The modes the demo offers (the runtime knows a few more). */
export const weatherModes = ['normal', 'slow', 'hang', 'error', 'throttle'] as const;

/** The weather as the runtime reports it, or `unknown` when it does not answer. */
export async function readWeather(runtimeUrl: string): Promise<{ mode: string; latencyMs: number }> {
  try {
    const res = await fetch(`${runtimeUrl}/_weather`, { signal: AbortSignal.timeout(500) });
    return (await res.json()) as { mode: string; latencyMs: number };
  } catch {
    return { mode: 'unknown', latencyMs: 0 };
  }
}

/**
 * Sets the weather. `slow` means 1 s: past every shelf's budget, yet inside the proxy's
 * 2 s hard cap, so the late answer still lands and warms the shopper's cache.
 */
export async function setWeather(runtimeUrl: string, mode: string): Promise<void> {
  if (!(weatherModes as readonly string[]).includes(mode)) throw new Error(`storefront: unknown weather "${mode}"`);
  const res = await fetch(`${runtimeUrl}/_weather`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ mode, ...(mode === 'slow' ? { latencyMs: 1000 } : {}) }),
    signal: AbortSignal.timeout(1000),
  });
  if (!res.ok) throw new Error(`storefront: the runtime refused weather "${mode}" (${res.status})`);
}
