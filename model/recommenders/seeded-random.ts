/**
 * A small seeded PRNG (mulberry32), for reproducible model fits, bootstrap resamples and
 * tests that replay exactly. It lives here, not in workshop/test-support/, because the serving image
 * ships `model/recommenders/` (iALS uses it) and not the test support.
 */

/** A generator of uniform numbers in [0, 1) that replays exactly for the same seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
