/**
 * A bounded memory of small JSON values by key: an LRU with a time to live in this process
 * (`lru-cache`), written through to Redis when Redis is on, so what one instance remembered
 * another can recall. Reads answer from this process first and ask Redis only on a miss (one
 * bounded round trip: a sick Redis costs at most the connection's timeout, then "not known").
 * Keys reach Redis as given: a caller whose key names a shopper passes its keyed digest.
 */
import { LRUCache } from 'lru-cache';
import type { RedisConnection } from './redis-connection.ts';

/** How long and how many. */
export interface MemoOptions {
  /** What the Redis keys and the operations of `reco_shared_state_errors_total` are named after. */
  name: string;
  maxEntries: number;
  ttlMs: number;
  redis?: RedisConnection | undefined;
  /** Checks a value read back from Redis (a key written by another release, or by hand). */
  valid: (value: unknown) => boolean;
}

/** This process's LRU, backed by the fleet's Redis when there is one. */
export class SharedMemo<T extends object> {
  readonly #local: LRUCache<string, T>;

  constructor(private readonly options: MemoOptions) {
    this.#local = new LRUCache<string, T>({ max: options.maxEntries, ttl: options.ttlMs });
  }

  #redisKey(key: string): string {
    return this.options.redis!.key(`${this.options.name}:${key}`);
  }

  /** Remembers `value` under `key`, here at once and in Redis without waiting. */
  set(key: string, value: T): void {
    this.#local.set(key, value);
    const redis = this.options.redis;
    if (!redis) return;
    const json = JSON.stringify(value);
    void redis.attempt(`${this.options.name}-set`, (client) =>
      client.set(this.#redisKey(key), json, 'PX', this.options.ttlMs),
    );
  }

  /** What this process remembers (no Redis): for a caller that cannot wait. */
  peek(key: string): T | undefined {
    return this.#local.get(key);
  }

  /** What this process or, failing it, the fleet remembers; undefined when neither does (or Redis is sick). */
  async get(key: string): Promise<T | undefined> {
    const own = this.#local.get(key);
    if (own !== undefined || !this.options.redis) return own;
    const json = await this.options.redis.attempt(`${this.options.name}-get`, (client) =>
      client.get(this.#redisKey(key)),
    );
    if (json === undefined || json === null) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      return undefined;
    }
    if (!this.options.valid(value)) return undefined;
    this.#local.set(key, value as T);
    return value as T;
  }

  /** Forgets `key` here and in Redis. */
  delete(key: string): void {
    this.#local.delete(key);
    const redis = this.options.redis;
    if (redis) void redis.attempt(`${this.options.name}-delete`, (client) => client.del(this.#redisKey(key)));
  }
}
