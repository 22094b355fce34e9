/**
 * The answer cache shared by every instance through Redis, so a late answer that lands
 * at instance A serves the shopper's next view at instance B. This process's cache
 * stays in front: lookups are answered from it, `load` first brings in what Redis holds
 * for the shopper and context (one bounded round trip, only when this process has no
 * fresh answer), and `set` writes to both. With Redis sick, `load` gives up after
 * the connection's timeout and the instance serves from its own cache.
 *
 * Redis holds no customer or session id: keys and the entry's own `key` are keyed digests
 * (`redisDigester`) of the shopper and the cache key, which name both.
 */
import type { AnswerCache, AnswerStore, CachedAnswer } from '../shelf/answer-cache.ts';
import type { RedisConnection } from './redis-connection.ts';

/** What one Redis entry holds: the answer, and the digest of the cache key it answers (for a shopper's latest). */
interface StoredEntry extends CachedAnswer {
  key: string;
}

function parse(json: string | null): StoredEntry | undefined {
  if (json === null) return undefined;
  try {
    const entry = JSON.parse(json) as StoredEntry;
    return Array.isArray(entry.ids) && typeof entry.storedAt === 'number' && typeof entry.key === 'string'
      ? entry
      : undefined;
  } catch {
    return undefined;
  }
}

/** This process's cache, backed by the fleet's in Redis. */
export class SharedAnswerCache implements AnswerStore {
  constructor(
    private readonly local: AnswerCache,
    private readonly redis: RedisConnection,
    private readonly options: {
      staleMs: number;
      /** The keyed digest ids are stored as (`redisDigester`). */
      digest: (text: string) => string;
      now?: () => number;
    },
  ) {}

  #answerKey(keyDigest: string): string {
    return this.redis.key(`answer:${keyDigest}`);
  }

  #latestKey(shopper: string): string {
    return this.redis.key(`latest:${this.options.digest(shopper)}`);
  }

  fresh(key: string): CachedAnswer | undefined {
    return this.local.fresh(key);
  }

  stale(shopper: string | undefined, key: string): CachedAnswer | undefined {
    return this.local.stale(shopper, key);
  }

  set(shopper: string | undefined, key: string, answer: Omit<CachedAnswer, 'storedAt'>): void {
    const storedAt = this.options.now?.() ?? Date.now();
    this.local.remember(shopper, key, { ...answer, storedAt });
    if (this.options.staleMs <= 0) return;
    // Sent after the shopper's answer has gone out: `set` runs on the answer's path (between the
    // model's reply and the response), and building and sending the write costs ~0.1-0.2 ms there.
    setImmediate(() => {
      const keyDigest = this.options.digest(key);
      const entry: StoredEntry = { ...answer, storedAt, key: keyDigest };
      const json = JSON.stringify(entry);
      void this.redis.attempt('cache-set', (client) => {
        // A pipeline, not a transaction: two independent writes, one round trip.
        const write = client.pipeline().set(this.#answerKey(keyDigest), json, 'PX', this.options.staleMs);
        if (shopper !== undefined) write.set(this.#latestKey(shopper), json, 'PX', this.options.staleMs);
        return write.exec();
      });
    });
  }

  /** This process's entries; the fleet's in Redis go with the erasure (`server/privacy/redis-erasure.ts`). */
  clear(): void {
    this.local.clear();
  }

  load(shopper: string | undefined, key: string): Promise<void> | undefined {
    // A fresh answer here is served without asking Redis: the hot path of a warm shopper stays local.
    if (this.local.fresh(key)) return undefined;
    const answerKey = this.#answerKey(this.options.digest(key));
    const keys = shopper === undefined ? [answerKey] : [answerKey, this.#latestKey(shopper)];
    return this.redis
      .attempt('cache-get', (client) => client.mget(...keys))
      .then((found) => {
        const [exact, latest] = (found ?? []).map(parse);
        // The latest answer is kept here under its key's digest: only `stale` finds it, through the shopper.
        if (latest && shopper !== undefined) this.local.remember(shopper, latest.key, latest);
        if (exact) this.local.remember(undefined, key, exact);
      });
  }
}
