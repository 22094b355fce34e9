import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Purchase } from '../../data/purchases.ts';
import { seeded } from './seeded-random.ts';
import { buildInteractions } from './interactions.ts';
import { fitItemKnn } from './item-knn.ts';

// 40 random customers over 15 items, with uneven item popularity so similarities differ.
const random = seeded(15);
const purchases: Purchase[] = [];
for (let u = 0; u < 40; u++)
  for (let i = 0; i < 15; i++)
    if (random() < 0.6 / (1 + i / 4))
      purchases.push({
        invoice: `i${u}-${i}`,
        stockCode: String(10000 + i),
        description: '',
        quantity: 1,
        time: Date.UTC(2011, 0, 1),
        unitPrice: 1,
        customerId: `c${u}`,
        country: 'UK',
      });
const data = buildInteractions(purchases);
const n = data.itemIds.length;
const buyers = Array.from({ length: n }, () => new Set<number>());
for (let u = 0; u + 1 < data.userPtr.length; u++)
  for (let p = data.userPtr[u]!; p < data.userPtr[u + 1]!; p++) buyers[data.userItems[p]!]!.add(u);
const cosine = (a: number, b: number) =>
  [...buyers[a]!].filter((u) => buyers[b]!.has(u)).length / Math.sqrt(buyers[a]!.size * buyers[b]!.size);

test("each candidate item is scored only from its own k most similar items (the matrix's column)", () => {
  const k = 3;
  const { matrix } = fitItemKnn(data, { neighbours: k, topItems: n });
  let rowsWiderThanK = 0;
  for (let j = 0; j < n; j++) {
    const sims = Array.from({ length: n }, (_, h) => (h === j ? -1 : cosine(h, j)));
    const threshold = [...sims].sort((a, b) => b - a)[k - 1]!;
    for (let h = 0; h < n; h++) {
      const expected = h !== j && sims[h]! >= threshold && sims[h]! > 0 ? sims[h]! : 0;
      assert.ok(Math.abs(matrix[h * n + j]! - expected) < 1e-6, `(${h}, ${j}): ${matrix[h * n + j]} vs ${expected}`);
    }
    if (matrix.subarray(j * n, j * n + n).filter((v) => v > 0).length > k) rowsWiderThanK++;
  }
  // Pruning per candidate leaves some history items (rows) feeding more than k candidates.
  assert.ok(rowsWiderThanK > 0);
});
