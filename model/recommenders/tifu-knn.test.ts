import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Purchase } from '../../data/purchases.ts';
import { buildInteractions } from './interactions.ts';
import { fitTifuKnn } from './tifu-knn.ts';

const buy = (customerId: string, stockCode: string, day: number): Purchase => ({
  invoice: `${customerId}-${day}`,
  stockCode,
  description: '',
  quantity: 1,
  time: Date.UTC(2011, 0, day),
  unitPrice: 1,
  customerId,
  country: 'UK',
});
// A and B share 1 and 2; B also buys 3. C buys only 4 and 5, many times.
const data = buildInteractions(
  [
    buy('A', '10001', 1),
    buy('A', '10002', 1),
    buy('B', '10001', 2),
    buy('B', '10002', 2),
    buy('B', '10003', 3),
    ...[1, 2, 3, 4].flatMap((d) => [buy('C', '10004', d), buy('C', '10005', d)]),
  ],
  Date.UTC(2011, 0, 10),
);
const item = (code: string) => data.itemIndex.get(code)!;
const popularity = Float32Array.from(data.itemBuyers, (b) => b / 3);

test("a customer's own items lead, then the nearest customers' items, never a stranger's first", () => {
  const model = fitTifuKnn(data, { neighbours: 1, alpha: 0.7, halfLifeDays: 365 }, popularity);
  const a = data.userIndex.get('A')!;
  const ranked = model.recommend({ user: a, k: 5 }).map((s) => data.itemIds[s.item]);
  assert.deepEqual(ranked.slice(0, 3).sort(), ['10001', '10002', '10003']);
  assert.equal(ranked[2], '10003'); // from B, A's only neighbour
  // Excluding A's own items (view new) leaves B's item first.
  const fresh = model.recommend({ user: a, k: 1, exclude: new Set([item('10001'), item('10002')]) });
  assert.equal(data.itemIds[fresh[0]!.item], '10003');
});

test('α = 1 is the customer alone; an anonymous shopper is the items in view, never sent back', () => {
  const alone = fitTifuKnn(data, { neighbours: 2, alpha: 1, halfLifeDays: 365 }, popularity);
  const a = data.userIndex.get('A')!;
  const top = alone.recommend({ user: a, k: 3 });
  assert.deepEqual(
    top
      .slice(0, 2)
      .map((s) => data.itemIds[s.item])
      .sort(),
    ['10001', '10002'],
  );
  assert.ok(top[2]!.score < 1e-3, 'the third is popularity filling');
  const mixed = fitTifuKnn(data, { neighbours: 2, alpha: 0.5, halfLifeDays: 365 }, popularity);
  const anonymous = mixed.recommend({ context: [item('10004')], k: 1 });
  assert.equal(data.itemIds[anonymous[0]!.item], '10005');
  // With nothing in view: popularity (10001 and 10002 have two buyers).
  assert.ok(['10001', '10002'].includes(data.itemIds[mixed.recommend({ k: 1 })[0]!.item]!));
});
