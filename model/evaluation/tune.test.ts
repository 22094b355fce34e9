import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EvaluationRow, View } from './evaluate-recommender.ts';
import { chooseShipped } from './tune.ts';

const row = (name: string, view: View, ndcg: number): EvaluationRow => ({
  name,
  view,
  'ndcg@10': ndcg,
  'hr@10': 0,
  'map@10': 0,
  'recall@10': 0,
  coverage: 0,
  users: 1,
});
const popularity = { all: 0.1, new: 0.05 };

test('a shippable model that beats every other model in both views is shipped', () => {
  const rows = [
    row('buy-again', 'all', 0.3),
    row('ease', 'all', 0.25),
    row('ease', 'new', 0.1),
    row('ease+buy-again', 'all', 0.31),
    row('ease+buy-again', 'new', 0.11),
    row('item-knn', 'all', 0.2),
    row('item-knn', 'new', 0.09),
  ];
  assert.equal(chooseShipped(rows, popularity).shipped, 'ease+buy-again');
});

test('otherwise the best mean lift is shipped, and the models it trails are named', () => {
  const rows = [
    row('buy-again', 'all', 0.32),
    row('ease', 'all', 0.25),
    row('ease', 'new', 0.1),
    row('ease+buy-again', 'all', 0.31),
    row('ease+buy-again', 'new', 0.1),
    row('item-knn', 'all', 0.2),
    row('item-knn', 'new', 0.11),
  ];
  const { shipped, shippedBecause } = chooseShipped(rows, popularity);
  assert.equal(shipped, 'ease+buy-again');
  assert.match(shippedBecause, /buy-again in view all/);
  assert.match(shippedBecause, /item-knn in view new/);
  assert.match(shippedBecause, /ease in view new/); // a tie is not a win
});
