/**
 * The ground-truth merge on hand-made captures (fixtures in SageMaker's record shape, as
 * `contracts/data-capture.ts` builds them): the join by InferenceId, the horizon, a batch call's
 * shelves, and a served shelf that does worse than popularity.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CaptureRecord, capturedPayload } from '../../contracts/data-capture.ts';
import type { StoredEvent } from '../../server/events/stored-line.ts';
import { type CapturedShelf, shelvesOfRecord } from './captured-inferences.ts';
import { groundTruthMerge } from './ground-truth.ts';

const DAY = 86_400_000;
const now = Date.parse('2026-06-30T00:00:00Z');
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const record = (input: unknown, output: unknown, inferenceId: string, at: number): CaptureRecord => ({
  captureData: {
    endpointInput: capturedPayload('INPUT', 'application/json', json(input)),
    endpointOutput: capturedPayload('OUTPUT', 'application/json; charset=utf-8', json(output)),
  },
  eventMetadata: { eventId: `e-${inferenceId}`, inferenceId, inferenceTime: new Date(at).toISOString() },
  eventVersion: '0',
});
const answer = (ids: string[]) => ({ recommendations: ids.map((itemId) => ({ itemId, score: 1 })), modelVersion: 'm' });
let n = 0;
const event = (fields: Partial<StoredEvent>): StoredEvent =>
  ({ id: `ev-${n++}`, placement: 'home', itemId: 'A', receivedAt: fields.ts, ...fields }) as StoredEvent;

describe('captured records', () => {
  it('a batch call is one shelf per entry, all with the call InferenceId; base64 reads as JSON does', () => {
    const batch = record(
      {
        userId: 'p-1',
        shelves: [
          { placement: 'pdp', items: ['X'], k: 8, exclude: ['X'] },
          { placement: 'new', items: [], k: 8, exclude: [] },
        ],
      },
      { shelves: [{ recommendations: [{ itemId: 'A', score: 1 }] }, { recommendations: [] }], modelVersion: 'm' },
      'req-1',
      now,
    );
    const shelves = shelvesOfRecord(batch, 'AllTraffic');
    assert.deepEqual(
      shelves.map((s) => [s.inferenceId, s.asked.placement, s.asked.userId, s.answered]),
      [
        ['req-1', 'pdp', 'p-1', ['A']],
        ['req-1', 'new', 'p-1', []],
      ],
    );
    const base64 = record({ items: ['X'], k: 8, exclude: [] }, answer(['B']), 'req-2', now);
    base64.captureData.endpointOutput = capturedPayload('OUTPUT', 'application/x-custom', json(answer(['B'])));
    assert.equal(base64.captureData.endpointOutput.encoding, 'BASE64');
    assert.deepEqual(shelvesOfRecord(base64, 'AllTraffic')[0]!.answered, ['B']);
  });
});

describe('the ground-truth merge', () => {
  const popularity = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7', 'P8', 'P9'];
  const shelf = (i: number, at: number, fields: Partial<CapturedShelf['asked']> = {}): CapturedShelf =>
    shelvesOfRecord(
      record({ items: [], k: 8, exclude: [], ...fields }, answer(['M1', 'M2', 'M3']), `r-${i}`, at),
      'v',
    )[0]!;

  it('joins by InferenceId, waits for the horizon, and flags a shelf worse than popularity', () => {
    const merge = groundTruthMerge({ now, horizonDays: 7, k: 8, modelIdOf: (id) => `p-${id}`, popularity });
    const shelves: CapturedShelf[] = [];
    for (let i = 0; i < 40; i++) {
      const at = now - 10 * DAY;
      shelves.push(shelf(i, at));
      merge.add(event({ type: 'impression', requestId: `r-${i}`, sessionId: `s-${i}`, itemId: 'M1', ts: at }));
      // They bought a popular item three days later, never what the model showed.
      merge.add(event({ type: 'purchase', sessionId: `s-${i}`, itemId: 'P1', ts: at + 3 * DAY }));
      // A purchase after the horizon is not ground truth.
      merge.add(event({ type: 'purchase', sessionId: `s-${i}`, itemId: 'M1', ts: at + 8 * DAY }));
    }
    // A customer's call needs no impression: the capture names them (as a pseudonym).
    shelves.push(shelf(100, now - 10 * DAY, { userId: 'p-17850' }));
    merge.add(event({ type: 'purchase', userId: '17850', itemId: 'M2', ts: now - 9 * DAY }));
    // Too recent to judge; and one nobody can be joined to.
    shelves.push(shelf(101, now - 2 * DAY));
    shelves.push(shelf(102, now - 10 * DAY));
    const live = merge.merge(shelves)!;
    assert.equal(live.waiting, 1);
    assert.equal(live.unjoined, 1);
    assert.equal(live.shelves, 41);
    assert.equal(live.shoppers, 41);
    // 40 shoppers at 0, one at 1/log2(3) (M2 second): the served shelf is worse than popularity (1 each).
    assert.ok(Math.abs(live.ndcg.mean - 1 / Math.log2(3) / 41) < 1e-12);
    assert.ok(live.overPopularity.high < 0, 'the interval says worse than popularity');
  });
});
