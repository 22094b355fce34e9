/**
 * The proxy in this (test) process, so a test can see its heap, its breaker and any
 * unhandled rejection, while the cloud and the load run in their own processes.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pino } from 'pino';
import type { CloudInfo } from './cloud-process.ts';
import { loadConfig, type ProxyConfig } from '../../server/config.ts';
import { startProxy, type RunningProxy } from '../../server/proxy.ts';

/** Starts a proxy against `cloud` (or `endpointUrl`); rate limit and logs off unless overridden. */
export async function startProxyHere(cloud: CloudInfo, overrides: Partial<ProxyConfig> = {}): Promise<RunningProxy> {
  const config = loadConfig(
    {},
    {
      port: 0,
      adminPort: 0,
      endpointUrl: cloud.runtimeUrl,
      region: cloud.region,
      endpointName: cloud.endpointName,
      rateLimit: 0,
      eventsPerMinute: 0,
      logLevel: 'silent',
      allowRawUserIds: true,
      ...overrides,
    },
  );
  const proxy = await startProxy(config, { credentials: cloud.credentials, logger: pino({ level: 'silent' }) });
  await proxy.ready;
  return proxy;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after full collections, in bytes. */
export async function heapAfterGc(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

/** Counts unhandled rejections and uncaught exceptions while installed. */
export function watchForUnhandled(): { problems: string[]; stop(): void } {
  const problems: string[] = [];
  const onRejection = (reason: unknown): void =>
    void problems.push(`unhandledRejection: ${String((reason as Error)?.stack ?? reason).slice(0, 500)}`);
  const onException = (error: Error): void =>
    void problems.push(`uncaughtException: ${String(error.stack ?? error).slice(0, 500)}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtExceptionMonitor', onException);
  return {
    problems,
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtExceptionMonitor', onException);
    },
  };
}

/** Records this process's event-loop delay (the proxy's, here) until `stop`: p99 and max in ms. */
export function watchEventLoop(): { stop(): { p99: number; max: number } } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  return {
    stop() {
      histogram.disable();
      return { p99: Math.round(histogram.percentile(99) / 1e5) / 10, max: Math.round(histogram.max / 1e5) / 10 };
    },
  };
}

/**
 * Records, for every answer the proxy gives until `stop()`, its own time from arrival to answer
 * less how late its budget timer fired (`timer-late`: the machine's share, not the proxy's).
 * That is what the proxy controls; what a client sees adds the machine's queueing on top.
 */
export function watchOwnTimes(proxy: RunningProxy): { stop(): { p99: number; max: number; count: number } } {
  const service = proxy.shelfService;
  const original = service.recommend;
  const times: number[] = [];
  service.recommend = async (...args) => {
    const timed = await original(...args);
    times.push(timed.totalMs - (timed.timerLateMs ?? 0));
    return timed;
  };
  return {
    stop() {
      service.recommend = original;
      times.sort((a, b) => a - b);
      const at = (q: number) => Math.round((times[Math.floor(q * (times.length - 1))] ?? 0) * 10) / 10;
      return { p99: at(0.99), max: at(1), count: times.length };
    },
  };
}
