/**
 * Shoppers' model answers, least recently used evicted first. An entry is
 * fresh for `freshMs` (served instead of calling the cloud) and may be served
 * stale for `staleMs` by the fallback chain when the cloud fails.
 */

/** A model answer as it is remembered. */
export interface CachedAnswer {
  ids: readonly string[];
  modelVersion: string;
  variant: string | null;
  storedAt: number;
}

/** An LRU of model answers per shopper and context. */
export class AnswerCache {
  readonly #entries = new Map<string, CachedAnswer>();
  /** The key of each shopper's latest answer, whatever its context. */
  readonly #latestByShopper = new Map<string, string>();

  constructor(private readonly options: { maxEntries: number; freshMs: number; staleMs: number; now?: () => number }) {}

  #now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Remembers `answer` for this shopper and context. */
  set(shopper: string | undefined, key: string, answer: Omit<CachedAnswer, 'storedAt'>): void {
    this.#entries.delete(key);
    this.#entries.set(key, { ...answer, storedAt: this.#now() });
    if (shopper !== undefined) {
      this.#latestByShopper.delete(shopper);
      this.#latestByShopper.set(shopper, key);
    }
    while (this.#entries.size > this.options.maxEntries) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    while (this.#latestByShopper.size > this.options.maxEntries) {
      this.#latestByShopper.delete(this.#latestByShopper.keys().next().value as string);
    }
  }

  #get(key: string, maxAge: number): CachedAnswer | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (this.#now() - entry.storedAt > maxAge) {
      if (maxAge >= this.options.staleMs) this.#entries.delete(key);
      return undefined;
    }
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry;
  }

  /** The answer for exactly this context while it is fresh. */
  fresh(key: string): CachedAnswer | undefined {
    return this.#get(key, this.options.freshMs);
  }

  /** This context's answer, or else the shopper's latest one, within the stale window. */
  stale(shopper: string | undefined, key: string): CachedAnswer | undefined {
    const exact = this.#get(key, this.options.staleMs);
    if (exact || shopper === undefined) return exact;
    const latest = this.#latestByShopper.get(shopper);
    return latest === undefined ? undefined : this.#get(latest, this.options.staleMs);
  }

  get size(): number {
    return this.#entries.size;
  }
}
