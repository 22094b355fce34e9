import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InvalidEnvironmentError } from '../../environment/read-environment.ts';
import { eventLogOptions, storedEventsIn } from '../../workshop/test-support/event-store.ts';
import { loadConfig } from '../config.ts';
import { EventLog } from './event-log.ts';
import { listSegments } from './segment-files.ts';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

describe('retention of shipped segments against what the store reads back at start', () => {
  it('keeps shipped purchases for the look-back (a restart excludes them), the rest as retention says', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'retention-')), 'events');
    let now = Date.now();
    let lookBackDays = 30;
    // Retention is shorter than the rules look back (168 h against 30 days in the defaults).
    const options = eventLogOptions(dir, { retainHours: 2, purchaseDays: () => lookBackDays, now: () => now });
    const first = await EventLog.open(options);
    const purchase = { id: 'order-1001-1', type: 'purchase' as const, placement: 'home', itemId: '85123A' };
    const click = { id: 'click-0000001', type: 'click' as const, placement: 'home', itemId: '22423' };
    await first.append([
      { ...purchase, userId: '17850', ts: now },
      { ...click, userId: '17850', ts: now },
    ]);
    await first.roll();
    const [segment] = first.unshippedSegments();
    await first.markShipped(segment!.name);
    await first.close();

    // A day on, within the dedup window: the shipped segment is whole.
    now += 20 * hourMs;
    const second = await EventLog.open(options);
    await second.housekeep();
    assert.deepEqual(
      (await storedEventsIn(dir)).map((e) => e.id),
      [purchase.id, click.id],
    );
    await second.close();

    // Ten days on, well past RECO_EVENTS_RETAIN_HOURS; the proxy restarts without Redis.
    now += 10 * dayMs;
    const third = await EventLog.open(options);
    await third.housekeep();
    const [kept] = listSegments(dir);
    assert.equal(kept?.name, segment!.name, 'the shipped segment holds a purchase the rules still look back to');
    assert.equal(kept?.purchasesOnly, true);
    assert.ok(kept!.bytes < segment!.bytes);
    assert.deepEqual(
      (await storedEventsIn(dir)).map((e) => e.id),
      [purchase.id],
      'only the purchase is kept past retention',
    );
    await third.close();
    const fourth = await EventLog.open(options);
    assert.deepEqual([...fourth.recentlyBought('17850', 30)], ['85123A'], 'the bought item stays off the shelf');
    await fourth.close();

    // The rules now look back 7 days: the 10-day-old purchase is no longer needed, the segment goes.
    lookBackDays = 7;
    const fifth = await EventLog.open(options);
    await fifth.housekeep();
    assert.deepEqual(listSegments(dir), []);
    await fifth.close();
  });

  it('refuses RECO_EVENTS_RETAIN_HOURS=0 at start, naming the variable', () => {
    assert.throws(
      () => loadConfig({ RECO_EVENTS_RETAIN_HOURS: '0' }),
      (error: unknown) => error instanceof InvalidEnvironmentError && /RECO_EVENTS_RETAIN_HOURS/.test(error.message),
    );
    assert.equal(loadConfig({ RECO_EVENTS_RETAIN_HOURS: '1' }).eventsRetainHours, 1);
  });
});
