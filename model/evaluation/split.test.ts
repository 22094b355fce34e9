import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Purchase } from '../../data/purchases.ts';
import { temporalSplit } from './split.ts';

const day = (d: string) => Date.parse(`${d}T12:00:00Z`);
const buy = (customerId: string, stockCode: string, date: string, invoice = `${customerId}-${date}`): Purchase => ({
  invoice,
  stockCode,
  description: '',
  quantity: 1,
  time: day(date),
  unitPrice: 1,
  customerId,
  country: 'UK',
});

const purchases = [
  buy('A', '10001', '2011-01-01'),
  buy('A', '10002', '2011-01-02'),
  buy('B', '10002', '2011-01-03'),
  buy('A', '10001', '2011-02-02'), // re-purchase after the cut-off
  buy('A', '10003', '2011-02-03'), // new to A
  buy('A', '99999', '2011-02-03'), // item never seen in training
  buy('C', '10001', '2011-02-04'), // customer never seen in training
  buy('D', '10001', '2011-02-05', 'd1'), // another new customer, with a second invoice
  buy('D', '10002', '2011-02-10', 'd2'),
  buy('D', '10001', '2011-02-10', 'd2'),
  buy('B', '10003', '2011-03-05'), // after the end of the test period
];
const split = temporalSplit(purchases, Date.parse('2011-02-01T00:00:00Z'), Date.parse('2011-03-01T00:00:00Z'));

test('training holds only purchases before the cut-off', () => {
  assert.deepEqual([...split.train.userIds], ['A', 'B']);
  assert.deepEqual(new Set(split.train.itemIds), new Set(['10001', '10002']));
  // A bought 10001 once before the cut-off: the later re-purchase did not leak into the counts.
  const a = split.train.userIndex.get('A')!;
  const at = [...split.train.userItems.subarray(split.train.userPtr[a]!, split.train.userPtr[a + 1]!)].indexOf(
    split.train.itemIndex.get('10001')!,
  );
  assert.equal(split.train.userBaskets[split.train.userPtr[a]! + at], 1);
});

test('targets keep known customers and items inside the test period', () => {
  const a = split.train.userIndex.get('A')!;
  assert.deepEqual(
    split.targetsAll.map((t) => t.user),
    [a],
  );
  assert.deepEqual(split.targetsAll[0]!.items, [split.train.itemIndex.get('10001')]);
});

test('view new drops items the customer bought before the cut-off, and customers left empty', () => {
  assert.deepEqual(split.targetsNew, []);
});

test('new customers are tested anonymously: the whole period, and their first invoice as the context', () => {
  const item = (code: string) => split.train.itemIndex.get(code)!;
  assert.deepEqual(
    split.targetsCold.map((t) => [t.context, t.items.sort()]),
    [
      [[], [item('10001')]],
      [[], [item('10001'), item('10002')].sort()],
    ],
  );
  // C bought once: nothing left to predict after the first invoice. D's repeat of 10001 is in view already.
  assert.deepEqual(
    split.targetsColdContext.map((t) => [t.context, t.items]),
    [[[item('10001')], [item('10002')]]],
  );
});

test('test lines of items unseen in training are counted, not silently dropped', () => {
  // Test-period lines: A 10001, A 10003, A 99999 (10003 and 99999 never sold before the cut-off), C ×1, D ×3.
  assert.deepEqual(split.counts, {
    lines: 7,
    newCustomerLines: 4,
    unseenItemLines: 2,
    unseenItemPairs: 2,
    seenItemPairs: 1,
  });
});

test('view served drops only what the customer bought in the 30 days before the cut-off', () => {
  const item = (code: string) => split.train.itemIndex.get(code)!;
  // A bought 10001 30.5 days before the cut-off (still shown) and 10002 29.5 days before (left out).
  assert.deepEqual(
    split.targetsServed.map((t) => [t.customer, t.items, [...t.history]]),
    [['A', [item('10001')], [item('10002')]]],
  );
  const late = temporalSplit(
    [...purchases, buy('A', '10001', '2011-01-20')],
    Date.parse('2011-02-01T00:00:00Z'),
    Date.parse('2011-03-01T00:00:00Z'),
  );
  assert.deepEqual(late.targetsServed, []); // A re-bought 10001 within 30 days: nothing left to serve
});
