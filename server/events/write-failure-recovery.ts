/**
 * How the store lives through a failing disk (ENOSPC, EIO, EDQUOT, …): once a write fails
 * (and the writer has truncated it back to the segment's last good length), the store is
 * unwritable — every batch gets `EventStoreUnavailableError` (a 503) and `/readyz` says why —
 * until a probe with backoff writes and syncs a file again. A segment whose truncation
 * failed too is truncated by the first probe that succeeds, before anything new is written.
 */
import { unlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { SegmentFile } from './segment-files.ts';
import { EventStoreUnavailableError } from './store-unavailable.ts';

/** Error codes a disk gives for a write it could not do: named as such in the reason. */
const writeErrorCodes = new Set(['ENOSPC', 'EIO', 'EDQUOT', 'EROFS', 'EFBIG', 'ENOMEM', 'EBADF']);

/** What the recovery needs. */
export interface WriteFailureRecoveryOptions {
  dir: string;
  /** First and longest wait between probes, in ms. */
  probeMs: { first: number; max: number };
  logger?: Logger | undefined;
  /** A segment truncated late (by a probe) is whole again: it joins the closed segments. */
  onSegmentTruncated: (segment: SegmentFile) => void;
}

/** Whether the store may write, and the probes that find out when it may again. */
export class WriteFailureRecovery {
  readonly #options: WriteFailureRecoveryOptions;
  #unwritable: { reason: string; truncateTo?: SegmentFile | undefined } | undefined;
  #probeDelay = 0;
  #probeTimer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: WriteFailureRecoveryOptions) {
    this.#options = options;
  }

  /** Why the store cannot write now; undefined when it can. */
  get reason(): string | undefined {
    return this.#unwritable?.reason;
  }

  /** The error a batch gets while unwritable (or for a write that just failed). */
  unavailable(): EventStoreUnavailableError {
    return new EventStoreUnavailableError(
      `event store unwritable: ${this.#unwritable?.reason ?? 'write failed'}`,
      Math.max(1, Math.ceil(this.#probeDelay / 1000)),
    );
  }

  /** Throws `EventStoreUnavailableError` while the store is unwritable. */
  refuseIfUnwritable(): void {
    if (this.#unwritable) throw this.unavailable();
  }

  /** A write and its sync succeeded: the next failure starts the backoff from the beginning. */
  wrote(): void {
    this.#probeDelay = 0;
  }

  /** A write failed with `error`: from now on the store refuses batches, until `startProbing`'s probe writes. */
  failed(error: NodeJS.ErrnoException): void {
    const code = error.code && writeErrorCodes.has(error.code) ? error.code : (error.code ?? 'write failed');
    const reason = `${code}: ${error.message}`;
    this.#unwritable = { reason };
    this.#options.logger?.error({ reason }, 'event store unwritable: answering 503 until a probe writes again');
  }

  /**
   * Probes with backoff until the disk writes again; called once the failed write is dealt
   * with. `truncateTo` is the segment, at its last good length, when truncating it back failed too.
   */
  startProbing(truncateTo?: SegmentFile): void {
    if (this.#unwritable) this.#unwritable.truncateTo = truncateTo;
    this.#scheduleProbe();
  }

  #scheduleProbe(): void {
    const { first, max } = this.#options.probeMs;
    this.#probeDelay = Math.min(max, this.#probeDelay ? this.#probeDelay * 2 : first);
    clearTimeout(this.#probeTimer);
    this.#probeTimer = setTimeout(() => void this.#probe(), this.#probeDelay);
    this.#probeTimer.unref();
  }

  /** Tries to write (and sync) a probe file; writable again when it can. */
  async #probe(): Promise<void> {
    if (!this.#unwritable || this.#stopped) return;
    const probe = join(this.#options.dir, '.write-probe');
    try {
      const pending = this.#unwritable.truncateTo;
      if (pending) {
        await truncate(pending.path, pending.bytes);
        this.#unwritable.truncateTo = undefined;
        this.#options.onSegmentTruncated(pending);
      }
      await writeFile(probe, Buffer.alloc(64 * 1024), { flush: true });
      await unlink(probe);
      const reason = this.#unwritable.reason;
      this.#unwritable = undefined;
      this.#options.logger?.warn({ was: reason }, 'event store writable again');
    } catch (error) {
      await unlink(probe).catch(() => {});
      this.#options.logger?.debug({ err: (error as Error).message }, 'event store probe failed');
      this.#scheduleProbe();
    }
  }

  /** Stops probing (the store is closing). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#probeTimer);
  }
}
