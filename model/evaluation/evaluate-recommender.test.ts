import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Purchase } from '../../data/purchases.ts';
import type { Query, Recommender } from '../recommenders/types.ts';
import { evaluateRecommender, views } from './evaluate-recommender.ts';
import { temporalSplit } from './split.ts';

const buy = (customerId: string, stockCode: string, date: string, invoice: string): Purchase => ({
  invoice,
  stockCode,
  description: '',
  quantity: 1,
  time: Date.parse(`${date}T12:00:00Z`),
  unitPrice: 1,
  customerId,
  country: 'UK',
});
const split = temporalSplit(
  [
    buy('A', '10001', '2011-01-01', 'a0'),
    buy('B', '10002', '2011-01-02', 'b0'),
    buy('B', '10003', '2011-01-03', 'b1'),
    buy('A', '10002', '2011-02-02', 'a1'), // known customer, new item
    buy('A', '10001', '2011-02-03', 'a2'), // known customer, re-purchase
    buy('N', '10001', '2011-02-04', 'n1'), // new customer: first invoice …
    buy('N', '10003', '2011-02-06', 'n2'), // … and a later one
  ],
  Date.parse('2011-02-01T00:00:00Z'),
  Date.parse('2011-03-01T00:00:00Z'),
);
const item = (code: string) => split.train.itemIndex.get(code)!;

/** Records every query and answers with a fixed list. */
function recording(answer: number[]): Recommender & { queries: Query[] } {
  const queries: Query[] = [];
  const recommend = (query: Query) => {
    queries.push(query);
    return answer.map((i) => ({ item: i, score: 1 }));
  };
  return { name: 'fixed', queries, recommend };
}

test('known customers are asked by user number; view new excludes their past items', () => {
  const r = recording([item('10001')]);
  evaluateRecommender(r, split, 'all');
  evaluateRecommender(r, split, 'new');
  const a = split.train.userIndex.get('A')!;
  assert.deepEqual(
    r.queries.map((q) => [q.user, q.context, q.exclude && [...q.exclude]]),
    [
      [a, undefined, undefined],
      [a, undefined, [item('10001')]],
    ],
  );
});

test('new customers are asked anonymously, with their first invoice in view in cold-context', () => {
  const r = recording([item('10003')]);
  const cold = evaluateRecommender(r, split, 'cold');
  const withContext = evaluateRecommender(r, split, 'cold-context');
  assert.deepEqual(
    r.queries.map((q) => [q.user, q.context]),
    [
      [undefined, undefined],
      [undefined, [item('10001')]],
    ],
  );
  // Cold targets {10001, 10003}: one hit at rank 1 of 2 relevant. Cold-context targets {10003}: a perfect list.
  assert.equal(cold.row['ndcg@10'], 1 / (1 + 1 / Math.log2(3)));
  assert.equal(withContext.row['ndcg@10'], 1);
});

test('per-target scores average to the row, in every view', () => {
  const r = recording([item('10002'), item('10001')]);
  for (const view of views) {
    const { row, ndcgPerTarget } = evaluateRecommender(r, split, view);
    assert.equal(ndcgPerTarget.length, row.users);
    assert.ok(Math.abs(ndcgPerTarget.reduce((s, x) => s + x, 0) / row.users - row['ndcg@10']) < 1e-12);
  }
});

test("view served asks for 8 cards and excludes the last 30 days' purchases; metrics are taken at 8", () => {
  const r = recording([item('10003')]);
  const { row } = evaluateRecommender(r, split, 'served');
  const a = split.train.userIndex.get('A')!;
  // A's one earlier purchase is 30.5 days old: it is shown again (split.test.ts covers what is left out).
  assert.deepEqual(
    r.queries.map((q) => [q.user, q.k, q.exclude && [...q.exclude]]),
    [[a, 8, []]],
  );
  assert.equal(row.k, 8);
  assert.equal(row.users, 1);
});
