import assert from 'node:assert/strict';
import { test } from 'node:test';
import { averagePrecisionAt, hitAt, ndcgAt, recallAt } from './metrics.ts';

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≉ ${expected}`);

test('NDCG@k divides the DCG of the hits by the DCG of an ideal list', () => {
  // hits at ranks 1 and 3 of [1,2,3], 2 relevant: (1 + 1/log2 4) / (1 + 1/log2 3)
  close(ndcgAt([1, 2, 3], new Set([1, 3]), 10), (1 + 0.5) / (1 + 1 / Math.log2(3)));
  close(ndcgAt([5, 6], new Set([1]), 10), 0);
  close(ndcgAt([1], new Set([1]), 10), 1);
});

test('NDCG@k ignores hits below k and caps the ideal at k hits', () => {
  close(ndcgAt([9, 1], new Set([1]), 1), 0);
  close(ndcgAt([1, 2], new Set([1, 2, 3, 4]), 2), 1);
});

test('HR@k is 1 when any relevant item is in the top k', () => {
  assert.equal(hitAt([4, 5, 1], new Set([1]), 3), 1);
  assert.equal(hitAt([4, 5, 1], new Set([1]), 2), 0);
});

test('recall@k is the share of relevant items found', () => {
  close(recallAt([1, 2, 3], new Set([1, 3, 7, 8]), 10), 0.5);
});

test('AP@k averages precision at each hit over min(|relevant|, k)', () => {
  // hits at ranks 1 and 3: (1/1 + 2/3) / 2
  close(averagePrecisionAt([1, 2, 3], new Set([1, 3]), 10), (1 + 2 / 3) / 2);
  // 3 relevant, one hit at rank 2, k = 2: (1/2) / 2
  close(averagePrecisionAt([9, 1], new Set([1, 2, 3]), 2), 0.25);
  close(averagePrecisionAt([9], new Set(), 10), 0);
});
