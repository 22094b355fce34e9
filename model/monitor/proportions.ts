/**
 * Intervals for rates of the form "x of n" (click-through, add-to-cart per impression), and
 * for the difference of two such rates (the lift of one arm over another).
 *
 * They treat each impression as an independent trial. Impressions of one shopper are not
 * independent, so the intervals are somewhat too narrow for shoppers who see many shelves;
 * they still order arms correctly and never show an impossible rate.
 */

/** z for a two-sided 95 % interval. */
export const z95 = 1.959963984540054;

/** A rate with its interval; `low ≤ rate ≤ high`, all in [0, 1]. */
export interface RateInterval {
  successes: number;
  trials: number;
  rate: number;
  low: number;
  high: number;
}

/** A difference of two rates (a − b) with its interval, in [−1, 1]. */
export interface DifferenceInterval {
  difference: number;
  low: number;
  high: number;
}

/**
 * Wilson's score interval for `successes` of `trials`; null when there are no trials. Unlike
 * the normal ("Wald") interval it stays inside [0, 1] and is usable at 0 or all successes.
 * More successes than trials (a click whose impression was never reported) count as all.
 */
export function wilsonInterval(successes: number, trials: number, z = z95): RateInterval | null {
  if (!(trials > 0)) return null;
  const x = Math.min(Math.max(successes, 0), trials);
  const p = x / trials;
  const z2 = z * z;
  const centre = (p + z2 / (2 * trials)) / (1 + z2 / trials);
  const half = (z / (1 + z2 / trials)) * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials)) || 0;
  return {
    successes: x,
    trials,
    rate: p,
    // Exactly 0 and 1 at the ends (they are, in exact arithmetic; rounding would leave 1e-17).
    low: x === 0 ? 0 : Math.max(0, centre - half),
    high: x === trials ? 1 : Math.min(1, centre + half),
  };
}

/**
 * Newcombe's hybrid score interval (his method 10) for the difference of two independent
 * rates, built from their Wilson intervals; null when either has no trials.
 */
export function rateDifference(a: RateInterval | null, b: RateInterval | null): DifferenceInterval | null {
  if (!a || !b) return null;
  const difference = a.rate - b.rate;
  return {
    difference,
    low: difference - Math.sqrt((a.rate - a.low) ** 2 + (b.high - b.rate) ** 2),
    high: difference + Math.sqrt((a.high - a.rate) ** 2 + (b.rate - b.low) ** 2),
  };
}

/**
 * Rates by shopper. Shoppers are the randomised unit, so an interval is over shoppers: a shopper who
 * sees forty shelves is one draw, not forty. A rate "per impression" (click-through) is a ratio of two
 * per-shopper sums; its variance comes from the delta method over shoppers (Deng et al., "Applying the
 * Delta Method in Metric Analytics", 2018), as a cluster-robust interval would give.
 */

/** An estimate with its standard error and 95 % interval (normal: the arms hold hundreds of shoppers). */
export interface Estimate {
  estimate: number;
  standardError: number;
  low: number;
  high: number;
}

const withBounds = (estimate: number, standardError: number, z = z95): Estimate => ({
  estimate,
  standardError,
  low: estimate - z * standardError,
  high: estimate + z * standardError,
});

/** The mean of per-shopper values (purchases, revenue per shopper) with its interval; null below two shoppers. */
export function meanOverShoppers(values: readonly number[]): Estimate | null {
  const n = values.length;
  if (n < 2) return null;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1);
  return withBounds(mean, Math.sqrt(variance / n));
}

/** Σ numerator / Σ denominator over shoppers (clicks per impression) by the delta method; null without data. */
export function ratioOverShoppers(numerators: readonly number[], denominators: readonly number[]): Estimate | null {
  const n = numerators.length;
  const sumY = denominators.reduce((a, b) => a + b, 0);
  if (n < 2 || !(sumY > 0)) return null;
  const ratio = numerators.reduce((a, b) => a + b, 0) / sumY;
  const meanY = sumY / n;
  // Var(R) ≈ Var(x − R·y) / (n · ȳ²), with the residuals' sample variance (their mean is 0 by construction).
  let residuals = 0;
  for (let i = 0; i < n; i++) residuals += (numerators[i]! - ratio * denominators[i]!) ** 2;
  return withBounds(ratio, Math.sqrt(residuals / (n - 1) / (n * meanY * meanY)));
}

/** a − b of two independent estimates (two arms), with Welch's normal interval. */
export function estimateDifference(a: Estimate | null, b: Estimate | null): Estimate | null {
  if (!a || !b) return null;
  return withBounds(a.estimate - b.estimate, Math.sqrt(a.standardError ** 2 + b.standardError ** 2));
}

/** The complementary error function (Numerical Recipes' `erfcc`, fractional error below 1.2e-7). */
function erfc(x: number): number {
  const t = 1 / (1 + 0.5 * Math.abs(x));
  const tau =
    t *
    Math.exp(
      -x * x -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? tau : 2 - tau;
}

/** The sample-ratio check: shoppers per arm against the configured holdout share (χ² with one degree of freedom). */
export interface SampleRatio {
  shoppers: { model: number; holdout: number };
  expectedHoldoutShare: number;
  observedHoldoutShare: number;
  chiSquare: number;
  pValue: number;
  /** p below `srmAlpha`: the assignment or the logging is broken, and no comparison of the arms can be trusted. */
  mismatch: boolean;
}

/** The p-value below which the arms' sizes are called a mismatch (the usual guard; it is not the test's α). */
export const srmAlpha = 0.001;

/** Checks the arms' shopper counts against `expectedHoldoutShare` (0 < share < 1); null when it cannot be told. */
export function sampleRatio(model: number, holdout: number, expectedHoldoutShare: number): SampleRatio | null {
  const total = model + holdout;
  if (total === 0 || !(expectedHoldoutShare > 0 && expectedHoldoutShare < 1)) return null;
  const expectHoldout = total * expectedHoldoutShare;
  const expectModel = total - expectHoldout;
  const chiSquare = (holdout - expectHoldout) ** 2 / expectHoldout + (model - expectModel) ** 2 / expectModel;
  // χ² with one degree of freedom: P(X > c) = erfc(√(c / 2)).
  const pValue = erfc(Math.sqrt(chiSquare / 2));
  return {
    shoppers: { model, holdout },
    expectedHoldoutShare,
    observedHoldoutShare: holdout / total,
    chiSquare,
    pValue,
    mismatch: pValue < srmAlpha,
  };
}
