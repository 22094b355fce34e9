import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Purchase } from '../../data/purchases.ts';
import { buildInteractions } from './interactions.ts';
import { confidenceRows, fitIals, gram, ialsRecommender, solveRows } from './ials.ts';

// Items y0 = (1, 0), y1 = (0, 1), y2 = (1, 1); one user bought y0 (confidence 3) and y2 (confidence 5); λ = 1.
// By hand: YᵀY = [[2, 1], [1, 2]], A = YᵀY + 2·y0y0ᵀ + 4·y2y2ᵀ + I = [[9, 5], [5, 7]] (det 38),
// b = 3·y0 + 5·y2 = (8, 5), so x = A⁻¹b = [[7, −5], [−5, 9]]·(8, 5) / 38 = (31/38, 5/38).
const y = Float64Array.of(1, 0, 0, 1, 1, 1);
const oneUser = { ptr: Int32Array.of(0, 2), index: Int32Array.of(0, 2), confidence: Float64Array.of(3, 5) };
const exact = [31 / 38, 5 / 38];

test('a row solve is the weighted ridge solution computed by hand', () => {
  const x = new Float64Array(2);
  solveRows(x, y, gram(y, 3, 2), oneUser, 2, 1, 2); // CG is exact in f = 2 steps
  assert.ok(Math.abs(x[0]! - exact[0]!) < 1e-12 && Math.abs(x[1]! - exact[1]!) < 1e-12, `${[...x]}`);
});

test('a warm-started row solve reaches the same solution', () => {
  const x = Float64Array.of(-4, 7);
  solveRows(x, y, gram(y, 3, 2), oneUser, 2, 1, 2);
  assert.ok(Math.abs(x[0]! - exact[0]!) < 1e-12 && Math.abs(x[1]! - exact[1]!) < 1e-12, `${[...x]}`);
});

// Two tastes, {10001, 10002, 10003} and {20001, 20002, 20003}; nobody crosses over.
const rows: [string, string][] = [];
for (const [user, taste] of [
  ['a1', '1'],
  ['a2', '1'],
  ['a3', '1'],
  ['b1', '2'],
  ['b2', '2'],
  ['b3', '2'],
] as const)
  for (const n of ['1', '2', '3']) if (!(user.endsWith('1') && n === '3')) rows.push([user, `${taste}000${n}`]);
const purchases: Purchase[] = rows.map(([customerId, stockCode], n) => ({
  invoice: `i${n}`,
  stockCode,
  description: '',
  quantity: 1,
  time: Date.UTC(2011, 0, 1 + n),
  unitPrice: 1,
  customerId,
  country: 'UK',
}));
const data = buildInteractions(purchases);
const params = { factors: 4, regularization: 0.1, alpha: 2, iterations: 15, cgSteps: 3, seed: 7 };
const cold = new Float32Array(data.itemIds.length).fill(0.5);

test('confidence is 1 + α·invoices, and the item rows hold the same cells as the user rows', () => {
  const { byUser, byItem } = confidenceRows(data, 2);
  assert.deepEqual(
    [...byUser.confidence],
    [...data.userBaskets].map((b) => 1 + 2 * b),
  );
  assert.equal(byItem.index.length, byUser.index.length);
  const cell = (u: number, i: number) => byUser.confidence[byUser.index.indexOf(i, byUser.ptr[u]!)]!;
  for (let i = 0; i < data.itemIds.length; i++)
    for (let e = byItem.ptr[i]!; e < byItem.ptr[i + 1]!; e++)
      assert.equal(byItem.confidence[e], cell(byItem.index[e]!, i));
});

test('a user missing one item of their taste gets it first', () => {
  const recommender = ialsRecommender(data, fitIals(data, params), params, cold);
  for (const [user, missing] of [
    ['a1', '10003'],
    ['b1', '20003'],
  ] as const) {
    const u = data.userIndex.get(user)!;
    const history = new Set(data.userItems.subarray(data.userPtr[u]!, data.userPtr[u + 1]!));
    const top = recommender.recommend({ user: u, k: 1, exclude: history })[0]!;
    assert.equal(data.itemIds[top.item], missing);
  }
});

test('an anonymous shopper is folded in from the context items, which are never returned', () => {
  const recommender = ialsRecommender(data, fitIals(data, params), params, cold);
  const context = [data.itemIndex.get('20001')!, data.itemIndex.get('20002')!];
  const ranked = recommender.recommend({ context, k: 1 }).map((s) => data.itemIds[s.item]);
  assert.deepEqual(ranked, ['20003']);
});

test('the same seed gives the same factors', () => {
  assert.deepEqual(fitIals(data, params).items, fitIals(data, params).items);
});
