/**
 * The experiment by shopper: intervals over shoppers (not impressions), the sample-ratio check, and a
 * fixed horizon whose verdict later runs cannot change.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seeded } from '../recommenders/seeded-random.ts';
import { type ShopperEvent, shopperExperiment } from './experiment.ts';
import { ratioOverShoppers, sampleRatio, srmAlpha, wilsonInterval } from './proportions.ts';

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < tolerance, `${what}: ${actual}, expected ${expected}`);

/** Shoppers of one arm: each sees `views` impressions and clicks each with their own propensity. */
function shoppers(arm: 'model' | 'holdout', count: number, clickRate: number, seed: number, from = 0): ShopperEvent[] {
  const next = seeded(seed);
  const events: ShopperEvent[] = [];
  for (let s = 0; s < count; s++) {
    const shopper = `${arm}-${from + s}`;
    const at = (from + s) * 1000;
    // Heavy and light shoppers; a shopper's own propensity around the arm's rate (so impressions are clustered).
    const views = 1 + Math.floor(next() * 30);
    const own = Math.min(1, clickRate * 2 * next());
    for (let v = 0; v < views; v++) {
      events.push({ shopper, arm, type: 'impression', at: at + v });
      if (next() < own) events.push({ shopper, arm, type: 'click', at: at + v });
    }
    if (next() < 0.2) events.push({ shopper, arm, type: 'purchase', at: at + views, revenue: 10 + next() * 20 });
  }
  return events;
}

describe('the sample-ratio check', () => {
  it('gives χ² p-values that match the table (3.841 → 0.05, 10.83 → 0.001)', () => {
    // 1000 shoppers, 10 % expected held out: χ² = (h − 100)² / 90.
    const at05 = sampleRatio(1000 - 100 - Math.sqrt(3.841 * 90), 100 + Math.sqrt(3.841 * 90), 0.1)!;
    close(at05.pValue, 0.05, 2e-4, 'p at χ² 3.841');
    const at001 = sampleRatio(1000 - 100 - Math.sqrt(10.828 * 90), 100 + Math.sqrt(10.828 * 90), 0.1)!;
    close(at001.pValue, 0.001, 2e-5, 'p at χ² 10.83');
  });

  it('flags a split that is off, not one that is on', () => {
    assert.equal(sampleRatio(9000, 1000, 0.1)!.mismatch, false);
    const broken = sampleRatio(9000, 850, 0.1)!;
    assert.ok(broken.pValue < srmAlpha, `p ${broken.pValue}`);
    assert.equal(broken.mismatch, true);
    assert.equal(sampleRatio(10, 0, 0), null, 'no holdout configured: nothing to check');
  });
});

describe('rates over shoppers', () => {
  it('are wider than the per-impression interval when shoppers differ', () => {
    const events = shoppers('model', 400, 0.1, 7);
    const byShopper = new Map<string, { clicks: number; impressions: number }>();
    for (const e of events) {
      const t = byShopper.get(e.shopper) ?? { clicks: 0, impressions: 0 };
      if (e.type === 'click') t.clicks++;
      if (e.type === 'impression') t.impressions++;
      byShopper.set(e.shopper, t);
    }
    const totals = [...byShopper.values()];
    const ratio = ratioOverShoppers(
      totals.map((t) => t.clicks),
      totals.map((t) => t.impressions),
    )!;
    const clicks = totals.reduce((a, t) => a + t.clicks, 0);
    const impressions = totals.reduce((a, t) => a + t.impressions, 0);
    const naive = wilsonInterval(clicks, impressions)!;
    close(ratio.estimate, naive.rate, 1e-12, 'the same point estimate');
    assert.ok(
      ratio.high - ratio.low > 1.3 * (naive.high - naive.low),
      `over shoppers ${ratio.high - ratio.low}, per impression ${naive.high - naive.low}`,
    );
  });
});

describe('the fixed horizon', () => {
  it('says running before both arms reach it, and the same verdict on every later run', () => {
    const experiment = shopperExperiment();
    for (const e of [...shoppers('model', 150, 0.2, 1), ...shoppers('holdout', 150, 0.1, 2)]) experiment.add(e);
    const early = experiment.finish({ expectedHoldoutShare: 0.5, horizonShoppers: 300 });
    assert.equal(early.horizon.verdict, 'running', 'a clear difference, but the horizon is not reached');
    for (const e of [...shoppers('model', 150, 0.2, 3, 150), ...shoppers('holdout', 150, 0.1, 4, 150)])
      experiment.add(e);
    const atHorizon = experiment.finish({ expectedHoldoutShare: 0.5, horizonShoppers: 300 });
    assert.equal(atHorizon.horizon.verdict, 'better');
    assert.equal(atHorizon.rows[0]!.shoppers, 300);
    // Later shoppers (the model arm doing badly now) do not move the decided comparison.
    for (const e of [...shoppers('model', 300, 0.01, 5, 300), ...shoppers('holdout', 300, 0.3, 6, 300)])
      experiment.add(e);
    const later = experiment.finish({ expectedHoldoutShare: 0.5, horizonShoppers: 300 });
    assert.deepEqual(later.lift, atHorizon.lift);
    assert.equal(later.horizon.verdict, 'better');
    assert.ok(later.lift.revenuePerShopper, 'revenue per shopper is compared');
    assert.equal(later.sampleRatio!.mismatch, false);
  });
});
