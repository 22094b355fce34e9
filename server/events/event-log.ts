/**
 * The event store: an append-only JSON-lines file. A batch is acknowledged
 * only after its lines are written and fdatasync'ed; concurrent batches share
 * one write and one sync (group commit). Event ids make retries idempotent:
 * every stored id is loaded at open.
 */
import { mkdirSync } from 'node:fs';
import { open, readFile, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ShelfEvent } from './shelf-event.ts';

/** An event as stored, with the time the proxy received it. */
export type StoredEvent = ShelfEvent & { receivedAt: number };

interface PendingWrite {
  text: string;
  ids: string[];
  done: (error?: Error) => void;
}

const day = 86_400_000;

/** An open event log. */
export class EventLog {
  readonly #seen = new Set<string>();
  /** userId → itemId → last purchase time, for the "recently bought" filter. */
  readonly #purchases = new Map<string, Map<string, number>>();
  /** Ids whose write is in flight: a retry of them waits for that write, not just for the id. */
  readonly #inFlight = new Map<string, Promise<void>>();
  #queue: PendingWrite[] = [];
  #flushing: Promise<void> | undefined;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
  ) {}

  /** Opens (or creates) the log, dropping a line torn by a crash mid-write. */
  static async open(path: string): Promise<EventLog> {
    mkdirSync(dirname(path), { recursive: true });
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new Error(`event-log: cannot read ${path}: ${(error as Error).message}`);
    }
    const complete = text.lastIndexOf('\n') + 1;
    if (complete < text.length) await truncate(path, Buffer.byteLength(text.slice(0, complete)));
    const log = new EventLog(path, await open(path, 'a'));
    for (const line of text.slice(0, complete).split('\n')) {
      if (line) log.#remember(JSON.parse(line) as StoredEvent);
    }
    return log;
  }

  #remember(event: StoredEvent): void {
    this.#seen.add(event.id);
    if (event.type === 'purchase' && event.userId !== undefined) {
      let bought = this.#purchases.get(event.userId);
      if (!bought) this.#purchases.set(event.userId, (bought = new Map()));
      bought.set(event.itemId, Math.max(bought.get(event.itemId) ?? 0, event.ts));
    }
  }

  /** Stores the events not stored before; resolves with them once they are on disk. */
  async append(
    events: readonly ShelfEvent[],
    receivedAt = Date.now(),
  ): Promise<{ stored: StoredEvent[]; duplicates: number }> {
    const fresh: StoredEvent[] = [];
    const earlierWrites = new Set<Promise<void>>();
    for (const event of events) {
      if (this.#seen.has(event.id)) {
        const pending = this.#inFlight.get(event.id);
        if (pending) earlierWrites.add(pending);
        continue;
      }
      this.#seen.add(event.id);
      fresh.push({ ...event, receivedAt });
    }
    if (fresh.length > 0) {
      const written = new Promise<void>((resolve, reject) => {
        this.#queue.push({
          text: fresh.map((e) => `${JSON.stringify(e)}\n`).join(''),
          ids: fresh.map((e) => e.id),
          done: (error) => (error ? reject(error) : resolve()),
        });
        this.#flushing ??= this.#flush();
      });
      for (const event of fresh) this.#inFlight.set(event.id, written);
      try {
        await written;
      } finally {
        for (const event of fresh) this.#inFlight.delete(event.id);
      }
      for (const event of fresh) this.#remember(event);
    }
    // A duplicate is acknowledged only once its original is on disk; if that write failed, so does this batch.
    await Promise.all(earlierWrites);
    return { stored: fresh, duplicates: events.length - fresh.length };
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      try {
        await this.file.appendFile(batch.map((w) => w.text).join(''));
        await this.file.datasync();
        for (const write of batch) write.done();
      } catch (error) {
        // Not stored: forget the ids so a retry can store them.
        for (const write of batch) {
          for (const id of write.ids) this.#seen.delete(id);
          write.done(new Error(`event-log: write failed: ${(error as Error).message}`));
        }
      }
    }
    this.#flushing = undefined;
  }

  /** Items this customer bought within the last `days` days. */
  recentlyBought(userId: string | undefined, days: number, now = Date.now()): Set<string> {
    const bought = userId === undefined ? undefined : this.#purchases.get(userId);
    const recent = new Set<string>();
    if (!bought) return recent;
    for (const [itemId, ts] of bought) if (now - ts <= days * day) recent.add(itemId);
    return recent;
  }

  /** How many distinct events are stored. */
  get size(): number {
    return this.#seen.size;
  }

  /** Waits for pending writes, then closes the file. */
  async close(): Promise<void> {
    await this.#flushing;
    await this.file.close();
  }
}

/** Reads every stored event of a log file (for export and tests). */
export async function readEventLog(path: string): Promise<StoredEvent[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as StoredEvent);
}
