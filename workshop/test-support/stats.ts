/** Latency statistics over raw samples (milliseconds), computed the same way for every target. */

/** A latency summary; percentiles by nearest rank. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** Nearest-rank percentile of an ascending array (0 when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** Summarises samples; does not modify them. */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? 0),
    mean: round(sorted.length ? sum / sorted.length : 0),
  };
}

/** Share (0..1) of samples at or under `limitMs`. */
export function shareWithin(samples: readonly number[], limitMs: number): number {
  if (samples.length === 0) return 0;
  return samples.filter((s) => s <= limitMs).length / samples.length;
}

/** Median of a few repeated measurements, for reporting one number with its spread. */
export function medianOf(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export { round };
