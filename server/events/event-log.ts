/**
 * The event store: append-only segment files in one folder (layout in `segment-files.ts`).
 *
 * Commit rules:
 * - A batch is acknowledged only after its lines are written and fdatasync'ed; concurrent
 *   batches share one write and one sync (group commit).
 * - Ids are claimed in the idempotency window before the write and confirmed after it, so a
 *   retry within the window is not stored twice; a duplicate of an id whose write is still
 *   in flight is acknowledged only once that write is durable (and fails if it fails).
 * - Writes are positional at the segment's last good length: a failed write (ENOSPC, EIO,
 *   EDQUOT, …) is truncated back to it, its ids released, and the store turns unwritable:
 *   every batch gets `EventStoreUnavailableError` (a 503) until a probe with backoff writes
 *   again. Nothing acknowledged is lost and nothing unacknowledged stays on disk to be
 *   doubled by the client's retry.
 * - A segment is closed at `segmentBytes` or `segmentSeconds`; closed segments are shipped
 *   (`segment-shipper.ts`), then moved to `shipped/` and deleted after `retainHours`, or
 *   earlier when the folder reaches `maxDiskBytes`. Unshipped segments are never deleted:
 *   at the bound, new events get a 503 instead.
 * - Start-up streams the segments (never one whole file in memory), reading only those
 *   new enough for the window or the recently-bought horizon; a line that does not parse is
 *   moved to `quarantine/`, counted and logged, and the proxy starts.
 */
import { createReadStream, mkdirSync } from 'node:fs';
import { appendFile, type FileHandle, open, rename, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { hashOfIdBytes, type IdempotencyWindow, InProcessIdempotencyWindow } from './idempotency-window.ts';
import { InProcessRecentlyBought, type RecentlyBoughtIndex } from './recently-bought.ts';
import { eachLine, lineChunks, readLineChunks } from './segment-lines.ts';
import {
  instanceIdOf,
  listSegments,
  quarantineFolder,
  type SegmentFile,
  segmentName,
  shippedFolder,
} from './segment-files.ts';
import type { ShelfEvent } from './shelf-event.ts';
import { parseStoredLine, type StoredEvent, scanStoredLine, storedLine } from './stored-line.ts';

export type { StoredEvent } from './stored-line.ts';

/** How the store is set up; the sizes and times come from the config. */
export interface EventLogOptions {
  dir: string;
  segmentBytes: number;
  segmentSeconds: number;
  dedupHours: number;
  maxDiskBytes: number;
  retainHours: number;
  /** The longest `recentlyBoughtDays` a placement uses: how long purchases are kept. */
  purchaseDays: () => number;
  logger?: Logger;
  /** Another window (e.g. shared by several proxies); default: in this process, `dedupHours` long. */
  window?: IdempotencyWindow;
  /** Another recently-bought index; default: in this process. */
  recentlyBoughtIndex?: RecentlyBoughtIndex;
  /** The clock (tests). */
  now?: () => number;
  /** First and longest wait between probes of an unwritable store, in ms. */
  probeMs?: { first: number; max: number };
}

/** The store cannot take events now; `retryAfterSeconds` is a fair time to wait. */
export class EventStoreUnavailableError extends Error {
  override readonly name = 'EventStoreUnavailableError';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

/** Whether the store takes events, and why not. */
export type EventStoreHealth = { writable: true } | { writable: false; reason: string };

/** Counters and sizes for metrics and logs. */
export interface EventStoreStats {
  /** Closed segments not yet shipped, and their bytes (all closed segments when nothing ships). */
  segmentsWaiting: number;
  bytesWaiting: number;
  /** Bytes of every segment in the folder. */
  diskBytes: number;
  /** Lines moved to quarantine at start. */
  quarantinedLines: number;
  /** Ids in the in-process window (0 for another window). */
  windowIds: number;
}

interface PendingWrite {
  text: string;
  done: (error?: Error) => void;
}

interface OpenSegment {
  name: string;
  path: string;
  file: FileHandle;
  /** Bytes durably written: the length a failed write is truncated back to. */
  bytes: number;
  startedAt: number;
}

const hourMs = 3_600_000;

/** A promise with its settle functions (Node 20 has no Promise.withResolvers). */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Only duplicates await it; with none, a failure is reported by append itself.
  promise.catch(() => {});
  return { promise, resolve, reject };
}
const dayMs = 86_400_000;
const writeErrorCodes = new Set(['ENOSPC', 'EIO', 'EDQUOT', 'EROFS', 'EFBIG', 'ENOMEM', 'EBADF']);

/** An open event store. */
export class EventLog {
  readonly #window: IdempotencyWindow;
  /** Who claims ids for `append`: the window itself, or a fleet-wide one in front of it. */
  #claims: IdempotencyWindow;
  readonly #bought: RecentlyBoughtIndex;
  readonly #now: () => number;
  readonly #logger: Logger | undefined;
  readonly #probeMs: { first: number; max: number };
  /** Closed segments (shipped or not), by name. */
  readonly #closed = new Map<string, SegmentFile>();
  /** Ids whose write is in flight: a duplicate of one waits for that write. */
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #closedListeners: Array<() => void> = [];
  #segment: OpenSegment | undefined;
  #queue: PendingWrite[] = [];
  #queuedBytes = 0;
  #flushing: Promise<void> | undefined;
  #rollDue = false;
  #unwritable: { reason: string; truncateTo?: SegmentFile } | undefined;
  #overBound: string | undefined;
  #probeDelay = 0;
  #probeTimer: NodeJS.Timeout | undefined;
  #tick: NodeJS.Timeout | undefined;
  #lastHousekeeping = 0;
  #quarantined = 0;
  #closing = false;

  private constructor(
    readonly options: EventLogOptions,
    /** This store's instance id, part of every segment name. */
    readonly instanceId: string,
  ) {
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger;
    this.#probeMs = options.probeMs ?? { first: 250, max: 10_000 };
    this.#window = options.window ?? new InProcessIdempotencyWindow(options.dedupHours);
    this.#claims = this.#window;
    this.#bought = options.recentlyBoughtIndex ?? new InProcessRecentlyBought(options.purchaseDays);
  }

  /** The store's folder. */
  get dir(): string {
    return this.options.dir;
  }

  /** Opens (or creates) the store in `options.dir`, reading what the window and the index need. */
  static async open(options: EventLogOptions): Promise<EventLog> {
    mkdirSync(options.dir, { recursive: true });
    const log = new EventLog(options, instanceIdOf(options.dir));
    const started = performance.now();
    let read = 0;
    for (const segment of listSegments(options.dir)) {
      log.#closed.set(segment.name, segment);
      const horizon = log.#now() - Math.max(options.dedupHours * hourMs, options.purchaseDays() * dayMs);
      // Every event of a segment was received before it was last written.
      if (segment.modifiedAt < horizon) continue;
      await log.#load(segment);
      read++;
    }
    if (log.#window instanceof InProcessIdempotencyWindow) log.#window.seal();
    log.#tick = setInterval(() => log.#onTick(), 1000).unref();
    const window = log.#window instanceof InProcessIdempotencyWindow ? log.#window.stats : undefined;
    options.logger?.info(
      {
        dir: options.dir,
        segments: log.#closed.size,
        segmentsRead: read,
        windowIds: window?.ids,
        windowBytes: window?.bytes,
        quarantined: log.#quarantined,
        ms: Math.round(performance.now() - started),
      },
      'event store open',
    );
    return log;
  }

  /** Streams one segment into the window and the index; quarantines the lines that do not parse. */
  async #load(segment: SegmentFile): Promise<void> {
    const window = this.#window instanceof InProcessIdempotencyWindow ? this.#window : undefined;
    const now = this.#now();
    const windowStart = now - this.#window.windowMs;
    const purchaseStart = now - this.options.purchaseDays() * dayMs;
    let bad = 0;
    const remember = (event: StoredEvent): void => {
      if (event.type === 'purchase' && event.userId !== undefined) {
        const at = Math.min(event.ts, event.receivedAt);
        if (at >= purchaseStart) this.#bought.add(event.userId, event.itemId, at);
      }
    };
    const tail = await readLineChunks(segment.path, (bytes, chunkEnd) => {
      // A plain loop, not eachLine: this runs once per stored event at every start.
      for (let start = 0, end = bytes.indexOf(10); end !== -1 && end < chunkEnd; ) {
        if (start !== end) {
          const scanned = scanStoredLine(bytes, start, end);
          if (scanned && scanned.type !== 'purchase') {
            if (window && scanned.receivedAt >= windowStart) {
              const hash = hashOfIdBytes(bytes, scanned.idStart, scanned.idEnd);
              window.addHash(hash[0]!, hash[1]!, scanned.receivedAt);
            }
          } else {
            const event = parseStoredLine(bytes.toString('utf8', start, end));
            if (!event) bad++;
            else {
              if (window && event.receivedAt >= windowStart) window.confirm([event.id], event.receivedAt);
              remember(event);
            }
          }
        }
        start = end + 1;
        end = start < chunkEnd ? bytes.indexOf(10, start) : -1;
      }
    });
    if (bad > 0) await this.#rewriteWithoutBadLines(segment);
    else if (tail.length > 0) {
      // A line torn by a crash mid-write: never acknowledged, so never stored.
      await this.#quarantine(segment.name, [tail]);
      await truncate(segment.path, segment.bytes - tail.length);
      segment.bytes -= tail.length;
    }
  }

  /** Rewrites a segment with its good lines only; the others (and a torn tail) go to quarantine. */
  async #rewriteWithoutBadLines(segment: SegmentFile): Promise<void> {
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
    await this.#quarantine(segment.name, bad);
    if (kept === 0) {
      await rm(temporary);
      await unlink(segment.path);
      this.#closed.delete(segment.name);
    } else {
      await rename(temporary, segment.path);
      segment.bytes = kept;
    }
  }

  async #quarantine(name: string, lines: Buffer[]): Promise<void> {
    const folder = join(this.dir, quarantineFolder);
    mkdirSync(folder, { recursive: true });
    const text = lines.map((l) => (l[l.length - 1] === 10 ? l : Buffer.concat([l, Buffer.from('\n')])));
    await appendFile(join(folder, name), Buffer.concat(text));
    this.#quarantined += lines.length;
    this.#logger?.warn(
      { segment: name, lines: lines.length, quarantine: join(folder, name) },
      'event store: lines that do not parse moved to quarantine',
    );
  }

  /**
   * Puts a fleet-wide window in front of this store's own (several proxies sharing one Redis):
   * `share` gets the own window and returns the one `append` claims through.
   */
  shareIdempotency(share: (own: IdempotencyWindow) => IdempotencyWindow): void {
    this.#claims = share(this.#window);
  }

  /**
   * Stores the events whose ids were not stored within the window; resolves once they are
   * durable. Throws `EventStoreUnavailableError` when the store cannot write now.
   */
  async append(
    events: readonly ShelfEvent[],
    receivedAt = this.#now(),
  ): Promise<{ stored: StoredEvent[]; duplicates: number }> {
    this.#refuseIfUnwritable();
    const states = await this.#claims.claim(
      events.map((e) => e.id),
      receivedAt,
    );
    const fresh: StoredEvent[] = [];
    const duplicateIds: string[] = [];
    events.forEach((event, i) => {
      if (states[i] === 'claimed') fresh.push({ ...event, receivedAt });
      else if (states[i] === 'pending') duplicateIds.push(event.id);
    });
    const ids = fresh.map((e) => e.id);
    // Registered before any await, so a duplicate arriving meanwhile waits for this commit.
    const committed = deferred();
    for (const id of ids) this.#inFlight.set(id, committed.promise);
    const earlier = new Set<Promise<void>>();
    for (const id of duplicateIds) {
      const pending = this.#inFlight.get(id);
      if (pending && pending !== committed.promise) earlier.add(pending);
    }
    if (fresh.length > 0) {
      try {
        const text = fresh.map((e) => storedLine(e, receivedAt)).join('');
        const bytes = Buffer.byteLength(text);
        this.#refuseIfUnwritable();
        await this.#ensureRoom(bytes);
        await new Promise<void>((resolve, reject) => {
          this.#queue.push({ text, done: (error) => (error ? reject(error) : resolve()) });
          this.#queuedBytes += bytes;
          this.#flushing ??= this.#flush();
        });
        await this.#claims.confirm(ids, receivedAt);
        committed.resolve();
      } catch (error) {
        await this.#claims.release(ids);
        committed.reject(error);
        throw error;
      } finally {
        for (const id of ids) this.#inFlight.delete(id);
      }
      for (const e of fresh) {
        if (e.type === 'purchase' && e.userId !== undefined)
          this.#bought.add(e.userId, e.itemId, Math.min(e.ts, receivedAt));
      }
    }
    // A duplicate is acknowledged only once its original is durable; if that write failed, so does this batch.
    await Promise.all(earlier);
    return { stored: fresh, duplicates: events.length - fresh.length };
  }

  #refuseIfUnwritable(): void {
    if (this.#closing) throw new EventStoreUnavailableError('event store: closing', 1);
    if (this.#unwritable) {
      throw new EventStoreUnavailableError(
        `event store unwritable: ${this.#unwritable.reason}`,
        Math.max(1, Math.ceil(this.#probeDelay / 1000)),
      );
    }
  }

  /** Makes room for `bytes` under the disk bound, deleting shipped segments oldest first. */
  async #ensureRoom(bytes: number): Promise<void> {
    const need = (): number => this.#diskBytes() + this.#queuedBytes + bytes - this.options.maxDiskBytes;
    if (need() <= 0) {
      this.#overBound = undefined;
      return;
    }
    for (const segment of [...this.#closed.values()].filter((s) => s.shipped)) {
      if (need() <= 0) break;
      await this.#delete(segment, 'disk bound');
    }
    if (need() <= 0) {
      this.#overBound = undefined;
      return;
    }
    const max = this.options.maxDiskBytes;
    this.#overBound = `disk bound reached: ${this.#diskBytes()} bytes of unshipped events (max ${max})`;
    throw new EventStoreUnavailableError(`event store full: ${this.#overBound}`, 60);
  }

  #diskBytes(): number {
    let bytes = this.#segment?.bytes ?? 0;
    for (const segment of this.#closed.values()) bytes += segment.bytes;
    return bytes;
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#rollDue) {
      if (this.#rollDue) await this.#closeSegment();
      if (this.#queue.length === 0) break;
      const batch = this.#queue;
      this.#queue = [];
      const data = Buffer.from(batch.map((w) => w.text).join(''));
      this.#queuedBytes -= data.length;
      if (this.#unwritable) {
        this.#failAll(batch);
        continue;
      }
      try {
        const segment = await this.#segmentFor(data.length);
        for (let done = 0; done < data.length; ) {
          const { bytesWritten } = await segment.file.write(data, done, data.length - done, segment.bytes + done);
          done += bytesWritten;
        }
        await segment.file.datasync();
        segment.bytes += data.length;
        this.#probeDelay = 0;
        for (const write of batch) write.done();
      } catch (error) {
        await this.#failed(error as NodeJS.ErrnoException);
        this.#failAll(batch);
      }
    }
    this.#flushing = undefined;
  }

  #failAll(batch: PendingWrite[]): void {
    const error = new EventStoreUnavailableError(
      `event store unwritable: ${this.#unwritable?.reason ?? 'write failed'}`,
      Math.max(1, Math.ceil(this.#probeDelay / 1000)),
    );
    for (const write of batch) write.done(error);
  }

  /** The open segment, rolled first when `bytes` more would pass its size or it is too old. */
  async #segmentFor(bytes: number): Promise<OpenSegment> {
    const current = this.#segment;
    const tooBig = current && current.bytes > 0 && current.bytes + bytes > this.options.segmentBytes;
    if (current && (tooBig || this.#now() - current.startedAt >= this.options.segmentSeconds * 1000))
      await this.#closeSegment();
    if (this.#segment) return this.#segment;
    let startedAt = this.#now();
    while (this.#closed.has(segmentName(startedAt, this.instanceId))) startedAt++;
    const name = segmentName(startedAt, this.instanceId);
    const path = join(this.dir, name);
    const file = await open(path, 'wx');
    this.#segment = { name, path, file, bytes: 0, startedAt };
    try {
      // The new name must survive a power cut too: sync the folder once per segment.
      const folder = await open(this.dir, 'r');
      await folder.sync().finally(() => folder.close());
    } catch (error) {
      this.#logger?.warn({ err: error }, 'event store: could not sync the folder');
    }
    return this.#segment;
  }

  async #closeSegment(): Promise<void> {
    this.#rollDue = false;
    const segment = this.#segment;
    if (!segment) return;
    this.#segment = undefined;
    await segment.file.close().catch(() => {});
    if (segment.bytes === 0) {
      await unlink(segment.path).catch(() => {});
      return;
    }
    this.#closed.set(segment.name, {
      name: segment.name,
      path: segment.path,
      shipped: false,
      bytes: segment.bytes,
      modifiedAt: this.#now(),
      startedAt: segment.startedAt,
    });
    for (const listener of this.#closedListeners) listener();
  }

  /** Truncates back to the last good length and turns unwritable until a probe succeeds. */
  async #failed(error: NodeJS.ErrnoException): Promise<void> {
    const segment = this.#segment;
    const reason = `${error.code && writeErrorCodes.has(error.code) ? error.code : (error.code ?? 'write failed')}: ${
      error.message
    }`;
    this.#unwritable = { reason };
    if (segment) {
      try {
        await segment.file.truncate(segment.bytes);
        await segment.file.datasync();
      } catch {
        this.#unwritable.truncateTo = {
          name: segment.name,
          path: segment.path,
          shipped: false,
          bytes: segment.bytes,
          modifiedAt: this.#now(),
          startedAt: segment.startedAt,
        };
      }
      // Start again in a fresh segment once writable: the failed one is closed at its good length.
      if (!this.#unwritable.truncateTo) await this.#closeSegment();
      else {
        this.#segment = undefined;
        await segment.file.close().catch(() => {});
      }
    }
    this.#logger?.error({ reason }, 'event store unwritable: answering 503 until a probe writes again');
    this.#scheduleProbe();
  }

  #scheduleProbe(): void {
    this.#probeDelay = Math.min(this.#probeMs.max, this.#probeDelay ? this.#probeDelay * 2 : this.#probeMs.first);
    clearTimeout(this.#probeTimer);
    this.#probeTimer = setTimeout(() => void this.#probe(), this.#probeDelay);
    this.#probeTimer.unref();
  }

  /** Tries to write (and sync) a probe file; writable again when it can. */
  async #probe(): Promise<void> {
    if (!this.#unwritable || this.#closing) return;
    const probe = join(this.dir, '.write-probe');
    try {
      const pending = this.#unwritable.truncateTo;
      if (pending) {
        await truncate(pending.path, pending.bytes);
        this.#closed.set(pending.name, pending);
        this.#unwritable.truncateTo = undefined;
        for (const listener of this.#closedListeners) listener();
      }
      await writeFile(probe, Buffer.alloc(64 * 1024), { flush: true });
      await unlink(probe);
      const reason = this.#unwritable.reason;
      this.#unwritable = undefined;
      this.#logger?.warn({ was: reason }, 'event store writable again');
    } catch (error) {
      await unlink(probe).catch(() => {});
      this.#logger?.debug({ err: (error as Error).message }, 'event store probe failed');
      this.#scheduleProbe();
    }
  }

  #onTick(): void {
    const now = this.#now();
    const segment = this.#segment;
    if (segment && segment.bytes > 0 && now - segment.startedAt >= this.options.segmentSeconds * 1000) {
      this.#rollDue = true;
      this.#flushing ??= this.#flush();
    }
    if (now - this.#lastHousekeeping >= 60_000) void this.housekeep();
  }

  /** Deletes shipped segments past retention and prunes the window and the index. */
  async housekeep(): Promise<void> {
    const now = this.#now();
    this.#lastHousekeeping = now;
    const retainFrom = now - this.options.retainHours * hourMs;
    for (const segment of [...this.#closed.values()]) {
      if (segment.shipped && segment.modifiedAt <= retainFrom) await this.#delete(segment, 'retention');
    }
    this.#bought.prune(now);
    if (this.#window instanceof InProcessIdempotencyWindow) this.#window.prune(now);
    if (this.#overBound && this.#diskBytes() < this.options.maxDiskBytes) this.#overBound = undefined;
  }

  async #delete(segment: SegmentFile, why: string): Promise<void> {
    await rm(segment.path, { force: true });
    this.#closed.delete(segment.name);
    this.#logger?.info({ segment: segment.name, bytes: segment.bytes, why }, 'event store: shipped segment deleted');
  }

  /** Closed segments not yet shipped, oldest first. */
  unshippedSegments(): SegmentFile[] {
    return [...this.#closed.values()].filter((s) => !s.shipped).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Records that `name` is uploaded and verified: it moves to `shipped/`, to be deleted after retention. */
  async markShipped(name: string): Promise<void> {
    const segment = this.#closed.get(name);
    if (!segment || segment.shipped) return;
    const folder = join(this.dir, shippedFolder);
    mkdirSync(folder, { recursive: true });
    const path = join(folder, name);
    await rename(segment.path, path);
    this.#closed.set(name, { ...segment, path, shipped: true, modifiedAt: this.#now() });
    await this.housekeep();
  }

  /** Calls `listener` whenever a segment is closed. */
  onSegmentClosed(listener: () => void): void {
    this.#closedListeners.push(listener);
  }

  /** Closes the open segment now (tests, and a proxy told to ship what it has). */
  async roll(): Promise<void> {
    this.#rollDue = true;
    this.#flushing ??= this.#flush();
    await this.#flushing;
  }

  /** Items this customer bought within the last `days` days, the most recent purchase first. */
  recentlyBought(userId: string | undefined, days: number, now = this.#now()): ReadonlySet<string> {
    return userId === undefined ? new Set() : this.#bought.recentlyBought(userId, days, now);
  }

  /** Whether the store takes events, and why not. */
  health(): EventStoreHealth {
    const reason = this.#unwritable?.reason ?? this.#overBound;
    return reason === undefined ? { writable: true } : { writable: false, reason };
  }

  /** Sizes and counts, for metrics. */
  stats(): EventStoreStats {
    const waiting = this.unshippedSegments();
    return {
      segmentsWaiting: waiting.length,
      bytesWaiting: waiting.reduce((sum, s) => sum + s.bytes, 0),
      diskBytes: this.#diskBytes(),
      quarantinedLines: this.#quarantined,
      windowIds: this.#window instanceof InProcessIdempotencyWindow ? this.#window.stats.ids : 0,
    };
  }

  /** Waits for pending writes, closes the open segment (so it ships next time), stops the timers. */
  async close(): Promise<void> {
    clearInterval(this.#tick);
    clearTimeout(this.#probeTimer);
    while (this.#flushing) await this.#flushing;
    this.#closing = true;
    await this.#closeSegment();
  }
}
