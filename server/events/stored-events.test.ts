import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { segmentName } from './segment-files.ts';
import { folderSegments, storedEvents } from './stored-events.ts';

const minuteMs = 60_000;
const t0 = Date.UTC(2026, 11, 1, 9, 0);

/** A stored line as the proxy writes it; `namespace` only for a server-sent event. */
const line = (id: string, receivedAt: number, namespace?: 'server'): string =>
  `${JSON.stringify({
    id,
    ...(namespace ? { namespace } : {}),
    type: 'purchase',
    placement: 'home',
    itemId: '85123A',
    userId: '17850',
    ts: receivedAt,
    receivedAt,
  })}\n`;

/** Writes a closed segment of `instance` started at `startedAt` into `shipped/` of `dir`. */
function segment(dir: string, instance: string, startedAt: number, lines: string[]): string {
  const name = segmentName(startedAt, instance);
  mkdirSync(join(dir, 'shipped'), { recursive: true });
  writeFileSync(join(dir, 'shipped', name), lines.join(''));
  return name;
}

const read = async (dir: string, exported: (name: string) => boolean = () => false) => {
  const ids: string[] = [];
  const done: string[] = [];
  for await (const e of storedEvents(folderSegments(dir), {
    dedupHours: 24,
    segmentSeconds: 3600,
    exported,
    onSegmentDone: (name) => done.push(name),
  })) {
    ids.push(`${(e as { namespace?: string }).namespace ?? 'browser'}:${e.id}`);
  }
  return { ids, done };
};

describe('reading stored events back', () => {
  it('de-duplicates within a namespace: a browser event and a server purchase with one id are two events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stored-events-'));
    segment(dir, 'proxy-a', t0, [line('order-1001-22423', t0 + 1), line('order-1001-22423', t0 + 2, 'server')]);
    // A retry of the server's purchase on another instance is still one event.
    segment(dir, 'proxy-b', t0 + minuteMs, [line('order-1001-22423', t0 + minuteMs + 1, 'server')]);
    const { ids } = await read(dir);
    assert.deepEqual(ids, ['browser:order-1001-22423', 'server:order-1001-22423']);
  });

  it('a segment shipped late is read once, and a retry it holds of an event exported before is not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'stored-events-'));
    // Exported by an earlier run: proxy-a's segments of 09:10 and 09:20.
    const a1 = segment(dir, 'proxy-a', t0 + 10 * minuteMs, [line('event-a-0001', t0 + 10 * minuteMs + 1)]);
    const a2 = segment(dir, 'proxy-a', t0 + 20 * minuteMs, [line('event-a-0002', t0 + 20 * minuteMs + 1)]);
    // Shipped since: proxy-b's segment of 09:00 (late), holding the original of a retry proxy-a stored
    // at 09:20, and a new event; and proxy-a's next segment.
    const b1 = segment(dir, 'proxy-b', t0, [line('event-a-0002', t0 + 5), line('event-b-0001', t0 + 6)]);
    const a3 = segment(dir, 'proxy-a', t0 + 30 * minuteMs, [line('event-a-0003', t0 + 30 * minuteMs + 1)]);
    const { ids, done } = await read(dir, (name) => name === a1 || name === a2);
    assert.deepEqual(ids, ['browser:event-b-0001', 'browser:event-a-0003']);
    assert.deepEqual(done, [b1, a3]);
  });
});
