import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Purchase } from '../../data/purchases.ts';
import { fitItemItemParts } from '../training/candidates.ts';
import { buildInteractions } from './interactions.ts';
import { itemItemRecommender } from './item-item.ts';

// Two tastes: {10001, 10002, 10003} and {20001, 20002}; 10001 is the best seller.
const rows: [string, string][] = [
  ['u1', '10001'],
  ['u1', '10002'],
  ['u1', '10003'],
  ['u2', '10001'],
  ['u2', '10002'],
  ['u2', '10003'],
  ['u3', '10001'],
  ['u3', '10002'],
  ['u4', '20001'],
  ['u4', '20002'],
  ['u4', '10001'],
  ['u5', '20001'],
  ['u5', '20002'],
  ['u6', '10001'],
];
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
const params = {
  halfLifeDays: 90,
  neighbours: 10,
  lambda: 1,
  topItems: 100,
  repeatWeight: 0.5,
  blendHalfLifeDays: 90,
  historyCap: 250,
};
const item = (id: string) => data.itemIndex.get(id)!;
const id = (i: number) => data.itemIds[i]!;

test('ease completes a basket from its co-purchases and never returns the context items', () => {
  const recommender = itemItemRecommender(fitItemItemParts(data, 'ease', params));
  const ranked = recommender.recommend({ context: [item('10001'), item('10002')], k: 2 }).map((s) => id(s.item));
  assert.equal(ranked[0], '10003');
  assert.ok(!ranked.includes('10001') && !ranked.includes('10002'));
});

test('a cold start gets the best sellers, and exclude is honoured', () => {
  const recommender = itemItemRecommender(fitItemItemParts(data, 'ease', params));
  assert.equal(id(recommender.recommend({ k: 1 })[0]!.item), '10001');
  const ranked = recommender.recommend({ k: 10, exclude: new Set([item('10001')]) }).map((s) => id(s.item));
  assert.equal(ranked.length, data.itemIds.length - 1);
  assert.ok(!ranked.includes('10001'));
});

test("the buy-again blend ranks the user's own items first; pure ease does not have to", () => {
  const blend = itemItemRecommender(fitItemItemParts(data, 'ease+buy-again', { ...params, repeatWeight: 0.9 }));
  const u5 = data.userIndex.get('u5')!;
  assert.deepEqual(new Set(blend.recommend({ user: u5, k: 2 }).map((s) => id(s.item))), new Set(['20001', '20002']));
});

test('precomputed user rows rank exactly as summing them per request does', () => {
  const parts = fitItemItemParts(data, 'ease+buy-again', params);
  const live = itemItemRecommender(parts);
  const precomputed = itemItemRecommender(parts, { precomputeUsers: true });
  for (let user = 0; user < data.userIds.length; user++) {
    const query = { user, context: [item('20001')], k: 5 };
    assert.deepEqual(
      precomputed.recommend(query).map((s) => s.item),
      live.recommend(query).map((s) => s.item),
    );
  }
});

test("a known customer's list follows the context items when there are some", () => {
  const recommender = itemItemRecommender(fitItemItemParts(data, 'ease+buy-again', params));
  const u1 = data.userIndex.get('u1')!;
  const alone = recommender.recommend({ user: u1, k: 2 }).map((s) => id(s.item));
  assert.ok(
    alone.every((i) => i.startsWith('1')),
    `u1 alone gets their own taste: ${alone}`,
  );
  const withContext = recommender.recommend({ user: u1, context: [item('20001')], k: 1 }).map((s) => id(s.item));
  assert.deepEqual(withContext, ['20002']);
});

test("a customer's own buy-again weight replaces the model's: 1 keeps only their items, 0 only the matrix", () => {
  const parts = fitItemItemParts(data, 'ease+buy-again', params);
  const u3 = data.userIndex.get('u3')!; // bought 10001 and 10002
  const weights = new Float32Array(data.userIds.length).fill(0.5);
  const ranked = (w: number) => {
    weights[u3] = w;
    const model = itemItemRecommender({ ...parts, userRepeatWeight: weights });
    return model.recommend({ user: u3, k: 3 }).map((s) => [id(s.item), s.score] as const);
  };
  const repeatOnly = ranked(1);
  assert.deepEqual(new Set(repeatOnly.slice(0, 2).map(([i]) => i)), new Set(['10001', '10002']));
  assert.ok(repeatOnly[2]![1] < 1e-3, 'the third item is only popularity');
  // Weight 0: the matrix alone, as plain EASE ranks it.
  const ease = itemItemRecommender(fitItemItemParts(data, 'ease', params));
  assert.deepEqual(
    ranked(0).map(([i]) => i),
    ease.recommend({ user: u3, k: 3 }).map((s) => id(s.item)),
  );
  assert.notDeepEqual(
    ranked(0).map(([i]) => i),
    repeatOnly.map(([i]) => i),
  );
});
