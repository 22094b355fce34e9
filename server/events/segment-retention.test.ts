import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InvalidEnvironmentError } from '../../environment/read-environment.ts';
import { eventLogOptions } from '../../test-support/event-store.ts';
import { loadConfig } from '../config.ts';
import { EventLog } from './event-log.ts';
import { listSegments } from './segment-files.ts';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

describe('retention of shipped segments against what the store reads back at start', () => {
  it('keeps a shipped purchase for the longest look-back: a restart still excludes it; follows the rules', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'retention-')), 'events');
    let now = Date.now();
    let lookBackDays = 30;
    // Retention is shorter than the rules look back (168 h against 30 days in the defaults).
    const options = eventLogOptions(dir, { retainHours: 2, purchaseDays: () => lookBackDays, now: () => now });
    const first = await EventLog.open(options);
    const purchase = { id: 'order-1001-1', type: 'purchase' as const, placement: 'home', itemId: '85123A' };
    await first.append([{ ...purchase, userId: '17850', ts: now }]);
    await first.roll();
    const [segment] = first.unshippedSegments();
    await first.markShipped(segment!.name);
    await first.close();

    // Ten days on, well past RECO_EVENTS_RETAIN_HOURS; the proxy restarts without Redis.
    now += 10 * dayMs;
    const second = await EventLog.open(options);
    await second.housekeep();
    assert.deepEqual(
      listSegments(dir).map((s) => s.name),
      [segment!.name],
      'the shipped segment holds a purchase the rules still look back to',
    );
    assert.deepEqual([...second.recentlyBought('17850', 30)], ['85123A'], 'the bought item stays off the shelf');
    await second.close();

    // The rules now look back 7 days: the 10-day-old purchase is no longer needed, the segment goes.
    lookBackDays = 7;
    const third = await EventLog.open(options);
    await third.housekeep();
    assert.deepEqual(listSegments(dir), []);
    await third.close();
  });

  it('refuses RECO_EVENTS_RETAIN_HOURS=0 at start, naming the variable', () => {
    assert.throws(
      () => loadConfig({ RECO_EVENTS_RETAIN_HOURS: '0' }),
      (error: unknown) => error instanceof InvalidEnvironmentError && /RECO_EVENTS_RETAIN_HOURS/.test(error.message),
    );
    assert.equal(loadConfig({ RECO_EVENTS_RETAIN_HOURS: '1' }).eventsRetainHours, 1);
  });
});
