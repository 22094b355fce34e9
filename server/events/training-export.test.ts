import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { product } from '../../workshop/test-support/fixtures.ts';
import type { StoredEvent } from './stored-line.ts';
import { trainingCsvHeader } from '../../contracts/training-channel.ts';
import { toTrainingCsv } from './training-export.ts';

const stored = (id: string, fields: Partial<StoredEvent>): StoredEvent => ({
  id,
  type: 'purchase',
  placement: 'home',
  requestId: 'req-1',
  itemId: 'P1',
  userId: '17850',
  ts: Date.UTC(2026, 10, 27, 9, 29),
  receivedAt: Date.UTC(2026, 10, 27, 9, 30),
  ...fields,
});

describe('training export', () => {
  it("writes customers' events of the chosen types as invoice lines the trainer reads", async () => {
    const catalog = new Map([
      ['P1', product('P1', { title: 'Jumbo Bag, Red "Retrospot"', price: { value: 2.08, currency: 'GBP' } })],
    ]);
    const csv = await toTrainingCsv(
      [stored('e1', {}), stored('e2', { type: 'click' }), stored('e3', { userId: undefined, sessionId: 'anon' })],
      new Set(['purchase']),
      (id) => catalog.get(id),
    );
    assert.equal(
      csv,
      `${trainingCsvHeader}\nWreq1,P1,"JUMBO BAG, RED ""RETROSPOT""",1,2026-11-27 09:30:00,2.08,17850,Web\n`,
    );
  });

  it("counts a session's events, before and after its sign-in, for the customer it identified as", async () => {
    const anonymous = { userId: undefined, sessionId: 'session-9' };
    const csv = await toTrainingCsv(
      [
        stored('e1', { ...anonymous, type: 'add_to_cart', requestId: 'req-before' }),
        stored('e2', { ...anonymous, userId: '17850', type: 'identify', itemId: '', requestId: undefined }),
        stored('e3', { ...anonymous, type: 'add_to_cart', requestId: 'req-after' }),
        stored('e4', { userId: undefined, sessionId: 'session-other', type: 'add_to_cart' }),
      ],
      new Set(['add_to_cart', 'identify']),
      () => undefined,
    );
    const customers = csv
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',').slice(0, 1).concat(line.split(',').slice(-2, -1)).join(' '));
    assert.deepEqual(customers, ['Wreqbefore 17850', 'Wreqafter 17850']);
  });
});
