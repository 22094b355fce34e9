/**
 * `--promote --full`'s online evidence, read from a real event store: champion vs challenger by shopper,
 * refused below the horizon or when the challenger is worse, enough otherwise.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventLogOptions } from '../../workshop/test-support/event-store.ts';
import { EventLog } from '../../server/events/event-log.ts';
import type { ShelfEvent } from '../../server/events/shelf-event.ts';
import { onlineEvidence } from './online-evidence.ts';

/** A store of `perSide` shoppers a version; each clicks on 10 impressions at about their version's rate. */
async function store(perSide: number, clickRate: { champion: number; challenger: number }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'online-evidence-'));
  const log = await EventLog.open(eventLogOptions(dir));
  let n = 0;
  const now = Date.now();
  for (const side of ['champion', 'challenger'] as const) {
    const events: Array<ShelfEvent & { arm: 'model' }> = [];
    for (let s = 0; s < perSide; s++) {
      // Shoppers differ: a spread of propensities around the side's rate (deterministic).
      const own = clickRate[side] * (0.5 + (s % 10) / 9);
      for (let v = 0; v < 10; v++) {
        const base = {
          placement: 'home',
          itemId: '85123A',
          sessionId: `${side}-${s}`,
          modelVersion: side === 'challenger' ? 'v-new' : 'v-old',
          variant: side,
          source: 'model' as const,
          ts: now,
          arm: 'model' as const,
        };
        events.push({ ...base, id: `imp-${++n}-xxxxxx`, type: 'impression' });
        if ((v + 0.5) / 10 < own) events.push({ ...base, id: `clk-${++n}-xxxxxx`, type: 'click' });
      }
      if (events.length > 400) await log.append(events.splice(0), undefined, 'browser');
    }
    if (events.length > 0) await log.append(events, undefined, 'browser');
  }
  await log.close();
  return dir;
}

describe('online evidence for --promote --full', () => {
  it('is not enough below the horizon, however good the challenger looks', async () => {
    const evidence = onlineEvidence({
      eventsDir: await store(40, { champion: 0.1, challenger: 0.5 }),
      challenger: 'v-new',
    });
    assert.equal(evidence.enough, false);
    assert.match(evidence.lines.at(-1)!, /not enough evidence: 40 of 300 shoppers/);
    assert.ok(
      evidence.lines.some((l) => /^ {2}clickThrough/.test(l)),
      evidence.lines.join('\n'),
    );
  });

  it('is enough at the horizon for a challenger that is not worse, and refuses one that is', async () => {
    const better = onlineEvidence({
      eventsDir: await store(60, { champion: 0.2, challenger: 0.4 }),
      challenger: 'v-new',
      minShoppers: 50,
    });
    assert.equal(better.enough, true, better.lines.join('\n'));
    assert.equal(better.comparison.horizon.verdict, 'better');
    assert.equal(better.comparison.rows[0]!.shoppers, 50, 'the first 50 shoppers a side, no more');
    const worse = onlineEvidence({
      eventsDir: await store(60, { champion: 0.4, challenger: 0.2 }),
      challenger: 'v-new',
      minShoppers: 50,
    });
    assert.equal(worse.enough, false);
    assert.match(worse.lines.at(-1)!, /the challenger is worse on clickThrough/);
  });
});
