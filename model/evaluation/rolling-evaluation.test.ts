import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Purchase } from '../../data/purchases.ts';
import { seeded } from '../recommenders/seeded-random.ts';
import type { ModelSpec } from '../training/candidates.ts';
import { defaultShipped } from '../training/shipped-config.ts';
import { views } from './evaluate-recommender.ts';
import { type Entry, evaluateRolling, monthlyCutoffs } from './rolling-evaluation.ts';

// 80 customers over two tastes of 8 items, buying from January to April; some arrive later.
const random = seeded(42);
const purchases: Purchase[] = [];
for (let c = 0; c < 80; c++) {
  const taste = c % 2;
  const firstMonth = c % 4;
  for (let invoice = 0; invoice < 6; invoice++) {
    const month = Math.min(3, firstMonth + Math.floor(invoice / 2));
    for (let i = 0; i < 8; i++)
      if (random() < 0.35)
        purchases.push({
          invoice: `c${c}-${invoice}`,
          stockCode: String(10000 + taste * 100 + (random() < 0.9 ? i : (i + 3) % 8)),
          description: '',
          quantity: 1,
          time: Date.UTC(2011, month, 2 + (invoice % 2) * 12 + c / 10),
          unitPrice: 1,
          customerId: `c${c}`,
          country: 'UK',
        });
  }
}
const params = { ...defaultShipped.params, topItems: 50, lambda: 10 };
const spec = (name: ModelSpec['name'], more: Partial<typeof params> = {}): ModelSpec => ({
  name,
  params: { ...params, ...more },
});
const entries: Entry[] = [
  { name: 'popularity', specIn: () => spec('popularity') },
  { name: 'buy-again', specIn: (v) => (v === 'all' || v === 'served' ? spec('buy-again') : undefined) },
  { name: 'ease', specIn: () => spec('ease') },
  { name: 'ease+buy-again', specIn: () => spec('ease+buy-again') },
  { name: 'no repeat part', specIn: () => spec('ease+buy-again', { repeatWeight: 0 }), ablation: true },
];
const cutoffs = monthlyCutoffs('2011-02', '2011-03');
const end = Date.UTC(2011, 4, 1);
const options = { bootstrap: { resamples: 200, seed: 1, level: 0.95 }, designSeenFrom: Date.UTC(2011, 2, 1) };
const report = evaluateRolling(purchases, cutoffs, end, entries, 'ease+buy-again', options);

test('monthly cut-offs are the first of each month, both ends included', () => {
  assert.deepEqual(monthlyCutoffs('2011-11', '2012-01'), [
    Date.UTC(2011, 10, 1),
    Date.UTC(2011, 11, 1),
    Date.UTC(2012, 0, 1),
  ]);
  assert.throws(() => monthlyCutoffs('2011-06', '2011-05'), /cut-off/);
});

test('each cut-off tests the month up to the next; the pooled row counts every cut-off', () => {
  assert.deepEqual(
    report.cutoffs.map((c) => [c.trainBefore, c.testBefore, c.designSeen]),
    [
      ['2011-02-01', '2011-03-01', false],
      ['2011-03-01', '2011-05-01', true],
    ],
  );
  for (const row of report.models) {
    const perCutoff = report.cutoffs.map((c) => c.customers[row.view]);
    assert.equal(row.users, perCutoff[0]! + perCutoff[1]!, `${row.name}/${row.view}`);
    assert.equal(row.perCutoff.length, 2);
  }
  assert.ok(report.cutoffs.every((c) => c.customers.all > 0 && c.customers.served > 0));
});

test('every row is compared with the shipped one on the same targets; ablation rows stay out of the margins', () => {
  for (const row of [...report.models, ...report.ablation]) {
    const shipped = report.models.find((r) => r.name === 'ease+buy-again' && r.view === row.view)!;
    if (row === shipped) assert.equal(row.vsShipped, null);
    else assert.ok(Math.abs(row.vsShipped!.difference - (row['ndcg@10'] - shipped['ndcg@10'])) < 1e-9);
  }
  assert.deepEqual(
    report.models.filter((r) => r.name === 'buy-again').map((r) => r.view),
    ['all', 'served'],
  );
  assert.deepEqual(
    report.ablation.map((r) => r.view),
    [...views],
  );
  for (const margin of report.margins) {
    assert.notEqual(margin.bestOther, 'no repeat part');
    const others = report.models.filter((r) => r.view === margin.view && r.name !== 'ease+buy-again');
    if (margin.scope === 'all') assert.equal(margin.bestOtherNdcg, Math.max(...others.map((r) => r['ndcg@10'])));
  }
  assert.deepEqual([...new Set(report.margins.map((m) => m.scope))], ['all', 'unseen']);
});

test('a second run with the cache fits nothing and gives the same report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'score-cache-'));
  try {
    const lines: string[] = [];
    const first = evaluateRolling(purchases, cutoffs, end, entries, 'ease+buy-again', { ...options, cacheDir: dir });
    const again = evaluateRolling(purchases, cutoffs, end, entries, 'ease+buy-again', {
      ...options,
      cacheDir: dir,
      log: (line) => lines.push(line),
    });
    assert.equal(readdirSync(dir).length, 2); // one folder per cut-off
    assert.deepEqual(
      lines.filter((l) => l.includes('fitted')),
      [],
    );
    assert.deepEqual(again.models, first.models);
    assert.deepEqual(first.models, report.models);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
