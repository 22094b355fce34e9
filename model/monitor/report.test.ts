import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LoadedModel } from '../container/artifact.ts';
import type { Recommender } from '../recommenders/types.ts';
import type { StoredEvent } from '../../server/events/stored-line.ts';
import { popularityDrift } from './popularity-drift.ts';
import { createMonitorReport } from './report.ts';
import { renderTextfile } from './textfile.ts';

const DAY = 86_400_000;
const now = Date.parse('2026-06-30T00:00:00Z');
const itemIds = Array.from({ length: 20 }, (_, i) => `1000${i}`.slice(-5));
// Ten known customers; customer u bought items 0..(10 − u), so item 0 has the most buyers.
const userIds = Array.from({ length: 10 }, (_, u) => `c${u}`);
const userItems: number[] = [];
const userPtr = [0];
for (let u = 0; u < 10; u++) {
  for (let i = 0; i < 10 - u; i++) userItems.push(i);
  userPtr.push(userItems.length);
}
const model = {
  manifest: {
    modelVersion: 'm-1',
    algorithm: 'test',
    trainedAt: new Date(now - 40 * DAY).toISOString(),
    itemCount: 20,
  },
  parts: { userItems: Int32Array.from(userItems) },
  itemIndex: new Map(itemIds.map((id, i) => [id, i])),
  userIndex: new Map(userIds.map((id, u) => [id, u])),
} as unknown as LoadedModel;
// Recommends items 0..k−1 to everyone: the replay's NDCG is then known.
const recommender: Recommender = {
  name: 'top',
  recommend: ({ k }) => Array.from({ length: k }, (_, item) => ({ item, score: k - item })),
};
const options = { now, days: 7, replayWeeks: 4, driftTypes: ['purchase'], modelIdOf: (id: string) => id };
let n = 0;
const event = (fields: Partial<StoredEvent>): StoredEvent =>
  ({
    id: `evt-${String(n++).padStart(6, '0')}`,
    type: 'impression',
    placement: 'home',
    itemId: itemIds[0]!,
    ts: now - DAY,
    receivedAt: now - DAY,
    ...fields,
  }) as StoredEvent;

describe('the monitor report', () => {
  it('says "too little data" for every figure of an empty store, and writes no NaN', () => {
    const report = createMonitorReport(model, recommender, options).finish();
    for (const figure of [
      report.popularityDrift,
      report.coldStartShoppers,
      report.unknownItems,
      report.replayNdcgAt10,
      report.onlineLift,
    ]) {
      assert.equal(figure.status, 'too-little-data');
    }
    assert.equal(report.modelAgeDays.status, 'ok');
    assert.ok(report.modelAgeDays.status === 'ok' && Math.abs(report.modelAgeDays.value - 40) < 1e-9);
    const text = renderTextfile(report, now);
    assert.doesNotMatch(text, /NaN|Inf/);
    assert.match(text, /reco_monitor_figure_ok\{figure="online_lift"\} 0/);
    assert.match(text, /reco_monitor_model_age_days 40/);
    assert.doesNotMatch(text, /reco_monitor_popularity_psi /);
  });

  it('computes every figure from enough events', () => {
    const report = createMonitorReport(model, recommender, options);
    // 30 customers buy item 0 (10 known, 20 new): the replay, drift and cold-start figures.
    for (let c = 0; c < 30; c++) report.add(event({ type: 'purchase', userId: `c${c}`, itemId: itemIds[0]! }));
    // 100 of them also buy the least popular item: popularity shifts to the tail.
    for (let c = 0; c < 100; c++) report.add(event({ type: 'purchase', userId: `x${c}`, itemId: itemIds[19]! }));
    // An item the model does not know, and an event older than the window (ignored).
    report.add(event({ itemId: '99999', sessionId: 's-1', arm: 'model' }));
    report.add(event({ receivedAt: now - 30 * DAY, sessionId: 's-old', arm: 'model' }));
    for (let i = 0; i < 200; i++) {
      const arm = i % 2 === 0 ? 'model' : 'holdout';
      report.add(event({ sessionId: `s${i}`, arm, ...(arm === 'model' ? { variant: 'AllTraffic' } : {}) }));
      if (i % 10 === 0 || (arm === 'model' && i % 5 === 0))
        report.add(event({ type: 'click', sessionId: `s${i}`, arm }));
    }
    const r = report.finish();
    assert.equal(r.replayNdcgAt10.status, 'ok');
    if (r.replayNdcgAt10.status === 'ok') {
      // Everyone bought item 0 and got it first: NDCG@10 = 1 for the 30 buyers of item 0.
      assert.equal(r.replayNdcgAt10.shoppers, 130);
      assert.equal(r.replayNdcgAt10.knownShoppers, 10);
      assert.ok(Math.abs(r.replayNdcgAt10.ndcg.mean - 30 / 130) < 1e-9);
    }
    assert.equal(r.coldStartShoppers.status, 'ok');
    if (r.coldStartShoppers.status === 'ok') {
      assert.equal(r.coldStartShoppers.unknownCustomers, 120);
      assert.equal(r.coldStartShoppers.anonymous, 201);
    }
    assert.equal(r.unknownItems.status === 'ok' && r.unknownItems.unknown, 1);
    assert.equal(r.popularityDrift.status, 'ok');
    assert.ok(r.popularityDrift.status === 'ok' && r.popularityDrift.psi > 1, 'a shift to an unsold item is large');
    assert.equal(r.onlineLift.status, 'ok');
    if (r.onlineLift.status === 'ok') assert.ok(r.onlineLift.clickThrough!.difference > 0);
    const text = renderTextfile(r, now);
    assert.match(text, /reco_monitor_online_lift_click_through\{bound="low"\} -?\d/);
    assert.doesNotMatch(text, /NaN|Inf/);
  });
});

describe('the PSI', () => {
  it('is zero when recent popularity matches training, and grows with the shift', () => {
    const training = [40, 30, 20, 10];
    assert.ok(Math.abs(popularityDrift(training, [4, 3, 2, 1], 4)!.psi) < 1e-12);
    const shifted = popularityDrift(training, [1, 2, 3, 4], 4)!;
    // Σ (a − e) ln(a / e) over the four bins, by hand.
    const expected = [0.1 - 0.4, 0.2 - 0.3, 0.3 - 0.2, 0.4 - 0.1].reduce(
      (sum, d, i) => sum + d * Math.log([0.1, 0.2, 0.3, 0.4][i]! / [0.4, 0.3, 0.2, 0.1][i]!),
      0,
    );
    assert.ok(Math.abs(shifted.psi - expected) < 1e-12);
    assert.equal(popularityDrift(training, [0, 0, 0, 0], 4), null);
  });
});

describe('the monitor report by shopper', () => {
  it('writes the fixed-horizon verdict only once both arms reach the horizon', () => {
    const fixed = { ...options, byShopper: { since: now - 30 * DAY, horizonShoppers: 40, holdoutShare: 0.5 } };
    const report = createMonitorReport(model, recommender, fixed);
    // Model-arm shoppers click on 5 of 10 impressions, holdout ones on 1 of 10 (30 a side: short of the horizon).
    const shoppers = (from: number, to: number) => {
      for (let s = from; s < to; s++)
        for (const arm of ['model', 'holdout'] as const)
          for (let v = 0; v < 10; v++) {
            report.add(event({ sessionId: `${arm}-${s}`, arm, receivedAt: now - DAY + s }));
            if (v < (arm === 'model' ? 5 : 1)) report.add(event({ type: 'click', sessionId: `${arm}-${s}`, arm }));
          }
    };
    shoppers(0, 30);
    const early = renderTextfile(report.finish(), now);
    assert.doesNotMatch(early, /reco_monitor_experiment_verdict/, 'no verdict before the horizon');
    assert.match(early, /reco_monitor_experiment_sample_ratio_p 1\b/);
    shoppers(30, 60);
    assert.match(renderTextfile(report.finish(), now), /reco_monitor_experiment_verdict 1\b/);
  });
});
