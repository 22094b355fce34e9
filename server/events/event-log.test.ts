import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventLogOptions, storedEventsIn } from '../../workshop/test-support/event-store.ts';
import { EventLog, type EventLogOptions, EventStoreUnavailableError } from './event-log.ts';
import { listSegments } from './segment-files.ts';
import { parseEventBatch, type ShelfEvent } from './shelf-event.ts';
import { dedupKeyOf, parseStoredLine } from './stored-line.ts';
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

const tempDir = () => join(mkdtempSync(join(tmpdir(), 'events-')), 'events');
const openLog = (dir: string, overrides: Partial<EventLogOptions> = {}) =>
  EventLog.open(eventLogOptions(dir, overrides));
const ids = async (dir: string) => (await storedEventsIn(dir)).map((e) => e.id);
const hourMs = 3_600_000;
const dayMs = 86_400_000;

describe('event log', () => {
  it('stores each event id once, across retries and restarts', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
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
    const reopened = await openLog(dir);
    assert.deepEqual(await counts([event('event-0001'), event('event-0003')], reopened), {
      accepted: 1,
      duplicates: 1,
    });
    await reopened.close();
    assert.deepEqual(await ids(dir), ['event-0001', 'event-0002', 'event-0003']);
    // Two starts, two segments, each named for its instance.
    const segments = listSegments(dir);
    assert.equal(segments.length, 2);
    assert.ok(segments.every((s) => s.name.includes(reopened.instanceId)));
  });

  it("keys ids by namespace: a browser's id never shadows a server's, across a restart too", async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    const counts = async (on: EventLog, namespace: 'browser' | 'server', id = 'order-1001-22423') => {
      const { stored, duplicates } = await on.append([event(id)], undefined, namespace);
      return [stored.length, duplicates];
    };
    assert.deepEqual(await counts(log, 'browser'), [1, 0]);
    assert.deepEqual(await counts(log, 'server'), [1, 0], "the server's event is not the page's duplicate");
    assert.deepEqual(await counts(log, 'server'), [0, 1]);
    await log.close();
    // Read back at start from the lines' bytes: each namespace recognises its own retry only.
    const reopened = await openLog(dir);
    assert.deepEqual(await counts(reopened, 'browser'), [0, 1]);
    assert.deepEqual(await counts(reopened, 'server'), [0, 1]);
    assert.deepEqual(await counts(reopened, 'server', 'order-1002-22423'), [1, 0]);
    await reopened.close();
    const keys = listSegments(dir)
      .flatMap((segment) => readFileSync(segment.path, 'utf8').split('\n').filter(Boolean))
      .map((line) => dedupKeyOf(parseStoredLine(line)!));
    assert.deepEqual(keys.sort(), ['browser:order-1001-22423', 'server:order-1001-22423', 'server:order-1002-22423']);
  });

  it('acknowledges a duplicate only once the original is on disk', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    const original = log.append([event('event-0001')]);
    const duplicate = log.append([event('event-0001')]);
    const order: string[] = [];
    await Promise.all([original.then(() => order.push('original')), duplicate.then(() => order.push('duplicate'))]);
    assert.deepEqual(order, ['original', 'duplicate']);
    assert.equal((await ids(dir)).length, 1);
    await log.close();
  });

  it('concurrent batches all reach the disk', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => log.append([event(`event-${String(i).padStart(4, '0')}`)])));
    await log.close();
    assert.equal((await ids(dir)).length, 50);
  });

  it('recognises a retry within the window, and only within it', async () => {
    let now = Date.UTC(2026, 10, 1);
    const dir = tempDir();
    const log = await openLog(dir, { dedupHours: 2, now: () => now });
    await log.append([event('event-0001')], now);
    now += 90 * 60_000;
    assert.equal((await log.append([event('event-0001')], now)).duplicates, 1);
    now += 3 * hourMs;
    assert.equal((await log.append([event('event-0001')], now)).stored.length, 1, 'outside the window: stored again');
    await log.close();
  });

  it('rolls segments at their size and at their age', async () => {
    let now = Date.UTC(2026, 10, 1);
    const dir = tempDir();
    const closed: number[] = [];
    const log = await openLog(dir, { segmentBytes: 64 * 1024, segmentSeconds: 60, now: () => now });
    log.onSegmentClosed(() => closed.push(log.unshippedSegments().length));
    for (let b = 0; b < 20; b++) {
      await log.append(Array.from({ length: 50 }, (_, i) => event(`size-${b}-${String(i).padStart(4, '0')}`)));
    }
    const bySize = listSegments(dir);
    assert.ok(bySize.length >= 3, `${bySize.length} segments`);
    assert.ok(bySize.slice(0, -1).every((s) => s.bytes <= 64 * 1024));
    now += 61_000;
    await log.append([event('age-00000001')]);
    assert.equal(listSegments(dir).length, bySize.length + 1, 'the old segment closed before the write');
    await log.close();
    assert.equal((await ids(dir)).length, 1001);
    assert.ok(closed.length >= bySize.length);
  });

  it('keeps the most recent purchase first and forgets those past the horizon', async () => {
    const now = Date.UTC(2026, 10, 27);
    const dir = tempDir();
    const log = await openLog(dir, { now: () => now });
    await log.append(
      [
        event('purchase-1', { type: 'purchase', itemId: 'A1', ts: now - 5 * dayMs }),
        event('purchase-2', { type: 'purchase', itemId: 'B2', ts: now - 40 * dayMs }),
        event('purchase-3', { type: 'purchase', itemId: 'C3', ts: now - 1000 }),
        event('purchase-4', { type: 'purchase', itemId: 'D4', ts: now - 2 * dayMs }),
        event('click-0001', { type: 'click', itemId: 'E5', ts: now }),
      ],
      now,
    );
    assert.deepEqual([...log.recentlyBought('17850', 30, now)], ['C3', 'D4', 'A1']);
    assert.deepEqual([...log.recentlyBought('17850', 3, now)], ['C3', 'D4']);
    assert.deepEqual([...log.recentlyBought('other', 30, now)], []);
    await log.close();
    const reopened = await openLog(dir, { now: () => now });
    assert.deepEqual([...reopened.recentlyBought('17850', 365, now)], ['C3', 'D4', 'A1'], 'B2 is past 30 days');
    await reopened.close();
  });

  it('starts on a torn line, a garbage line and an unparseable segment, and quarantines them', async () => {
    const dir = tempDir();
    const log = await openLog(dir);
    await log.append([event('event-0001'), event('event-0002')]);
    await log.close();
    const [segment] = listSegments(dir);
    const good = readFileSync(segment!.path, 'utf8');
    writeFileSync(segment!.path, `${good}not json at all\n{"id":"event-0009","type":"purchas{"id":"event-0003"}\n`);
    appendFileSync(segment!.path, '{"id":"event-0004","ty');
    writeFileSync(join(dir, 'events-20261101T000000000Z-other-host-1.jsonl'), Buffer.from([0, 1, 2, 255, 10, 7, 10]));
    const reopened = await openLog(dir);
    assert.equal(reopened.stats().quarantinedLines, 5);
    assert.equal((await reopened.append([event('event-0001'), event('event-0004')])).stored.length, 1);
    await reopened.close();
    assert.deepEqual((await ids(dir)).sort(), ['event-0001', 'event-0002', 'event-0004']);
    assert.deepEqual(readdirSync(join(dir, 'quarantine')).sort(), [
      'events-20261101T000000000Z-other-host-1.jsonl',
      segment!.name,
    ]);
    assert.match(readFileSync(join(dir, 'quarantine', segment!.name), 'utf8'), /not json at all/);
  });

  it('at the disk bound, deletes shipped segments first, then refuses new events', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { maxDiskBytes: 1024 * 1024, segmentBytes: 64 * 1024 });
    let n = 0;
    const batch = () => Array.from({ length: 50 }, () => event(`bound-${String(n++).padStart(6, '0')}`));
    const refused = async () => {
      for (let i = 0; i < 1000; i++) {
        try {
          await log.append(batch());
        } catch (error) {
          assert.ok(error instanceof EventStoreUnavailableError);
          return error;
        }
      }
      assert.fail('never refused');
    };
    await refused();
    assert.equal(log.health().writable, false);
    const [first, second] = log.unshippedSegments();
    await log.markShipped(first!.name);
    await log.markShipped(second!.name);
    const before = listSegments(dir).filter((s) => s.shipped).length;
    await log.append(batch());
    assert.equal(log.health().writable, true);
    assert.ok(listSegments(dir).filter((s) => s.shipped).length < before, 'a shipped segment made room');
    assert.ok(listSegments(dir).reduce((sum, s) => sum + s.bytes, 0) <= 1024 * 1024);
    const unshipped = log.unshippedSegments().map((s) => s.name);
    await refused();
    await log.close();
    // Nothing acknowledged was dropped to make room: every unshipped segment is still there.
    const left = new Set(listSegments(dir).map((s) => s.name));
    assert.deepEqual(
      unshipped.filter((name) => !left.has(name)),
      [],
    );
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
