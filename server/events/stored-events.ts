/**
 * Reads stored events back, streaming, from an event folder (segments and `shipped/`) or
 * from the bucket segments were shipped to, de-duplicated by id across instances (a retry
 * may have reached another proxy) within the dedup window. Used by `events:export` and by tests.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { InProcessIdempotencyWindow } from './idempotency-window.ts';
import { listSegments, segmentStartedAt } from './segment-files.ts';
import { eachLine, lineChunks } from './segment-lines.ts';
import type { BucketAddress } from './segment-shipper.ts';
import { parseStoredLine, type StoredEvent } from './stored-line.ts';

/** A segment to read: its name and how to stream its (plain) bytes. */
export interface SegmentSource {
  name: string;
  open(): Promise<AsyncIterable<Buffer>>;
}

/** The segments of a folder, oldest first. */
export function* folderSegments(dir: string): Iterable<SegmentSource> {
  for (const segment of listSegments(dir)) {
    yield { name: segment.name, open: async () => createReadStream(segment.path, { highWaterMark: 1 << 20 }) };
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
  /** Called for a line that does not parse (it is skipped). */
  onBadLine?: (segment: string) => void;
}

/** Every stored event of `segments`, once per id within the window, in segment order. */
export async function* storedEvents(
  segments: Iterable<SegmentSource> | AsyncIterable<SegmentSource>,
  options: ReadOptions,
): AsyncGenerator<StoredEvent> {
  const seen = new InProcessIdempotencyWindow(options.dedupHours);
  let latest = 0;
  const skipBefore =
    options.since === undefined ? undefined : options.since - ((options.segmentSeconds ?? 86_400) + 3600) * 1000;
  for await (const segment of segments) {
    if (skipBefore !== undefined && (segmentStartedAt(segment.name) ?? 0) < skipBefore) continue;
    const lines = lineChunks(await segment.open());
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      const batch: StoredEvent[] = [];
      const { bytes } = next.value;
      eachLine(bytes, (start, end) => {
        if (start === end) return;
        const event = parseStoredLine(bytes.toString('utf8', start, end));
        if (!event) return options.onBadLine?.(segment.name);
        if (seen.has(event.id)) return;
        seen.confirm([event.id], event.receivedAt);
        if (event.receivedAt > latest) {
          latest = event.receivedAt;
          // Instances interleave within a segment's span: keep twice the window.
          seen.prune(latest - seen.windowMs);
        }
        if (options.since !== undefined && event.receivedAt <= options.since) return;
        if (options.until !== undefined && event.receivedAt > options.until) return;
        batch.push(event);
      });
      yield* batch;
    }
  }
}

/** Every stored event in the folder `dir`, once each (tests and small exports). */
export async function readStoredEvents(dir: string, dedupHours = 24): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const event of storedEvents(folderSegments(dir), { dedupHours })) events.push(event);
  return events;
}
