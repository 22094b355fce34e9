/**
 * Paired bootstrap of a difference in mean metric between two models scored on the same
 * targets (Efron & Tibshirani 1993, ch. 16): resample targets with replacement, keep each
 * target's pair together, and read the interval off the percentiles of the resampled mean
 * differences. Pairing removes the between-customer spread both models share, which is
 * most of it. Seeded, so a report replays exactly.
 */
import { seeded } from '../recommenders/seeded-random.ts';

/** A mean difference a − b with its percentile interval. */
export interface PairedInterval {
  /** Mean of a − b over all targets. */
  difference: number;
  /** Lower and upper percentile of the resampled mean differences (2.5 % and 97.5 % for 95 %). */
  low: number;
  high: number;
}

/** Resampling settings; the same seed draws the same resamples for every pair of equal length. */
export interface BootstrapOptions {
  resamples: number;
  seed: number;
  /** Coverage of the interval, e.g. 0.95. */
  level: number;
}

/** The paired bootstrap interval of mean(a) − mean(b); `a` and `b` are per-target scores in the same order. */
export function pairedBootstrap(a: Float64Array, b: Float64Array, options: BootstrapOptions): PairedInterval {
  if (a.length !== b.length) throw new Error(`bootstrap: ${a.length} vs ${b.length} targets; they must pair`);
  const n = a.length;
  if (n === 0) return { difference: 0, low: 0, high: 0 };
  const d = new Float64Array(n);
  let total = 0;
  for (let t = 0; t < n; t++) total += d[t] = a[t]! - b[t]!;
  const random = seeded(options.seed);
  const means = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    let s = 0;
    for (let t = 0; t < n; t++) s += d[Math.floor(random() * n)]!;
    means[r] = s / n;
  }
  means.sort();
  const at = (q: number) =>
    means[Math.min(options.resamples - 1, Math.max(0, Math.round(q * (options.resamples - 1))))]!;
  const tail = (1 - options.level) / 2;
  return { difference: total / n, low: at(tail), high: at(1 - tail) };
}

/**
 * The paired bootstrap of mean(a) − mean(b) over targets pooled from several cut-offs, resampling
 * whole customers (`clusters[t]` names target t's customer): a customer tested at six cut-offs is
 * one draw, not six, so the interval is not narrowed by counting the same shopper repeatedly.
 */
export function clusteredPairedBootstrap(
  a: Float64Array,
  b: Float64Array,
  clusters: Int32Array,
  options: BootstrapOptions,
): PairedInterval {
  if (a.length !== b.length || a.length !== clusters.length)
    throw new Error(`bootstrap: ${a.length} vs ${b.length} targets, ${clusters.length} clusters; they must pair`);
  const n = a.length;
  if (n === 0) return { difference: 0, low: 0, high: 0 };
  let clusterCount = 0;
  for (const c of clusters) clusterCount = Math.max(clusterCount, c + 1);
  const sums = new Float64Array(clusterCount);
  const sizes = new Float64Array(clusterCount);
  let total = 0;
  for (let t = 0; t < n; t++) {
    const d = a[t]! - b[t]!;
    total += d;
    sums[clusters[t]!]! += d;
    sizes[clusters[t]!]!++;
  }
  const present = [...sizes.keys()].filter((c) => sizes[c]! > 0);
  const random = seeded(options.seed);
  const means = new Float64Array(options.resamples);
  for (let r = 0; r < options.resamples; r++) {
    let s = 0,
      m = 0;
    for (let draw = 0; draw < present.length; draw++) {
      const c = present[Math.floor(random() * present.length)]!;
      s += sums[c]!;
      m += sizes[c]!;
    }
    means[r] = s / m;
  }
  means.sort();
  const at = (q: number) =>
    means[Math.min(options.resamples - 1, Math.max(0, Math.round(q * (options.resamples - 1))))]!;
  const tail = (1 - options.level) / 2;
  return { difference: total / n, low: at(tail), high: at(1 - tail) };
}
