/**
 * What stays on local disk: closed segments are shipped (`segment-shipper.ts`), then moved
 * to `shipped/` and deleted after `retainHours`, or earlier when the folder reaches
 * `maxDiskBytes`. Unshipped segments are never deleted: at the bound, new events get a 503
 * instead (acknowledged data is never dropped to make room).
 *
 * A restart rebuilds the idempotency window and the recently-bought index from the segments
 * on disk, so what they read is kept whatever `retainHours` says: a shipped segment stays whole
 * for the dedup window at least, and past that it is cut down to its purchases (a small part of
 * the events) and kept while the longest `recentlyBoughtDays` of the live rules still reaches
 * it (read at each housekeeping): a purchase must not come back on the shelf after a restart
 * because its segment went first. Only the disk bound deletes sooner.
 */
import { createReadStream, mkdirSync } from 'node:fs';
import { open, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { purchasesFolder, type SegmentFile, shippedFolder } from './segment-files.ts';
import { eachLine, lineChunks } from './segment-lines.ts';
import { EventStoreUnavailableError } from './store-unavailable.ts';
import { parseStoredLine, scanStoredLine } from './stored-line.ts';

const hourMs = 3_600_000;

/** What retention needs. */
export interface SegmentRetentionOptions {
  dir: string;
  maxDiskBytes: number;
  retainHours: number;
  /** The dedup window (`RECO_EVENTS_DEDUP_HOURS`): shipped segments stay whole at least this long. */
  windowHours?: number;
  /**
   * The longest look-back of the rules now (`recentlyBoughtDays` × 24): a shipped segment's
   * purchases are kept this long. Read at each housekeeping, so a rule that looks back further
   * keeps what is still on disk from then on.
   */
  lookBackHours?: () => number;
  /** Closed segments (shipped or not) by name, shared with the store. */
  closed: Map<string, SegmentFile>;
  /** Bytes written to the open segment. */
  openBytes: () => number;
  /** Bytes of batches queued for the open segment, not written yet. */
  queuedBytes: () => number;
  now: () => number;
  logger?: Logger | undefined;
}

/** Deletes shipped segments by age and by the disk bound; refuses new events at the bound. */
export class SegmentRetention {
  readonly #options: SegmentRetentionOptions;
  #overBound: string | undefined;
  /** The look-back last logged as longer than the retention, so a change is logged once. */
  #loggedLookBack: number | undefined;
  /** The housekeeping under way: one at a time, since a segment being cut must not be cut twice. */
  #expiring: Promise<void> | undefined;

  constructor(options: SegmentRetentionOptions) {
    this.#options = options;
  }

  /** Why the store refuses new events (the bound is reached with unshipped data only); undefined when it does not. */
  get overBound(): string | undefined {
    return this.#overBound;
  }

  /** Bytes of every segment in the folder, the open one included. */
  diskBytes(): number {
    let bytes = this.#options.openBytes();
    for (const segment of this.#options.closed.values()) bytes += segment.bytes;
    return bytes;
  }

  /** Makes room for `bytes` under the bound, deleting shipped segments oldest first; else throws (a 503). */
  async ensureRoom(bytes: number): Promise<void> {
    const need = (): number => this.diskBytes() + this.#options.queuedBytes() + bytes - this.#options.maxDiskBytes;
    if (need() <= 0) {
      this.#overBound = undefined;
      return;
    }
    for (const segment of [...this.#options.closed.values()].filter((s) => s.shipped)) {
      if (need() <= 0) break;
      await this.#delete(segment, 'disk bound');
    }
    if (need() <= 0) {
      this.#overBound = undefined;
      return;
    }
    const max = this.#options.maxDiskBytes;
    this.#overBound = `disk bound reached: ${this.diskBytes()} bytes of unshipped events (max ${max})`;
    throw new EventStoreUnavailableError(`event store full: ${this.#overBound}`, 60);
  }

  /** How long a shipped segment stays whole, and how long its purchases stay, in hours. */
  keepHours(): { whole: number; purchases: number } {
    const { retainHours, windowHours = 0, lookBackHours } = this.#options;
    const whole = Math.max(retainHours, windowHours);
    const lookBack = lookBackHours?.() ?? 0;
    if (lookBack > whole && lookBack !== this.#loggedLookBack) {
      this.#loggedLookBack = lookBack;
      this.#options.logger?.info(
        { wholeHours: whole, purchasesHours: lookBack, retainHours },
        `event store: shipped segments are cut down to their purchases after ${whole} h and those kept ` +
          `${lookBack} h (the longest recentlyBoughtDays), so a restart still knows what was bought`,
      );
    }
    return { whole, purchases: lookBack };
  }

  /** Deletes (or cuts down to their purchases) the shipped segments past retention; lifts the bound once under it. */
  deleteExpired(): Promise<void> {
    this.#expiring ??= this.#deleteExpired().finally(() => {
      this.#expiring = undefined;
    });
    return this.#expiring;
  }

  async #deleteExpired(): Promise<void> {
    const now = this.#options.now();
    const keep = this.keepHours();
    const wholeFrom = now - keep.whole * hourMs;
    const purchasesFrom = now - keep.purchases * hourMs;
    for (const segment of [...this.#options.closed.values()]) {
      if (!segment.shipped || segment.modifiedAt > wholeFrom) continue;
      // Every event of a segment was received before its last write, so none of its purchases is younger.
      if (segment.modifiedAt <= purchasesFrom) await this.#delete(segment, 'retention');
      else if (!segment.purchasesOnly) await this.#cutToPurchases(segment);
    }
    if (this.#overBound && this.diskBytes() < this.#options.maxDiskBytes) this.#overBound = undefined;
  }

  /**
   * Rewrites a shipped segment with its purchases only, in `shipped/purchases/` (written whole,
   * synced, then renamed in; the file keeps the segment's last-write time, which start-up and
   * retention go by). A segment with no purchase is deleted.
   */
  async #cutToPurchases(segment: SegmentFile): Promise<void> {
    const folder = join(this.#options.dir, purchasesFolder);
    mkdirSync(folder, { recursive: true });
    const path = join(folder, segment.name);
    const temporary = `${path}.part`;
    const out = await open(temporary, 'w');
    let kept = 0;
    try {
      const lines = lineChunks(createReadStream(segment.path, { highWaterMark: 1 << 20 }));
      for (let next = await lines.next(); !next.done; next = await lines.next()) {
        const { bytes } = next.value;
        const purchases: Buffer[] = [];
        eachLine(bytes, (start, end) => {
          if (start === end) return;
          const type =
            scanStoredLine(bytes, start, end)?.type ?? parseStoredLine(bytes.toString('utf8', start, end))?.type;
          if (type === 'purchase') purchases.push(bytes.subarray(start, end + 1));
        });
        const chunk = Buffer.concat(purchases);
        if (chunk.length > 0) await out.write(chunk);
        kept += chunk.length;
      }
      await out.datasync();
    } finally {
      await out.close();
    }
    if (this.#options.closed.get(segment.name) !== segment || kept === 0) {
      await rm(temporary, { force: true });
      // Unless the disk bound deleted it meanwhile, a segment without purchases goes now.
      if (this.#options.closed.get(segment.name) === segment) await this.#delete(segment, 'retention (no purchases)');
      return;
    }
    const { atime, mtime } = await stat(segment.path);
    await utimes(temporary, atime, mtime);
    await rename(temporary, path);
    await rm(segment.path, { force: true });
    this.#options.closed.set(segment.name, { ...segment, path, bytes: kept, purchasesOnly: true });
    this.#options.logger?.info(
      { segment: segment.name, bytes: segment.bytes, kept },
      'event store: shipped segment cut down to its purchases',
    );
  }

  /** Closed segments not yet shipped, oldest first. */
  unshipped(): SegmentFile[] {
    return [...this.#options.closed.values()].filter((s) => !s.shipped).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Moves an uploaded and verified segment to `shipped/`, where retention finds it. */
  async markShipped(name: string): Promise<void> {
    const segment = this.#options.closed.get(name);
    if (!segment || segment.shipped) return;
    const folder = join(this.#options.dir, shippedFolder);
    mkdirSync(folder, { recursive: true });
    const path = join(folder, name);
    await rename(segment.path, path);
    this.#options.closed.set(name, { ...segment, path, shipped: true, modifiedAt: this.#options.now() });
  }

  async #delete(segment: SegmentFile, why: string): Promise<void> {
    await rm(segment.path, { force: true });
    this.#options.closed.delete(segment.name);
    this.#options.logger?.info(
      { segment: segment.name, bytes: segment.bytes, why },
      'event store: shipped segment deleted',
    );
  }
}
