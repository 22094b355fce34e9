/**
 * Erasure's rewrite of the event folder: a running store's open, closed and shipped segments lose
 * the lines of the customer named, keep every other line (and their times), while appends go on;
 * a stopped store's folder is rewritten directly; a dry run counts and writes nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventLogOptions, everyStoredId } from '../../workshop/test-support/event-store.ts';
import { EventLog } from './event-log.ts';
import { eraseFromFolder, eraseFromStore } from './segment-erasure.ts';
import { listSegments } from './segment-files.ts';
import type { ShelfEvent } from './shelf-event.ts';

const click = (id: string, userId: string): ShelfEvent =>
  ({ id, type: 'click', placement: 'home', itemId: '85123A', userId, ts: Date.now() }) as ShelfEvent;
const named = (userId: string) => (line: string) => line.includes(`"userId":"${userId}"`);
const linesOf = (dir: string, userId: string): number =>
  listSegments(dir).reduce((sum, s) => sum + readFileSync(s.path, 'utf8').split('\n').filter(named(userId)).length, 0);

describe('erasing lines from the event folder', () => {
  it('cuts one customer out of open, closed and shipped segments while appends go on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segment-erasure-'));
    const log = await EventLog.open(eventLogOptions(dir));
    let n = 0;
    const batch = async () => {
      n++;
      await log.append([click(`evt-a-${n}-xxxxxx`, 'A17'), click(`evt-b-${n}-xxxxxx`, 'B23')]);
    };
    for (let i = 0; i < 5; i++) await batch();
    await log.roll();
    const first = listSegments(dir)[0]!;
    await log.markShipped(first.name);
    for (let i = 0; i < 5; i++) await batch();
    const shippedTime = statSync(listSegments(dir).find((s) => s.shipped)!.path).mtimeMs;
    // Appends keep coming while the rewrite runs: none is lost, none doubled.
    const during = Promise.all(Array.from({ length: 20 }, () => batch()));
    const erased = await eraseFromStore(log, named('A17'), false);
    await during;
    await log.close();
    assert.ok(erased.lines >= 10, `erased ${erased.lines}`);
    assert.equal(erased.eventKeys.length, erased.lines);
    assert.ok(erased.eventKeys.every((key) => key.startsWith('browser:evt-a-')));
    const ids = everyStoredId(dir);
    assert.equal(new Set(ids).size, ids.length, 'no event doubled');
    assert.equal(ids.filter((id) => id.startsWith('evt-b-')).length, 30, 'every other customer’s event kept');
    // What was appended before the call is gone; what the appends racing it stored of A is all that is left.
    assert.equal(ids.filter((id) => id.startsWith('evt-a-')).length, 30 - erased.lines);
    assert.ok(ids.filter((id) => /^evt-a-([1-9]|10)-/.test(id)).length === 0, 'A’s earlier events gone');
    const time = statSync(listSegments(dir).find((s) => s.shipped)!.path).mtimeMs;
    assert.ok(Math.abs(time - shippedTime) < 1, `times kept: ${time} for ${shippedTime}`);
  });

  it('rewrites a stopped store’s folder directly, and a dry run only counts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'segment-erasure-'));
    const log = await EventLog.open(eventLogOptions(dir));
    await log.append([click('evt-a-000000001', 'A17'), click('evt-b-000000001', 'B23')]);
    await log.close();
    const dry = await eraseFromFolder(dir, named('A17'), true);
    assert.equal(dry.lines, 1);
    assert.equal(linesOf(dir, 'A17'), 1, 'a dry run writes nothing');
    const done = await eraseFromFolder(dir, named('A17'), false);
    assert.deepEqual([done.lines, done.filesRewritten], [1, 1]);
    assert.equal(linesOf(dir, 'A17'), 0);
    assert.equal(linesOf(dir, 'B23'), 1);
  });
});
