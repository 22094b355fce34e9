/**
 * What the store reads at start: the segments new enough for the idempotency window or the
 * recently-bought horizon, streamed (never one whole file in memory) into the window (each id
 * under its namespace's key, a line without a namespace as `browser`) and the index. A line
 * that does not parse is moved to `quarantine/`, counted and logged, and the proxy starts: a
 * torn last line (a crash mid-write, never acknowledged) is cut off; a segment with bad lines
 * inside is rewritten with its good lines only.
 */
import { createReadStream, mkdirSync } from 'node:fs';
import { appendFile, open, rename, rm, truncate, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { hashOfIdBytes, type IdempotencyWindow, InProcessIdempotencyWindow } from './idempotency-window.ts';
import { type RecentlyBoughtIndex, sessionBuyer } from './recently-bought.ts';
import { quarantineFolder, type SegmentFile } from './segment-files.ts';
import { eachLine, lineChunks, readLineChunks } from './segment-lines.ts';
import { dedupKeyOf, parseStoredLine, type StoredEvent, scanStoredLine } from './stored-line.ts';

const hourMs = 3_600_000;
const dayMs = 86_400_000;

/** What the scan reads into, and how far back. */
export interface StartUpScanOptions {
  /** The event folder (its `quarantine/` gets the bad lines). */
  dir: string;
  /** Every segment in the folder, oldest first: read ones are updated, emptied ones removed. */
  segments: Map<string, SegmentFile>;
  /** Gets the id of every event received within its window. */
  window: IdempotencyWindow;
  /** Gets every purchase within `purchaseDays`. */
  recentlyBought: RecentlyBoughtIndex;
  /** The window's length: segments older than it and `purchaseDays` are not read. */
  dedupHours: number;
  purchaseDays: number;
  /** The time of the start, epoch ms. */
  now: number;
  /** Told of each sign-in (`identify`) read, oldest first: the session's link to its customer outlives a restart. */
  onIdentify?: (sessionId: string, userId: string) => void;
  logger?: Logger | undefined;
}

/** What the scan did. */
export interface StartUpScanResult {
  /** Segments new enough to be read. */
  segmentsRead: number;
  /** Lines moved to `quarantine/`. */
  quarantinedLines: number;
}

/** Reads the segments the window and the index need; quarantines the lines that do not parse. */
export async function scanSegmentsAtStart(options: StartUpScanOptions): Promise<StartUpScanResult> {
  const { now } = options;
  const horizon = now - Math.max(options.dedupHours * hourMs, options.purchaseDays * dayMs);
  const result: StartUpScanResult = { segmentsRead: 0, quarantinedLines: 0 };
  // Only this process's own window takes the ids read at start as bare hashes, and is sealed after.
  const ownWindow = options.window instanceof InProcessIdempotencyWindow ? options.window : undefined;
  for (const segment of [...options.segments.values()]) {
    // Every event of a segment was received before it was last written.
    if (segment.modifiedAt < horizon) continue;
    await loadSegment(segment, ownWindow, options, result);
    result.segmentsRead++;
  }
  ownWindow?.seal();
  return result;
}

/** Streams one segment into the window and the index; quarantines the lines that do not parse. */
async function loadSegment(
  segment: SegmentFile,
  window: InProcessIdempotencyWindow | undefined,
  options: StartUpScanOptions,
  result: StartUpScanResult,
) {
  const windowStart = options.now - options.window.windowMs;
  const purchaseStart = options.now - options.purchaseDays * dayMs;
  let bad = 0;
  const remember = (event: StoredEvent): void => {
    // A guest's purchase under its session (`sessionBuyer`), joined to the customer by a later sign-in.
    const buyer = event.userId ?? (event.sessionId === undefined ? undefined : sessionBuyer(event.sessionId));
    if (event.type === 'purchase' && buyer !== undefined) {
      const at = Math.min(event.ts, event.receivedAt);
      if (at >= purchaseStart) options.recentlyBought.add(buyer, event.itemId, at);
    }
    if (event.type === 'identify' && event.sessionId !== undefined && event.userId !== undefined) {
      options.recentlyBought.join(sessionBuyer(event.sessionId), event.userId);
      options.onIdentify?.(event.sessionId, event.userId);
    }
  };
  const tail = await readLineChunks(segment.path, (bytes, chunkEnd) => {
    // A plain loop, not eachLine: this runs once per stored event at every start.
    for (let start = 0, end = bytes.indexOf(10); end !== -1 && end < chunkEnd; ) {
      if (start !== end) {
        const scanned = scanStoredLine(bytes, start, end);
        if (scanned && scanned.type !== 'purchase' && scanned.type !== 'identify') {
          if (window && scanned.receivedAt >= windowStart) {
            const hash = hashOfIdBytes(scanned.namespace, bytes, scanned.idStart, scanned.idEnd);
            window.addHash(hash[0]!, hash[1]!, scanned.receivedAt);
          }
        } else {
          const event = parseStoredLine(bytes.toString('utf8', start, end));
          if (!event) bad++;
          else {
            if (window && event.receivedAt >= windowStart) window.confirm([dedupKeyOf(event)], event.receivedAt);
            remember(event);
          }
        }
      }
      start = end + 1;
      end = start < chunkEnd ? bytes.indexOf(10, start) : -1;
    }
  });
  if (bad > 0) await rewriteWithoutBadLines(segment, options, result);
  else if (tail.length > 0) {
    // A line torn by a crash mid-write: never acknowledged, so never stored.
    await quarantine(options, segment.name, [tail], result);
    await truncate(segment.path, segment.bytes - tail.length);
    segment.bytes -= tail.length;
  }
}

/** Rewrites a segment with its good lines only; the others (and a torn tail) go to quarantine. */
async function rewriteWithoutBadLines(segment: SegmentFile, options: StartUpScanOptions, result: StartUpScanResult) {
  const temporary = `${segment.path}.rewrite`;
  const out = await open(temporary, 'w');
  const bad: Buffer[] = [];
  let kept = 0;
  try {
    const lines = lineChunks(createReadStream(segment.path, { highWaterMark: 1 << 20 }));
    let next = await lines.next();
    while (!next.done) {
      const { bytes } = next.value;
      const good: Buffer[] = [];
      eachLine(bytes, (start, end) => {
        if (start === end) return;
        const line = bytes.subarray(start, end + 1);
        if (scanStoredLine(bytes, start, end) || parseStoredLine(bytes.toString('utf8', start, end))) good.push(line);
        else bad.push(line);
      });
      const chunk = Buffer.concat(good);
      await out.write(chunk);
      kept += chunk.length;
      next = await lines.next();
    }
    if (next.value.tail.length > 0) bad.push(next.value.tail);
    await out.datasync();
  } finally {
    await out.close();
  }
  await quarantine(options, segment.name, bad, result);
  if (kept === 0) {
    await rm(temporary);
    await unlink(segment.path);
    options.segments.delete(segment.name);
  } else {
    await rename(temporary, segment.path);
    segment.bytes = kept;
  }
}

async function quarantine(options: StartUpScanOptions, name: string, lines: Buffer[], result: StartUpScanResult) {
  const folder = join(options.dir, quarantineFolder);
  mkdirSync(folder, { recursive: true });
  const text = lines.map((l) => (l[l.length - 1] === 10 ? l : Buffer.concat([l, Buffer.from('\n')])));
  await appendFile(join(folder, name), Buffer.concat(text));
  result.quarantinedLines += lines.length;
  options.logger?.warn(
    { segment: name, lines: lines.length, quarantine: join(folder, name) },
    'event store: lines that do not parse moved to quarantine',
  );
}
