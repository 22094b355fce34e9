/**
 * Shoppers' model answers, least recently used evicted first (`lru-cache`). An
 * entry is fresh for `freshMs` (served instead of calling the cloud) and may be
 * served stale for `staleMs` by the fallback chain when the cloud fails.
 */
import { LRUCache } from 'lru-cache';

/** A model answer as it is remembered. */
export interface CachedAnswer {
  ids: readonly string[];
  modelVersion: string;
  variant: string | null;
  /** When it was stored (ms since the epoch, so instances sharing it agree). */
  storedAt: number;
}

/**
 * What the shelf service and the fallbacks read and write: this process's cache, or
 * the fleet's (shared-answer-cache.ts). Lookups are synchronous so the fallback chain
 * stays synchronous; a shared store brings the entries in first with `load`.
 */
export interface AnswerStore {
  /** The answer for exactly this context while it is fresh. */
  fresh(key: string): CachedAnswer | undefined;
  /** This context's answer, or else the shopper's latest one, within the stale window. */
  stale(shopper: string | undefined, key: string): CachedAnswer | undefined;
  /** Remembers a model answer for this shopper and context. */
  set(shopper: string | undefined, key: string, answer: Omit<CachedAnswer, 'storedAt'>): void;
  /**
   * Brings what others stored for this shopper and context into reach of `fresh` and
   * `stale`; `undefined` when there is nothing to wait for (the in-process cache).
   */
  load?(shopper: string | undefined, key: string): Promise<void> | undefined;
  /** Forgets every answer (an erasure: answers are keyed by shopper, so all go). */
  clear(): void;
}

/** An LRU of model answers per shopper and context, in this process. */
export class AnswerCache implements AnswerStore {
  readonly #entries: LRUCache<string, CachedAnswer>;
  /** The key of each shopper's latest answer, whatever its context. */
  readonly #latestByShopper: LRUCache<string, string>;

  constructor(private readonly options: { maxEntries: number; freshMs: number; staleMs: number; now?: () => number }) {
    // The library's TTL only reclaims memory; the windows themselves are judged from `storedAt` below.
    const lifetime = {
      ttl: Math.max(1, options.freshMs, options.staleMs),
      ttlResolution: 0,
      perf: { now: () => this.#now() },
    };
    this.#entries = new LRUCache({ max: options.maxEntries, ...lifetime });
    this.#latestByShopper = new LRUCache({ max: options.maxEntries, ...lifetime });
  }

  #now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Remembers `answer` for this shopper and context. */
  set(shopper: string | undefined, key: string, answer: Omit<CachedAnswer, 'storedAt'>): void {
    this.remember(shopper, key, { ...answer, storedAt: this.#now() });
  }

  /**
   * Remembers an answer stored elsewhere (another instance), keeping its `storedAt`;
   * an older one never replaces a newer one.
   */
  remember(shopper: string | undefined, key: string, entry: CachedAnswer): void {
    const held = this.#entries.peek(key);
    if (!held || held.storedAt <= entry.storedAt) this.#entries.set(key, entry);
    if (shopper === undefined) return;
    const latestKey = this.#latestByShopper.peek(shopper);
    const latest = latestKey === undefined ? undefined : this.#entries.peek(latestKey);
    if (!latest || latest.storedAt <= entry.storedAt) this.#latestByShopper.set(shopper, key);
  }

  #get(key: string, maxAge: number): CachedAnswer | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (this.#now() - entry.storedAt > maxAge) {
      if (maxAge >= this.options.staleMs) this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  fresh(key: string): CachedAnswer | undefined {
    return this.#get(key, this.options.freshMs);
  }

  stale(shopper: string | undefined, key: string): CachedAnswer | undefined {
    const exact = this.#get(key, this.options.staleMs);
    if (exact || shopper === undefined) return exact;
    const latest = this.#latestByShopper.get(shopper);
    return latest === undefined ? undefined : this.#get(latest, this.options.staleMs);
  }

  clear(): void {
    this.#entries.clear();
    this.#latestByShopper.clear();
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }
}
