/**
 * The event store's writing side: a batch appended to the open segment file (layout in
 * `segment-files.ts`), acknowledged once durable. The other concerns have their own
 * modules: what is read at start (`start-up-scan.ts`), living through a failing disk
 * (`write-failure-recovery.ts`), what stays on disk and the disk bound (`segment-retention.ts`),
 * shipping (`segment-shipper.ts`).
 *
 * Commit rules:
 * - A batch is acknowledged only after its lines are written and fdatasync'ed; concurrent
 *   batches share one write and one sync (group commit).
 * - An event's idempotency key is its namespace and its id (`dedupKeyOf`): `server` for a batch
 *   sent with the storefront server's key, `browser` for any other, so a page cannot make a
 *   server's event a duplicate. Keys are claimed in the idempotency window before the write and
 *   confirmed after it, so a retry within the window is not stored twice.
 * - A batch's keys are registered as in flight before their claim is sent (in the same tick), so a
 *   duplicate of a key whose claim or write is still under way is acknowledged only once that
 *   write is durable and marked (and fails if it fails) — with a fleet-wide window too, whose claim
 *   takes a Redis round trip.
 * - With a fleet-wide window a claim is a short lease, renewed while the write runs; the "stored"
 *   mark is written before the batch is acknowledged, and if Redis cannot take it the batch is
 *   acknowledged all the same (it is durable) with `dedupRecorded: false`.
 * - Writes are positional at the segment's last good length: a failed write (ENOSPC, EIO,
 *   EDQUOT, …) is truncated back to it, its ids released, and the store turns unwritable
 *   until a probe writes again. Nothing acknowledged is lost and nothing unacknowledged stays
 *   on disk to be doubled by the client's retry.
 * - A segment is closed at `segmentBytes` or `segmentSeconds` (and at every start a new one
 *   is begun, so nothing is ever written after a line torn by a crash).
 */
import { mkdirSync } from 'node:fs';
import { type FileHandle, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type ClaimState, type IdempotencyWindow, InProcessIdempotencyWindow } from './idempotency-window.ts';
import { InProcessRecentlyBought, type RecentlyBoughtIndex, sessionBuyer } from './recently-bought.ts';
import { instanceIdOf, listSegments, type SegmentFile, segmentName } from './segment-files.ts';
import { SegmentRetention } from './segment-retention.ts';
import type { ShelfEvent } from './shelf-event.ts';
import { scanSegmentsAtStart } from './start-up-scan.ts';
import { EventStoreUnavailableError } from './store-unavailable.ts';
import { dedupKeyOf, type EventNamespace, type StoredEvent, storedLine } from './stored-line.ts';
import { WriteFailureRecovery } from './write-failure-recovery.ts';

export { EventStoreUnavailableError } from './store-unavailable.ts';
export type { EventNamespace, StoredEvent } from './stored-line.ts';

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

/** An open event store. */
export class EventLog {
  readonly #window: IdempotencyWindow;
  /** Who claims ids for `append`: the window itself, or a fleet-wide one in front of it. */
  #claims: IdempotencyWindow;
  #bought: RecentlyBoughtIndex;
  readonly #now: () => number;
  readonly #logger: Logger | undefined;
  /** Closed segments (shipped or not), by name. */
  readonly #closed = new Map<string, SegmentFile>();
  readonly #retention: SegmentRetention;
  readonly #recovery: WriteFailureRecovery;
  /** Keys whose write is in flight (or whose claim is): a duplicate of one waits for that write. */
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #closedListeners: Array<() => void> = [];
  #segment: OpenSegment | undefined;
  #queue: PendingWrite[] = [];
  #queuedBytes = 0;
  #flushing: Promise<void> | undefined;
  #rollDue = false;
  #tick: NodeJS.Timeout | undefined;
  #lastHousekeeping = 0;
  #quarantined = 0;
  readonly #identifiedAtStart: Array<readonly [string, string]> = [];
  #closing = false;
  /** The last of the segment moves, cuts and erasure's rewrites, which run one at a time. */
  #held: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly options: EventLogOptions,
    /** This store's instance id, part of every segment name. */
    readonly instanceId: string,
  ) {
    this.#now = options.now ?? Date.now;
    this.#logger = options.logger;
    this.#window = options.window ?? new InProcessIdempotencyWindow(options.dedupHours);
    this.#claims = this.#window;
    this.#bought = options.recentlyBoughtIndex ?? new InProcessRecentlyBought(options.purchaseDays);
    this.#retention = new SegmentRetention({
      dir: options.dir,
      maxDiskBytes: options.maxDiskBytes,
      retainHours: options.retainHours,
      windowHours: options.dedupHours,
      lookBackHours: () => options.purchaseDays() * 24,
      closed: this.#closed,
      openBytes: () => this.#segment?.bytes ?? 0,
      queuedBytes: () => this.#queuedBytes,
      now: this.#now,
      logger: options.logger,
    });
    this.#recovery = new WriteFailureRecovery({
      dir: options.dir,
      probeMs: options.probeMs ?? { first: 250, max: 10_000 },
      logger: options.logger,
      onSegmentTruncated: (segment) => {
        this.#closed.set(segment.name, segment);
        for (const listener of this.#closedListeners) listener();
      },
    });
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
    for (const segment of listSegments(options.dir)) log.#closed.set(segment.name, segment);
    const scan = await scanSegmentsAtStart({
      dir: options.dir,
      segments: log.#closed,
      window: log.#window,
      recentlyBought: log.#bought,
      dedupHours: options.dedupHours,
      purchaseDays: options.purchaseDays(),
      now: log.#now(),
      logger: options.logger,
      onIdentify: (sessionId, userId) => log.#identifiedAtStart.push([sessionId, userId]),
    });
    log.#quarantined = scan.quarantinedLines;
    log.#tick = setInterval(() => log.#onTick(), 1000).unref();
    const window = log.#window instanceof InProcessIdempotencyWindow ? log.#window.stats : undefined;
    options.logger?.info(
      {
        dir: options.dir,
        segments: log.#closed.size,
        segmentsRead: scan.segmentsRead,
        windowIds: window?.ids,
        windowBytes: window?.bytes,
        quarantined: log.#quarantined,
        ms: Math.round(performance.now() - started),
      },
      'event store open',
    );
    return log;
  }

  /**
   * Puts a fleet-wide window in front of this store's own (several proxies sharing one Redis):
   * `share` gets the own window and returns the one `append` claims through.
   */
  shareIdempotency(share: (own: IdempotencyWindow) => IdempotencyWindow): void {
    this.#claims = share(this.#window);
  }

  /** Puts a fleet-wide recently-bought index in front of this store's own, as `shareIdempotency` does for ids. */
  shareRecentlyBought(share: (own: RecentlyBoughtIndex) => RecentlyBoughtIndex): void {
    this.#bought = share(this.#bought);
  }

  /**
   * Stores the events whose keys (namespace and id) were not stored within the window; resolves
   * once they are durable. Throws `EventStoreUnavailableError` when the store cannot write now.
   * `dedupRecorded` is false when a shared window's mark could not be written (the events are
   * durable all the same; a retry at another instance may then be stored twice).
   */
  async append(
    events: readonly ShelfEvent[],
    receivedAt = this.#now(),
    namespace: EventNamespace = 'browser',
  ): Promise<{ stored: StoredEvent[]; duplicates: number; dedupRecorded: boolean }> {
    this.#refuseIfUnwritable();
    const keys = events.map((e) => dedupKeyOf({ id: e.id, namespace }));
    // Registered before the claim, in the same tick: a duplicate arriving while the claim is still
    // on its way (to Redis) finds this write and waits for it, whatever the claim's round trip.
    const committed = deferred();
    const mine: string[] = [];
    const earlier = new Set<Promise<void>>();
    for (const key of keys) {
      const pending = this.#inFlight.get(key);
      if (pending === undefined) {
        this.#inFlight.set(key, committed.promise);
        mine.push(key);
      } else if (pending !== committed.promise) earlier.add(pending);
    }
    const settle = (error?: unknown): void => {
      for (const key of mine) if (this.#inFlight.get(key) === committed.promise) this.#inFlight.delete(key);
      if (error === undefined) committed.resolve();
      else committed.reject(error);
    };
    let states: ClaimState[];
    try {
      states = await this.#claims.claim(keys, receivedAt);
    } catch (error) {
      settle(error);
      throw error;
    }
    const fresh: StoredEvent[] = [];
    const claimed: string[] = [];
    events.forEach((event, i) => {
      if (states[i] !== 'claimed') return;
      fresh.push(namespace === 'server' ? { ...event, namespace, receivedAt } : { ...event, receivedAt });
      claimed.push(keys[i]!);
    });
    let dedupRecorded = true;
    if (fresh.length > 0) {
      try {
        const text = fresh.map((e) => storedLine(e, receivedAt)).join('');
        const bytes = Buffer.byteLength(text);
        this.#refuseIfUnwritable();
        await this.#retention.ensureRoom(bytes);
        await new Promise<void>((resolve, reject) => {
          this.#queue.push({ text, done: (error) => (error ? reject(error) : resolve()) });
          this.#queuedBytes += bytes;
          this.#flushing ??= this.#flush();
        });
      } catch (error) {
        try {
          await this.#claims.release(claimed);
        } finally {
          settle(error);
        }
        throw error;
      }
      // Durable; the fleet's mark is written (or given up) before this batch or any duplicate is answered.
      try {
        dedupRecorded = await this.#claims.confirm(claimed, receivedAt);
      } finally {
        settle();
      }
      for (const e of fresh) {
        // A guest's purchase is kept under its session, and joins the customer's when the session signs in.
        const buyer = e.userId ?? (e.sessionId === undefined ? undefined : sessionBuyer(e.sessionId));
        if (e.type === 'purchase' && buyer !== undefined) this.#bought.add(buyer, e.itemId, Math.min(e.ts, receivedAt));
        if (e.type === 'identify') this.#bought.join(sessionBuyer(e.sessionId!), e.userId!);
      }
    } else settle();
    // A duplicate is acknowledged only once its original is durable; if that write failed, so does this batch.
    await Promise.all(earlier);
    return { stored: fresh, duplicates: events.length - fresh.length, dedupRecorded };
  }

  #refuseIfUnwritable(): void {
    if (this.#closing) throw new EventStoreUnavailableError('event store: closing', 1);
    this.#recovery.refuseIfUnwritable();
  }

  /** Writes the queued batches, one write and one fdatasync for all of them, until none is left. */
  async #flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#rollDue) {
      if (this.#rollDue) await this.#closeSegment();
      if (this.#queue.length === 0) break;
      const batch = this.#queue;
      this.#queue = [];
      const data = Buffer.from(batch.map((w) => w.text).join(''));
      this.#queuedBytes -= data.length;
      if (this.#recovery.reason !== undefined) {
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
        this.#recovery.wrote();
        for (const write of batch) write.done();
      } catch (error) {
        await this.#failed(error as NodeJS.ErrnoException);
        this.#failAll(batch);
      }
    }
    this.#flushing = undefined;
  }

  #failAll(batch: PendingWrite[]): void {
    const error = this.#recovery.unavailable();
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
    this.#closed.set(segment.name, this.#closedFile(segment));
    for (const listener of this.#closedListeners) listener();
  }

  #closedFile(segment: OpenSegment): SegmentFile {
    const { name, path, bytes, startedAt } = segment;
    return { name, path, shipped: false, bytes, modifiedAt: this.#now(), startedAt };
  }

  /** A write failed: truncates the segment back to its last good length and turns unwritable. */
  async #failed(error: NodeJS.ErrnoException): Promise<void> {
    this.#recovery.failed(error);
    const segment = this.#segment;
    let truncateTo: SegmentFile | undefined;
    if (segment) {
      try {
        await segment.file.truncate(segment.bytes);
        await segment.file.datasync();
      } catch {
        truncateTo = this.#closedFile(segment);
      }
      // Start again in a fresh segment once writable: the failed one is closed at its good length.
      if (!truncateTo) await this.#closeSegment();
      else {
        this.#segment = undefined;
        await segment.file.close().catch(() => {});
      }
    }
    this.#recovery.startProbing(truncateTo);
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
    await this.#serially(async () => {
      const now = this.#now();
      this.#lastHousekeeping = now;
      await this.#retention.deleteExpired();
      this.#bought.prune(now);
      if (this.#window instanceof InProcessIdempotencyWindow) this.#window.prune(now);
    });
  }

  /** Closed segments not yet shipped, oldest first. */
  unshippedSegments(): SegmentFile[] {
    return this.#retention.unshipped();
  }

  /** Records that `name` is uploaded and verified: it moves to `shipped/`, to be deleted after retention. */
  async markShipped(name: string): Promise<void> {
    await this.#serially(() => this.#retention.markShipped(name));
    await this.housekeep();
  }

  /**
   * Runs `work` on every closed segment once the appends begun before this call are written and the
   * open segment is closed, while no segment is moved to `shipped/`, cut or deleted by age (erasure's
   * rewrite, `segment-erasure.ts`; the disk bound may still delete a shipped one).
   */
  async withSegmentsHeld<T>(work: (closed: Map<string, SegmentFile>) => Promise<T>): Promise<T> {
    await Promise.allSettled([...this.#inFlight.values()]);
    await this.roll();
    return this.#serially(() => work(this.#closed));
  }

  /** Runs `work` after the segment moves, cuts and rewrites queued before it. */
  #serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.#held.then(work);
    this.#held = run.catch(() => {});
    return run;
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

  /** The sign-ins (`identify`: session, customer) read from the segments at start, oldest first. */
  get identifiedAtStart(): ReadonlyArray<readonly [string, string]> {
    return this.#identifiedAtStart;
  }

  /** Items this customer bought within the last `days` days, the most recent purchase first. */
  recentlyBought(userId: string | undefined, days: number, now = this.#now()): ReadonlySet<string> {
    return userId === undefined ? new Set() : this.#bought.recentlyBought(userId, days, now);
  }

  /** Forgets the purchases of the customers `erased` names (erasure); returns how many customers. */
  forgetPurchases(erased: (userId: string) => boolean): number {
    return this.#bought.forget(erased);
  }

  /** Whether the store takes events, and why not. */
  health(): EventStoreHealth {
    const reason = this.#recovery.reason ?? this.#retention.overBound;
    return reason === undefined ? { writable: true } : { writable: false, reason };
  }

  /** Sizes and counts, for metrics. */
  stats(): EventStoreStats {
    const waiting = this.unshippedSegments();
    return {
      segmentsWaiting: waiting.length,
      bytesWaiting: waiting.reduce((sum, s) => sum + s.bytes, 0),
      diskBytes: this.#retention.diskBytes(),
      quarantinedLines: this.#quarantined,
      windowIds: this.#window instanceof InProcessIdempotencyWindow ? this.#window.stats.ids : 0,
    };
  }

  /** Waits for pending writes, closes the open segment (so it ships next time), stops the timers. */
  async close(): Promise<void> {
    clearInterval(this.#tick);
    this.#recovery.stop();
    while (this.#flushing) await this.#flushing;
    this.#closing = true;
    await this.#closeSegment();
  }
}
