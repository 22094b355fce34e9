/**
 * Durability: event batches sent under load, the proxy killed with SIGKILL mid-run
 * and restarted on the same event log; batches that got no answer are retried, some
 * acknowledged ones are retried too. Every event that got a 202 must be in the
 * store exactly once. A second test pins the acknowledgement of a duplicate sent
 * while the original is still being written.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StartedChild } from '../test-support/child.ts';
import type { CloudInfo } from '../test-support/cloud-process.ts';
import { sleep, startCloud } from '../test-support/targets.ts';
import { EventLog } from '../../server/events/event-log.ts';
import { eventLogOptions, everyStoredId, storedEventsIn } from '../test-support/event-store.ts';
import { freePort, proxyEnv, startProxyChild, type ProxyChild } from '../test-support/proxy-child.ts';

interface Batch {
  ids: string[];
  body: string;
  acked: boolean;
}

function makeBatch(n: number, size: number): Batch {
  const ids = Array.from({ length: size }, (_, i) => `dur-${n}-${i}`);
  const events = ids.map((id, i) => ({
    id,
    type: i % 2 ? 'click' : 'impression',
    placement: 'home',
    itemId: '85123A',
    userId: `u${n}`,
    ts: Date.now(),
  }));
  return { ids, body: JSON.stringify({ events }), acked: false };
}

async function post(url: string, batch: Batch): Promise<void> {
  try {
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: batch.body,
      signal: AbortSignal.timeout(3000),
    });
    await res.text();
    if (res.status === 202) batch.acked = true;
  } catch {
    // refused or cut off by the kill: not acknowledged, retried later
  }
}

describe('durability of acknowledged events across SIGKILL', { timeout: 60_000 }, () => {
  let cloud: StartedChild<CloudInfo>;
  before(async () => {
    cloud = await startCloud();
  });
  after(async () => {
    await cloud?.stop();
  });

  it('every event that got a 202 is in the store exactly once', async (t) => {
    const eventsDir = join(mkdtempSync(join(tmpdir(), 'reco-durability-')), 'events');
    const env = proxyEnv(cloud.info, await freePort(), { RECO_EVENTS_DIR: eventsDir, LOG_LEVEL: 'warn' });
    let proxy: ProxyChild = await startProxyChild(env);
    const batches: Batch[] = [];
    let phase: 'before' | 'down' | 'after' = 'before';
    let stop = false;
    let n = 0;
    const worker = async (w: number): Promise<void> => {
      for (let step = 0; !stop && step < 100_000; step++) {
        const roll = (step * 7 + w * 13) % 20;
        if (roll === 0 && batches.length > 0)
          await post(proxy.url, batches[(step * 31) % batches.length]!); // a retry
        else if (roll === 1) {
          const twin = makeBatch(n++, 3); // the same batch twice at once, as a double-fired beacon
          batches.push(twin);
          await Promise.all([post(proxy.url, twin), post(proxy.url, twin)]); // either 202 counts as acknowledged
        } else {
          const batch = makeBatch(n++, 1 + (step % 5));
          batches.push(batch);
          await post(proxy.url, batch);
        }
        if (phase === 'down') await sleep(20);
      }
    };
    const workers = Array.from({ length: 8 }, (_, w) => worker(w));
    await sleep(1500);
    phase = 'down';
    await proxy.kill('SIGKILL');
    const killedAt = batches.length;
    await sleep(300);
    proxy = await startProxyChild(env);
    phase = 'after';
    await sleep(1500);
    stop = true;
    await Promise.all(workers);
    for (const batch of batches.filter((b) => !b.acked)) await post(proxy.url, batch); // the client's retries
    await proxy.kill('SIGTERM');

    const stored = everyStoredId(eventsDir);
    const counts = new Map<string, number>();
    for (const id of stored) counts.set(id, (counts.get(id) ?? 0) + 1);
    const acked = batches.filter((b) => b.acked).flatMap((b) => b.ids);
    const missing = acked.filter((id) => !counts.has(id));
    const twice = [...counts].filter(([, c]) => c > 1).map(([id]) => id);
    t.diagnostic(
      `${batches.length} batches (${killedAt} before the kill), ${acked.length} events acknowledged, ` +
        `${stored.length} lines stored, missing ${missing.length}, stored twice ${twice.length}`,
    );
    assert.ok(killedAt > 20 && batches.length > killedAt, 'load ran before and after the kill');
    assert.deepEqual(missing, [], 'acknowledged events missing from the store');
    assert.deepEqual(twice, [], 'events stored more than once');
  });

  it('a duplicate sent while the original is being written is acknowledged only once it is on disk', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'reco-durability-')), 'events');
    const log = await EventLog.open(eventLogOptions(dir));
    const event = {
      id: 'twin-000001',
      type: 'click' as const,
      placement: 'home',
      itemId: '85123A',
      userId: '17850',
      ts: Date.now(),
    };
    const original = log.append([event]);
    const duplicate = await log.append([event]); // what a 202 for the second of two concurrent beacons rests on
    const onDiskAtAck = (await storedEventsIn(dir)).some((e) => e.id === event.id);
    await original;
    await log.close();
    assert.deepEqual(
      { stored: duplicate.stored.length, duplicates: duplicate.duplicates },
      { stored: 0, duplicates: 1 },
    );
    assert.ok(
      onDiskAtAck,
      'the duplicate was acknowledged before the original reached the disk: a SIGKILL now loses an acknowledged event',
    );
  });
});
