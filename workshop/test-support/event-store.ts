/**
 * Test support for the event store: what a test reads back from an event folder, and a
 * batch body to post. Reads go through the store's own reader (as `events:export` does),
 * never through the file format.
 */
import { readFileSync } from 'node:fs';
import type { EventLogOptions } from '../../server/events/event-log.ts';
import { listSegments } from '../../server/events/segment-files.ts';
import { readStoredEvents } from '../../server/events/stored-events.ts';
import { parseStoredLine, type StoredEvent } from '../../server/events/stored-line.ts';

/** Every stored event in `dir` (segments and shipped/), once per id; [] when the folder is missing. */
export async function storedEventsIn(dir: string): Promise<StoredEvent[]> {
  try {
    return await readStoredEvents(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** A valid click event with `id`, for batches the proxy must accept. */
export function clickEvent(id: string, userId = '17850'): Record<string, unknown> {
  return { id, type: 'click', placement: 'home', itemId: '85123A', userId, ts: Date.now() };
}

/** Store options for a test: small segments, a 24 h window, no bound worth hitting, 30 days of purchases. */
export function eventLogOptions(dir: string, overrides: Partial<EventLogOptions> = {}): EventLogOptions {
  return {
    dir,
    segmentBytes: 64 * 1024 * 1024,
    segmentSeconds: 3600,
    dedupHours: 24,
    maxDiskBytes: 1024 ** 3,
    retainHours: 168,
    purchaseDays: () => 30,
    ...overrides,
  };
}

/** The id of every stored line in `dir`, duplicates included (a doubled event must show). */
export function everyStoredId(dir: string): string[] {
  return listSegments(dir).flatMap((segment) =>
    readFileSync(segment.path, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => parseStoredLine(line)?.id ?? `unparseable: ${line.slice(0, 60)}`),
  );
}
