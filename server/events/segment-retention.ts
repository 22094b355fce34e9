/**
 * What stays on local disk: closed segments are shipped (`segment-shipper.ts`), then moved
 * to `shipped/` and deleted after `retainHours`, or earlier when the folder reaches
 * `maxDiskBytes`. Unshipped segments are never deleted: at the bound, new events get a 503
 * instead (acknowledged data is never dropped to make room).
 *
 * A restart rebuilds the idempotency window and the recently-bought index from the segments
 * on disk, so a shipped segment is kept at least as long as they look back (`storeNeedsHours`:
 * the dedup window and the longest `recentlyBoughtDays` of the live rules, read at each
 * housekeeping), whatever `retainHours` says: a purchase must not come back on the shelf
 * after a restart because its segment went first. Only the disk bound deletes sooner.
 */
import { mkdirSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type SegmentFile, shippedFolder } from './segment-files.ts';
import { EventStoreUnavailableError } from './store-unavailable.ts';

const hourMs = 3_600_000;

/** What retention needs. */
export interface SegmentRetentionOptions {
  dir: string;
  maxDiskBytes: number;
  retainHours: number;
  /**
   * How far back the store reads at start (dedup window, longest look-back of the rules now),
   * in hours: shipped segments are kept at least this long. Read at each housekeeping, so a
   * rule that looks back further keeps what is still on disk from then on.
   */
  storeNeedsHours?: () => number;
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
  /** The retention last logged as longer than `retainHours`, so a change is logged once. */
  #loggedKeepHours: number | undefined;

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

  /** How long shipped segments are kept now: `retainHours`, or longer when the store reads further back. */
  keepHours(): number {
    const { retainHours, storeNeedsHours } = this.#options;
    const needs = storeNeedsHours?.() ?? 0;
    if (needs > retainHours && needs !== this.#loggedKeepHours) {
      this.#loggedKeepHours = needs;
      this.#options.logger?.info(
        { keepHours: needs, retainHours },
        `event store: shipped segments kept ${needs} h (the dedup window or the longest recentlyBoughtDays), ` +
          `longer than RECO_EVENTS_RETAIN_HOURS=${retainHours}`,
      );
    }
    return Math.max(retainHours, needs);
  }

  /** Deletes the shipped segments past retention; lifts the bound once the folder is under it. */
  async deleteExpired(): Promise<void> {
    const retainFrom = this.#options.now() - this.keepHours() * hourMs;
    for (const segment of [...this.#options.closed.values()]) {
      if (segment.shipped && segment.modifiedAt <= retainFrom) await this.#delete(segment, 'retention');
    }
    if (this.#overBound && this.diskBytes() < this.#options.maxDiskBytes) this.#overBound = undefined;
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
