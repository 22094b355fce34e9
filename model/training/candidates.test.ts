import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Purchase } from '../../data/purchases.ts';
import { readArtifact, writeArtifact } from '../container/artifact.ts';
import { buildInteractions } from '../recommenders/interactions.ts';
import { blendRepeatScores, fitItemItemParts } from './candidates.ts';
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
