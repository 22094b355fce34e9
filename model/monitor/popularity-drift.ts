/**
 * Drift of item popularity against training, as a population stability index (PSI).
 *
 * Binning: items in the model's order (most training buyers first) are cut into `bins`
 * consecutive groups that each hold about 1/`bins` of the training buyers (an item is never
 * split, so a very popular item makes its bin larger). Expected share of a bin: its share of
 * training buyers (distinct customer–item pairs). Actual share: its share of the recent
 * distinct shopper–item pairs. Items unknown to the model have no training share; they are
 * left out here and reported as their own figure. Empty shares are floored at 1e-4 so the
 * logarithm stays finite.
 *
 * PSI = Σ (actual − expected) · ln(actual / expected). Common reading: below 0.1 stable,
 * 0.1–0.25 some shift, above 0.25 a real shift. With n recent pairs, sampling alone gives
 * about (bins − 1) / n, reported as the noise floor.
 */
import { binsByTrainingMass } from '../training/baseline.ts';

/** The PSI and how it was made. */
export interface PopularityDrift {
  psi: number;
  /** What sampling noise alone gives on this many pairs (≈ (bins − 1) / n). */
  noiseFloor: number;
  pairs: number;
  bins: Array<{ items: number; expected: number; actual: number }>;
}

const floor = 1e-4;

/**
 * The PSI of `recentPairs` (per item number, distinct recent shopper–item pairs) against
 * `trainingBuyers` (per item number). Null when there are no recent pairs.
 */
export function popularityDrift(
  trainingBuyers: ArrayLike<number>,
  recentPairs: ArrayLike<number>,
  bins = 10,
): PopularityDrift | null {
  const binOf = binsByTrainingMass(trainingBuyers, bins);
  const expected = new Float64Array(bins);
  const actual = new Float64Array(bins);
  const items = new Int32Array(bins);
  let trainingTotal = 0;
  let recentTotal = 0;
  for (let i = 0; i < trainingBuyers.length; i++) {
    const b = binOf[i]!;
    expected[b] = expected[b]! + trainingBuyers[i]!;
    actual[b] = actual[b]! + (recentPairs[i] ?? 0);
    items[b] = items[b]! + 1;
    trainingTotal += trainingBuyers[i]!;
    recentTotal += recentPairs[i] ?? 0;
  }
  if (recentTotal === 0 || trainingTotal === 0) return null;
  let psi = 0;
  const rows: PopularityDrift['bins'] = [];
  for (let b = 0; b < bins; b++) {
    const e = Math.max(floor, expected[b]! / trainingTotal);
    const a = Math.max(floor, actual[b]! / recentTotal);
    psi += (a - e) * Math.log(a / e);
    rows.push({ items: items[b]!, expected: expected[b]! / trainingTotal, actual: actual[b]! / recentTotal });
  }
  return { psi, noiseFloor: (bins - 1) / recentTotal, pairs: recentTotal, bins: rows };
}
