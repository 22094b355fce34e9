/**
 * How late this process runs its timers: Node's event-loop delay histogram, read over
 * short windows. The shelf service ends its race with the cloud earlier when the loop
 * is running late (a busy CPU, a GC pause), so the answer still leaves inside the budget;
 * operators see the same figure as `reco_event_loop_delay_seconds`.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';

/** What the monitor promises its readers. */
export interface EventLoopDelay {
  /** The p99 delay of the last complete window, in ms (0 before the first window closes). */
  recentP99Ms(): number;
  /** The highest delay of the last complete window, in ms. */
  recentMaxMs(): number;
  /** Stops sampling. */
  stop(): void;
}

/** Samples every `resolutionMs` and closes a window every `windowMs`. */
export function watchEventLoopDelay({ resolutionMs = 10, windowMs = 1000 } = {}): EventLoopDelay {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  let p99 = 0;
  let max = 0;
  const window = setInterval(() => {
    // The histogram measures in ns and counts the sampling interval itself; only the excess is delay.
    p99 = histogram.count === 0 ? 0 : Math.max(0, histogram.percentile(99) / 1e6 - resolutionMs);
    max = histogram.count === 0 ? 0 : Math.max(0, histogram.max / 1e6 - resolutionMs);
    histogram.reset();
  }, windowMs);
  window.unref();
  return {
    recentP99Ms: () => p99,
    recentMaxMs: () => max,
    stop() {
      clearInterval(window);
      histogram.disable();
    },
  };
}
