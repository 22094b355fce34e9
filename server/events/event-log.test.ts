import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { EventLog, readEventLog } from './event-log.ts';
import { parseEventBatch, type ShelfEvent } from './shelf-event.ts';

const event = (id: string, fields: Partial<ShelfEvent> = {}): ShelfEvent => ({
  id,
  type: 'click',
  placement: 'home',
  requestId: 'req-1',
  source: 'model',
  itemId: '85123A',
  userId: '17850',
  ts: 1_700_000_000_000,
  ...fields,
});

const tempLog = () => join(mkdtempSync(join(tmpdir(), 'events-')), 'events.jsonl');

describe('event log', () => {
  it('stores each event id once, across retries and restarts', async () => {
    const path = tempLog();
    const log = await EventLog.open(path);
    const counts = async (events: ShelfEvent[], on: EventLog) => {
      const { stored, duplicates } = await on.append(events);
      return { accepted: stored.length, duplicates };
    };
    assert.deepEqual(await counts([event('event-0001'), event('event-0002'), event('event-0001')], log), {
      accepted: 2,
      duplicates: 1,
    });
    assert.deepEqual(await counts([event('event-0002')], log), { accepted: 0, duplicates: 1 });
    await log.close();
    const reopened = await EventLog.open(path);
    assert.deepEqual(await counts([event('event-0001'), event('event-0003')], reopened), {
      accepted: 1,
      duplicates: 1,
    });
    await reopened.close();
    assert.deepEqual(
      (await readEventLog(path)).map((e) => e.id),
      ['event-0001', 'event-0002', 'event-0003'],
    );
  });

  it('acknowledges a duplicate only once the original is on disk', async () => {
    const path = tempLog();
    const log = await EventLog.open(path);
    const original = log.append([event('event-0001')]);
    const duplicate = log.append([event('event-0001')]);
    const order: string[] = [];
    await Promise.all([original.then(() => order.push('original')), duplicate.then(() => order.push('duplicate'))]);
    assert.deepEqual(order, ['original', 'duplicate']);
    assert.equal((await readEventLog(path)).length, 1);
    await log.close();
  });

  it('concurrent batches all reach the file', async () => {
    const path = tempLog();
    const log = await EventLog.open(path);
    await Promise.all(Array.from({ length: 50 }, (_, i) => log.append([event(`event-${String(i).padStart(4, '0')}`)])));
    await log.close();
    assert.equal((await readEventLog(path)).length, 50);
  });

  it('drops a line torn by a crash and keeps appending cleanly', async () => {
    const path = tempLog();
    const log = await EventLog.open(path);
    await log.append([event('event-0001')]);
    await log.close();
    appendFileSync(path, '{"id":"event-0002","ty');
    const reopened = await EventLog.open(path);
    await reopened.append([event('event-0002')]);
    await reopened.close();
    const lines = readFileSync(path, 'utf8').trim().split('\n');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as ShelfEvent).id),
      ['event-0001', 'event-0002'],
    );
  });

  it('knows what a customer bought recently', async () => {
    const now = 1_700_000_000_000;
    const log = await EventLog.open(tempLog());
    await log.append([
      event('purchase-1', { type: 'purchase', itemId: 'A1', ts: now - 1000 }),
      event('purchase-2', { type: 'purchase', itemId: 'B2', ts: now - 40 * 86_400_000 }),
      event('click-0001', { type: 'click', itemId: 'C3', ts: now }),
    ]);
    assert.deepEqual([...log.recentlyBought('17850', 30, now)], ['A1']);
    assert.deepEqual([...log.recentlyBought('other', 30, now)], []);
    await log.close();
  });
});

describe('event batch', () => {
  it('reads the text/plain JSON that sendBeacon sends', () => {
    assert.equal(parseEventBatch(JSON.stringify({ events: [event('event-0001')] })).events.length, 1);
  });

  it('keeps the valid events and names what is wrong with the others', () => {
    const batch = parseEventBatch({
      events: [
        event('event-0001'),
        { ...event('event-0002'), type: 'hover' },
        { ...event('event-0003'), userId: undefined },
      ],
    });
    assert.equal(batch.events.length, 1);
    assert.match(batch.rejected[0]!.message, /^events\[1\]\.type: /);
    assert.match(batch.rejected[1]!.message, /^events\[2\]\.userId: needs shopperToken, userId or sessionId/);
  });

  it('refuses an envelope that is not a batch', () => {
    assert.throws(() => parseEventBatch('{"events":'), /body: not valid JSON/);
    assert.throws(() => parseEventBatch({ event: [] }), /events: must be an array/);
    assert.throws(() => parseEventBatch({ events: [] }), /at least one/);
  });
});
