import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summariseExperiment } from './experiment.ts';
import { rateDifference, wilsonInterval } from './proportions.ts';

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 5e-4, `${what}: ${actual}, expected ${expected}`);

describe('Wilson intervals', () => {
  it('match the published values (Newcombe 1998, table I)', () => {
    // 81 of 263: 0.2553 … 0.3662; 15 of 148: 0.0624 … 0.1605.
    const a = wilsonInterval(81, 263)!;
    close(a.low, 0.2553, 'low');
    close(a.high, 0.3662, 'high');
    const b = wilsonInterval(15, 148)!;
    close(b.low, 0.0624, 'low');
    close(b.high, 0.1605, 'high');
  });

  it('stay inside [0, 1] at none and all, and say null for no trials', () => {
    const none = wilsonInterval(0, 10)!;
    assert.equal(none.low, 0);
    assert.ok(none.high > 0.2 && none.high < 0.35);
    const all = wilsonInterval(12, 10)!;
    assert.equal(all.rate, 1);
    assert.equal(all.high, 1);
    assert.equal(wilsonInterval(3, 0), null);
  });
});

describe("Newcombe's difference", () => {
  it('matches the published example (56/70 − 48/80: 0.0524 … 0.3339)', () => {
    const d = rateDifference(wilsonInterval(56, 70), wilsonInterval(48, 80))!;
    close(d.difference, 0.2, 'difference');
    close(d.low, 0.0524, 'low');
    close(d.high, 0.3339, 'high');
  });

  it('is null while either side has no trials', () => {
    assert.equal(rateDifference(wilsonInterval(1, 10), null), null);
  });
});

describe('the experiment summary', () => {
  it('compares the model arm (all its variants) with the holdout', () => {
    const summary = summariseExperiment([
      { arm: 'model', variant: 'model-a', type: 'impression', count: 600 },
      { arm: 'model', variant: 'model-a', type: 'click', count: 60 },
      { arm: 'model', variant: 'model-b', type: 'impression', count: 400 },
      { arm: 'model', variant: 'model-b', type: 'click', count: 20 },
      { arm: 'model', variant: 'model-b', type: 'add_to_cart', count: 8 },
      { arm: 'holdout', variant: 'none', type: 'impression', count: 100 },
      { arm: 'holdout', variant: 'none', type: 'click', count: 5 },
      { arm: 'unknown', variant: 'none', type: 'click', count: 1000 },
    ]);
    assert.deepEqual(
      summary.rows.map((r) => [r.arm, r.variant, r.impressions, r.clicks, r.addToCarts]),
      [
        ['model', null, 1000, 80, 8],
        ['model', 'model-a', 600, 60, 0],
        ['model', 'model-b', 400, 20, 8],
        ['holdout', null, 100, 5, 0],
      ],
    );
    close(summary.lift.clickThrough!.difference, 0.03, 'lift');
    assert.ok(summary.lift.clickThrough!.low < 0 && summary.lift.clickThrough!.high > 0.03);
  });

  it('has no lift while the holdout has no impressions', () => {
    const summary = summariseExperiment([{ arm: 'model', variant: 'v', type: 'impression', count: 5 }]);
    assert.equal(summary.lift.clickThrough, null);
    assert.equal(summary.rows.find((r) => r.arm === 'holdout')!.clickThrough, null);
  });
});
