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
