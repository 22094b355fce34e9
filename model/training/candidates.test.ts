import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Purchase } from '../../data/purchases.ts';
import { readArtifact, writeArtifact } from '../container/artifact.ts';
import { buildInteractions } from '../recommenders/interactions.ts';
import { itemItemRecommender } from '../recommenders/item-item.ts';
import { blendRepeatScores, fitItemItemParts, userRepeatWeights } from './candidates.ts';
import { defaultShipped, readShippedConfig } from './shipped-config.ts';

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
// A buys 10001 every 10 days (last on day 21) and 10002 every 3 days (last on day 7), equally often.
const data = buildInteractions(
  [1, 11, 21].map((d) => buy('A', '10001', d)).concat([1, 4, 7].map((d) => buy('A', '10002', d))),
  Date.UTC(2011, 0, 24),
);
const repeatOf = (scores: Float32Array, code: string) =>
  scores[[...data.userItems].indexOf(data.itemIndex.get(code)!)]!;

test('the repurchase cycle pushes down an item not yet due, and changes nothing at weight 0', () => {
  const plain = blendRepeatScores(data, Infinity);
  const cycled = blendRepeatScores(data, Infinity, { cycle: 1 });
  // 10001: 3 days since the last purchase of a 10-day cycle (0.3 due); 10002: 17 days of a 3-day cycle (due).
  assert.ok(Math.abs(repeatOf(cycled, '10001') - repeatOf(plain, '10001') * Math.sqrt(0.3)) < 1e-6);
  assert.ok(Math.abs(repeatOf(cycled, '10002') - repeatOf(plain, '10002')) < 1e-6);
  assert.deepEqual(blendRepeatScores(data, Infinity, { cycle: 0 }), plain);
});

test("the blend's levers reach the artifact: the trend prior round-trips, the parameters are read back", () => {
  const dir = mkdtempSync(join(tmpdir(), 'reco-levers-'));
  try {
    const params = { ...defaultShipped.params, topItems: 2, lambda: 1, cycle: 0.5, trend: 0.05, knnMix: 0.5 };
    const parts = fitItemItemParts(data, 'ease+buy-again', params);
    assert.equal(parts.trendWeight, 0.05);
    writeArtifact(join(dir, 'model'), {
      parts,
      itemIds: data.itemIds,
      userIds: data.userIds,
      trainedUntil: 'all',
      params: {},
    });
    assert.equal(readArtifact(join(dir, 'model')).parts.trendWeight, 0.05);
    assert.equal(fitItemItemParts(data, 'ease+buy-again', defaultShipped.params).trendWeight, undefined);
    const report = join(dir, 'evaluation.json');
    writeFileSync(report, JSON.stringify({ shipped: 'ease+buy-again', params }));
    assert.deepEqual(readShippedConfig(report).params, params);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the per-customer weight: a customer who re-orders more gets more buy-again, and it reaches the artifact', () => {
  // A re-orders (6 invoices over 2 items); B buys 3 items once each.
  const shop = buildInteractions(
    [...[1, 11, 21].map((d) => buy('A', '10001', d)), ...[1, 4, 7].map((d) => buy('A', '10002', d))].concat(
      ['10001', '10002', '10003'].map((code, d) => buy('B', code, d + 1)),
    ),
    Date.UTC(2011, 0, 24),
  );
  const [a, b] = ['A', 'B'].map((id) => shop.userIndex.get(id)!);
  const weights = userRepeatWeights(shop, 0.5, 1);
  // Shares: A 4/6, B 0; mean 1/3.
  assert.ok(Math.abs(weights[a!]! - (0.5 + 1 / 3)) < 1e-6 && Math.abs(weights[b!]! - (0.5 - 1 / 3)) < 1e-6);
  const dir = mkdtempSync(join(tmpdir(), 'reco-levers-'));
  try {
    const params = { ...defaultShipped.params, topItems: 3, lambda: 1, repeatWeight: 0.5, repeatShift: 1 };
    const parts = fitItemItemParts(shop, 'ease+buy-again', params);
    writeArtifact(dir, { parts, itemIds: shop.itemIds, userIds: shop.userIds, trainedUntil: 'all', params: {} });
    assert.deepEqual(readArtifact(dir).parts.userRepeatWeight, weights);
    const without = join(dir, 'without');
    writeArtifact(without, {
      parts: fitItemItemParts(shop, 'ease+buy-again', { ...params, repeatShift: 0 }),
      itemIds: shop.itemIds,
      userIds: shop.userIds,
      trainedUntil: 'all',
      params: {},
    });
    assert.equal(readArtifact(without).parts.userRepeatWeight, undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the nearest customers part: their items come up, and the container scores it as evaluation does', () => {
  // A and B share 10001 and 10002; B also bought 10003, which nothing else links to A.
  const shop = buildInteractions(
    [
      buy('A', '10001', 1),
      buy('A', '10002', 1),
      buy('B', '10001', 2),
      buy('B', '10002', 2),
      buy('B', '10003', 3),
    ].concat([buy('C', '10004', 4), buy('C', '10005', 4)]),
    Date.UTC(2011, 0, 24),
  );
  const a = shop.userIndex.get('A')!;
  const params = { ...defaultShipped.params, topItems: 2, lambda: 1, repeatWeight: 0.5 }; // the matrix omits 10003
  const third = (parts: ReturnType<typeof fitItemItemParts>) =>
    itemItemRecommender(parts).recommend({ user: a, k: 3 })[2]!;
  const plain = fitItemItemParts(shop, 'ease+buy-again', params);
  const withNeighbours = fitItemItemParts(shop, 'ease+buy-again', { ...params, neighbourWeight: 0.4 });
  assert.ok(third(plain).score < 1e-3, 'without the part, the third item is popularity filling');
  assert.equal(shop.itemIds[third(withNeighbours).item], '10003');
  assert.ok(third(withNeighbours).score > 0.1);
  // Restricted to the customer's own items, the neighbours re-rank those and bring nothing new.
  const ownOnly = fitItemItemParts(shop, 'ease+buy-again', { ...params, neighbourWeight: 0.4, neighbourOwn: 1 });
  assert.ok(third(ownOnly).score < 1e-3);
  const dir = mkdtempSync(join(tmpdir(), 'reco-levers-'));
  try {
    writeArtifact(dir, {
      parts: withNeighbours,
      itemIds: shop.itemIds,
      userIds: shop.userIds,
      trainedUntil: 'all',
      params: {},
    });
    const served = readArtifact(dir).parts;
    assert.equal(served.neighbourWeight, 0.4);
    const ownDir = join(dir, 'own');
    writeArtifact(ownDir, {
      parts: ownOnly,
      itemIds: shop.itemIds,
      userIds: shop.userIds,
      trainedUntil: 'all',
      params: {},
    });
    assert.equal(readArtifact(ownDir).parts.neighbourOwnOnly, true);
    // The container finds each customer's neighbours at start-up: the same lists as per request.
    for (let user = 0; user < shop.userIds.length; user++)
      assert.deepEqual(
        itemItemRecommender(served, { precomputeUsers: true }).recommend({ user, k: 5 }),
        itemItemRecommender(withNeighbours).recommend({ user, k: 5 }),
      );
    assert.deepEqual(
      itemItemRecommender(served).recommend({ user: a, k: 5 }),
      itemItemRecommender(withNeighbours).recommend({ user: a, k: 5 }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
