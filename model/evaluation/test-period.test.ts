import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Purchase } from '../../data/purchases.ts';
import { seeded } from '../recommenders/seeded-random.ts';
import { defaultShipped } from '../training/shipped-config.ts';
import { views } from './evaluate-recommender.ts';
import { evaluateTestPeriod } from './test-period.ts';

// 60 customers over two tastes of 8 items, buying through January and February; half of the
// February buyers are new customers.
const random = seeded(42);
const purchases: Purchase[] = [];
for (let c = 0; c < 60; c++) {
  const taste = c % 2;
  const firstMonth = c < 45 ? 0 : 1;
  for (let invoice = 0; invoice < 4; invoice++) {
    const month = invoice < 2 ? firstMonth : 1;
    for (let i = 0; i < 8; i++)
      if (random() < 0.35)
        purchases.push({
          invoice: `c${c}-${invoice}`,
          stockCode: String(10000 + taste * 100 + (random() < 0.9 ? i : (i + 3) % 8)),
          description: '',
          quantity: 1,
          time: Date.UTC(2011, month, 2 + invoice * 6 + c / 10),
          unitPrice: 1,
          customerId: `c${c}`,
          country: 'UK',
        });
  }
}
const params = { ...defaultShipped.params, topItems: 50 };
const tuned = {
  shipped: 'ease+buy-again' as const,
  params: {
    popularity: params,
    'popularity-30d': params,
    'buy-again': params,
    'item-knn': { ...params, neighbours: 5 },
    ease: { ...params, lambda: 10 },
    'ease+buy-again': { ...params, lambda: 10 },
  },
  ials: { factors: 4, regularization: 1, alpha: 2, iterations: 5, cgSteps: 3, seed: 1 },
};
const report = evaluateTestPeriod(purchases, Date.UTC(2011, 1, 1), Date.UTC(2011, 2, 1), tuned, {
  resamples: 200,
  seed: 1,
  level: 0.95,
});

test('every model is compared with the shipped one on the same customers, the shipped one with none', () => {
  for (const row of report.models) {
    if (row.name === tuned.shipped) assert.equal(row.vsShipped, null);
    else {
      const d = row.vsShipped!;
      assert.ok(d.low <= d.difference + 1e-12 && d.difference <= d.high + 1e-12, `${row.name}/${row.view}`);
      const shipped = report.models.find((r) => r.name === tuned.shipped && r.view === row.view)!;
      assert.ok(Math.abs(d.difference - (row['ndcg@10'] - shipped['ndcg@10'])) < 1e-12);
      assert.equal(row.users, shipped.users);
    }
  }
  assert.deepEqual(
    report.models.filter((r) => r.name === 'buy-again').map((r) => r.view),
    ['all'],
  );
});

test("each view's margin is against the best other model there", () => {
  assert.deepEqual(
    report.margins.map((m) => m.view),
    [...views],
  );
  for (const margin of report.margins) {
    const others = report.models.filter((r) => r.view === margin.view && r.name !== tuned.shipped);
    assert.equal(margin.bestOtherNdcg, Math.max(...others.map((r) => r['ndcg@10'])));
    assert.ok(Math.abs(margin.relative - (margin.shippedNdcg / margin.bestOtherNdcg - 1)) < 1e-12);
  }
  assert.ok(report.customers.all > 0 && report.customers.cold > 0, JSON.stringify(report.customers));
});
