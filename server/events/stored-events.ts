/**
 * Reads stored events back, streaming, from an event folder (segments and `shipped/`) or
 * from the bucket segments were shipped to, de-duplicated by (namespace, id) across instances
 * (a retry may have reached another proxy) within the dedup window, and incrementally: the
 * segments an earlier run exported are not yielded again. Used by `events:export` and by tests.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { InProcessIdempotencyWindow } from './idempotency-window.ts';
import { listSegments, segmentInstance, segmentStartedAt } from './segment-files.ts';
import { eachLine, lineChunks } from './segment-lines.ts';
import type { BucketAddress } from './segment-shipper.ts';
import { dedupKeyOf, parseStoredLine, type StoredEvent } from './stored-line.ts';

/** A segment to read: its name and how to stream its (plain) bytes. */
export interface SegmentSource {
  name: string;
  /** A proxy may still be writing it: the newest segment of its instance, not shipped. */
  mayBeOpen?: boolean;
  open(): Promise<AsyncIterable<Buffer>>;
}

/** The segments of a folder, oldest first. */
export function* folderSegments(dir: string): Iterable<SegmentSource> {
  const segments = listSegments(dir);
  const newest = new Map<string | undefined, string>();
  for (const segment of segments) if (!segment.shipped) newest.set(segmentInstance(segment.name), segment.name);
  for (const segment of segments) {
    yield {
      name: segment.name,
      mayBeOpen: newest.get(segmentInstance(segment.name)) === segment.name,
      open: async () => createReadStream(segment.path, { highWaterMark: 1 << 20 }),
    };
  }
}

/** The segments shipped under `address`, oldest first (keys sort by day, then by name). */
export async function* bucketSegments(client: S3Client, address: BucketAddress): AsyncIterable<SegmentSource> {
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: address.bucket, Prefix: address.prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) {
      const key = object.Key!;
      const name = key.slice(key.lastIndexOf('/') + 1).replace(/\.gz$/, '');
      if (segmentStartedAt(name) === undefined) continue;
      yield {
        name,
        async open() {
          const { Body } = await client.send(new GetObjectCommand({ Bucket: address.bucket, Key: key }));
          return (Body as Readable).pipe(createGunzip());
        },
      };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

/** Which events to read. */
export interface ReadOptions {
  /** Only events received after this time (epoch ms). */
  since?: number;
  /** Only events received at or before this time (epoch ms). */
  until?: number;
  /** The dedup window: a retry is recognised within it (`RECO_EVENTS_DEDUP_HOURS`). */
  dedupHours: number;
  /** The longest a segment stays open (`RECO_EVENTS_SEGMENT_SECONDS`):
   * segments started long before `since` are skipped. */
  segmentSeconds?: number;
  /**
   * Segments exported by an earlier run: read only where they may hold the original of a
   * retry in a segment not exported yet (so it is not exported a second time), never yielded.
   */
  exported?: (name: string) => boolean;
  /** Called once every event of a segment not exported before has been yielded. */
  onSegmentDone?: (name: string) => void;
  /** Called for a line that does not parse (it is skipped). */
  onBadLine?: (segment: string) => void;
}

/**
 * Every stored event of `segments` not exported before, once per (namespace, id) within the
 * window (`dedupKeyOf`), in segment order. A retry is received within the window after its
 * original, possibly by another instance, in a segment that may be shipped (and so listed)
 * late: before a segment is read, every other segment that may hold the same event (started
 * within the window and a segment's span either side) has been read, so an event is yielded
 * at most once across runs however late its segments arrive. Memory holds the ids of about
 * two windows, whatever the store's size.
 */
export async function* storedEvents(
  segments: Iterable<SegmentSource> | AsyncIterable<SegmentSource>,
  options: ReadOptions,
): AsyncGenerator<StoredEvent> {
  const all: SegmentSource[] = [];
  for await (const segment of segments) all.push(segment);
  const startOf = (segment: SegmentSource): number => segmentStartedAt(segment.name) ?? 0;
  all.sort((a, b) => startOf(a) - startOf(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const seen = new InProcessIdempotencyWindow(options.dedupHours);
  // A segment holds events received from its start to at most a span later (an hour of slack).
  const spanMs = ((options.segmentSeconds ?? 86_400) + 3600) * 1000;
  const reachMs = seen.windowMs + spanMs;
  const exported = options.exported ?? (() => false);
  // Segments started this long before `since` hold no event after it.
  const fresh = all.filter(
    (s) => !exported(s.name) && (options.since === undefined || startOf(s) >= options.since - spanMs),
  );
  const isFresh = new Set(fresh);

  /** Reads one segment: every event is remembered; new ones in the time range are returned. */
  const read = async function* (segment: SegmentSource, yielding: boolean): AsyncGenerator<StoredEvent> {
    const lines = lineChunks(await segment.open());
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      const batch: StoredEvent[] = [];
      const { bytes } = next.value;
      eachLine(bytes, (start, end) => {
        if (start === end) return;
        const event = parseStoredLine(bytes.toString('utf8', start, end));
        if (!event) return options.onBadLine?.(segment.name);
        const key = dedupKeyOf(event);
        if (seen.has(key)) return;
        seen.confirm([key], event.receivedAt);
        if (!yielding) return;
        if (options.since !== undefined && event.receivedAt <= options.since) return;
        if (options.until !== undefined && event.receivedAt > options.until) return;
        batch.push(event);
      });
      yield* batch;
    }
  };

  let ahead = 0;
  for (const segment of fresh) {
    const start = startOf(segment);
    // First the segments that are read only (exported before, or before `since`) and may hold
    // the same events: started within reach before this one, or up to reach after it.
    for (; ahead < all.length && startOf(all[ahead]!) <= start + reachMs; ahead++) {
      const other = all[ahead]!;
      if (isFresh.has(other) || startOf(other) < start - reachMs) continue;
      for await (const _ of read(other, false));
    }
    // Ids received more than a window before this segment's earliest event cannot recur in it or after.
    seen.prune(start - spanMs);
    yield* read(segment, true);
    options.onSegmentDone?.(segment.name);
  }
}

/** Every stored event in the folder `dir`, once each (tests and small exports). */
export async function readStoredEvents(dir: string, dedupHours = 24): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const event of storedEvents(folderSegments(dir), { dedupHours })) events.push(event);
  return events;
}
