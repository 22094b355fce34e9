/**
 * Idempotency of event ids within a time window: the store's promise is that a
 * retry of an id within the window is recognised and not stored twice. Behind an
 * interface so that several proxies share one window through Redis
 * (`shared-idempotency-window.ts`, in front of this one) without the segment code changing.
 * The window holds keys (`dedupKeyOf`: namespace and id), never bare ids, so a browser's id
 * never shadows a server's.
 */
import { randomBytes } from 'node:crypto';
import type { EventNamespace } from './stored-line.ts';

/** What a claim found for one id. */
export type ClaimState =
  /** Now claimed by the caller, who must `confirm` or `release` it. */
  | 'claimed'
  /** Stored (durably) within the window: a duplicate. */
  | 'stored'
  /** Claimed by a write still in flight: a duplicate, acknowledged only once that write is durable. */
  | 'pending';

/** The set of event keys (`dedupKeyOf`) seen within the dedup window. */
export interface IdempotencyWindow {
  /** How far back a retry is recognised, in milliseconds. */
  readonly windowMs: number;
  /** Claims each key not claimed or stored before; the same key twice in `keys` is `pending` the second time. */
  claim(keys: readonly string[], now: number): ClaimState[] | Promise<ClaimState[]>;
  /**
   * The claimed keys are durable, received at `receivedAt`. Resolves false when a mark the window
   * keeps elsewhere (a fleet's, in Redis) could not be written: the events are stored regardless.
   */
  confirm(keys: readonly string[], receivedAt: number): boolean | Promise<boolean>;
  /** The claimed keys were not stored: a retry may claim them again. */
  release(keys: readonly string[]): void | Promise<void>;
}

const hourMs = 3_600_000;

/*
 * Two independent 32-bit hashes of an ASCII key (event ids are ASCII by their schema, and a
 * key is a namespace, a colon and an id), so that a key costs 8 bytes in memory. Two different
 * keys share both halves with probability 2^-64: among 10 M keys in a window, the chance that
 * any retry-free event is taken for a duplicate is about 3·10^-6 — accepted for a window that
 * fits in memory at any volume. Both start from seeds drawn at random when the process starts,
 * so a client cannot work out ids that collide (or crowd one slot of the table) in advance; the
 * ids read at start are hashed again with this process's seeds.
 * `hashOfIdBytes` leaves the pair in `hashed` rather than returning a new one, so start-up's
 * millions of hashes allocate nothing; `hashOfKey` (a request's few ids) returns a copy.
 */
const hashed = new Uint32Array(2);
const seeds = randomBytes(8);
const seed1 = seeds.readInt32LE(0);
const seed2 = seeds.readInt32LE(4);

function finish(h1: number, h2: number): void {
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h2 = Math.imul(h2 ^ (h2 >>> 16), 0xc2b2ae35);
  h2 ^= h2 >>> 16;
  // 0/0 marks an empty slot.
  hashed[0] = h1 === 0 && h2 === 0 ? 1 : h1;
  hashed[1] = h2;
}

/** The hash pair of a key given as a string. */
export function hashOfKey(key: string): [number, number] {
  let h1 = 0x811c9dc5 ^ seed1;
  let h2 = 0x9747b28c ^ seed2;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  finish(h1 ^ key.length, h2);
  return [hashed[0]!, hashed[1]!];
}

/** The state after `<namespace>:`, taken once: start-up hashes only the id's own bytes after it. */
function afterPrefix(namespace: EventNamespace): { h1: number; h2: number; length: number } {
  const prefix = `${namespace}:`;
  let h1 = 0x811c9dc5 ^ seed1;
  let h2 = 0x9747b28c ^ seed2;
  for (let i = 0; i < prefix.length; i++) {
    const c = prefix.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  return { h1, h2, length: prefix.length };
}

const prefixStates: Record<EventNamespace, { h1: number; h2: number; length: number }> = {
  browser: afterPrefix('browser'),
  server: afterPrefix('server'),
};

/**
 * Hashes the key of an id given as bytes `[start, end)` of `bytes` (start-up reads lines as
 * bytes) in `namespace` into `hashed`, as `hashOfKey(dedupKeyOf(…))` does, allocating nothing:
 * start-up calls it millions of times.
 */
export function hashOfIdBytes(namespace: EventNamespace, bytes: Uint8Array, start: number, end: number): Uint32Array {
  const prefix = prefixStates[namespace];
  let h1 = prefix.h1;
  let h2 = prefix.h2;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  finish(h1 ^ (prefix.length + end - start), h2);
  return hashed;
}

/** An open-addressing set of hash pairs: 8 bytes a member, grown at 3/4 full. */
class HashPairSet {
  #slots = new Uint32Array(2 * 1024);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** Memory held, in bytes. */
  get bytes(): number {
    return this.#slots.byteLength;
  }

  #find(h1: number, h2: number, slots: Uint32Array): number {
    const mask = slots.length / 2 - 1;
    for (let i = (h1 ^ Math.imul(h2, 0x9e3779b1)) & mask; ; i = (i + 1) & mask) {
      const a = slots[2 * i]!;
      const b = slots[2 * i + 1]!;
      if ((a === h1 && b === h2) || (a === 0 && b === 0)) return i;
    }
  }

  has(h1: number, h2: number): boolean {
    const i = this.#find(h1, h2, this.#slots);
    return this.#slots[2 * i] !== 0 || this.#slots[2 * i + 1] !== 0;
  }

  add(h1: number, h2: number): void {
    if ((this.#size + 1) * 4 > (this.#slots.length / 2) * 3) this.#grow();
    const i = this.#find(h1, h2, this.#slots);
    if (this.#slots[2 * i] !== 0 || this.#slots[2 * i + 1] !== 0) return;
    this.#slots[2 * i] = h1;
    this.#slots[2 * i + 1] = h2;
    this.#size++;
  }

  #grow(): void {
    const old = this.#slots;
    const slots = new Uint32Array(old.length * 2);
    for (let j = 0; j < old.length; j += 2) {
      if (old[j] === 0 && old[j + 1] === 0) continue;
      const i = this.#find(old[j]!, old[j + 1]!, slots);
      slots[2 * i] = old[j]!;
      slots[2 * i + 1] = old[j + 1]!;
    }
    this.#slots = slots;
  }
}

/** Entries per chunk of `LoadedHashPairs`: 64 Ki, so entry i is in chunk `i >>> 16` at `i & 0xffff`. */
const chunkShift = 16;
const chunkEntries = 1 << chunkShift;
const chunkMask = chunkEntries - 1;

/**
 * The ids read at start, each with its hour of receipt, in one structure so a claim looks
 * them up once, not once per hour: 8 bytes a pair and 2 for its hour, in fixed-size chunks
 * (appending never copies), plus about 1 byte of directory once sealed. Sealing groups the
 * entries by the top bits of `h1` in place (an American flag sort: no second copy, so
 * start-up's memory peaks at the table itself); a lookup then reads one directory entry and
 * one group of ~4–8 pairs. An hour that leaves the window is not removed, only no longer
 * matched (and no longer counted); the whole table is dropped once its newest hour has left.
 */
class LoadedHashPairs {
  readonly #pairs: Uint32Array[] = [];
  readonly #hours: Uint16Array[] = [];
  /** Hours are kept as hours after this one (capped: a later hour only stays longer). */
  readonly #firstHour: number;
  readonly #idsByHour = new Map<number, number>();
  #size = 0;
  #shift = 32;
  /** Once sealed, group g holds entries `[starts[g], starts[g + 1])`; before, undefined. */
  #starts: Uint32Array | undefined;
  /** The newest hour held: once it leaves the window, so has everything. */
  newestHour = Number.NEGATIVE_INFINITY;

  /** A table for hours from `firstHour` on. */
  constructor(firstHour: number) {
    this.#firstHour = firstHour;
  }

  /** Entries held, expired hours included. */
  get size(): number {
    return this.#size;
  }

  /** Appends a pair read at start (before `seal`). */
  push(h1: number, h2: number, hour: number): void {
    const at = this.#size & chunkMask;
    if (at === 0) {
      this.#pairs.push(new Uint32Array(2 * chunkEntries));
      this.#hours.push(new Uint16Array(chunkEntries));
    }
    const pairs = this.#pairs[this.#pairs.length - 1]!;
    pairs[2 * at] = h1;
    pairs[2 * at + 1] = h2;
    this.#hours[this.#hours.length - 1]![at] = Math.max(0, Math.min(0xffff, hour - this.#firstHour));
    this.#idsByHour.set(hour, (this.#idsByHour.get(hour) ?? 0) + 1);
    if (hour > this.newestHour) this.newestHour = hour;
    this.#size++;
  }

  #h1(i: number): number {
    return this.#pairs[i >>> chunkShift]![2 * (i & chunkMask)]!;
  }

  /** Groups the entries for lookups; `push` must not be called after. */
  seal(): void {
    const n = this.#size;
    const bits = n < 8 ? 0 : Math.min(24, Math.floor(Math.log2(n / 4)));
    this.#shift = 32 - bits;
    const groups = 2 ** bits;
    const groupOf = (h1: number): number => (bits === 0 ? 0 : h1 >>> this.#shift);
    const starts = new Uint32Array(groups + 1);
    for (let i = 0; i < n; i++) starts[groupOf(this.#h1(i)) + 1]!++;
    for (let g = 0; g < groups; g++) starts[g + 1]! += starts[g]!;
    // In place: each entry is swapped once into the next free place of its group.
    const next = starts.slice(0, groups);
    for (let g = 0; g < groups; g++) {
      const end = starts[g + 1]!;
      while (next[g]! < end) {
        const i = next[g]!;
        const home = groupOf(this.#h1(i));
        if (home === g) next[g]!++;
        else this.#swap(i, next[home]!++);
      }
    }
    this.#starts = starts;
  }

  #swap(i: number, j: number): void {
    const pi = this.#pairs[i >>> chunkShift]!;
    const pj = this.#pairs[j >>> chunkShift]!;
    const a = 2 * (i & chunkMask);
    const b = 2 * (j & chunkMask);
    const h1 = pi[a]!;
    const h2 = pi[a + 1]!;
    pi[a] = pj[b]!;
    pi[a + 1] = pj[b + 1]!;
    pj[b] = h1;
    pj[b + 1] = h2;
    const hi = this.#hours[i >>> chunkShift]!;
    const hj = this.#hours[j >>> chunkShift]!;
    const hour = hi[i & chunkMask]!;
    hi[i & chunkMask] = hj[j & chunkMask]!;
    hj[j & chunkMask] = hour;
  }

  /** Ids of the hours from `oldestHour` on. */
  ids(oldestHour: number): number {
    let ids = 0;
    for (const [hour, count] of this.#idsByHour) if (hour >= oldestHour) ids += count;
    return ids;
  }

  /** Memory held, in bytes. */
  get bytes(): number {
    return this.#pairs.length * chunkEntries * 10 + (this.#starts?.byteLength ?? 0);
  }

  /** Calls `visit` with each pair and its hour. */
  eachPair(visit: (h1: number, h2: number, hour: number) => void): void {
    for (let i = 0; i < this.#size; i++) {
      const pairs = this.#pairs[i >>> chunkShift]!;
      const at = i & chunkMask;
      visit(pairs[2 * at]!, pairs[2 * at + 1]!, this.#firstHour + this.#hours[i >>> chunkShift]![at]!);
    }
  }

  /** Whether the pair was read in an hour from `oldestHour` on (after `seal`). */
  has(h1: number, h2: number, oldestHour: number): boolean {
    const starts = this.#starts!;
    const g = this.#shift === 32 ? 0 : h1 >>> this.#shift;
    const end = starts[g + 1]!;
    for (let i = starts[g]!; i < end; i++) {
      const pairs = this.#pairs[i >>> chunkShift]!;
      const at = 2 * (i & chunkMask);
      if (
        pairs[at] === h1 &&
        pairs[at + 1] === h2 &&
        this.#firstHour + this.#hours[i >>> chunkShift]![at / 2]! >= oldestHour
      )
        return true;
    }
    return false;
  }
}

/**
 * The window in this process: stored ids as hash pairs by hour of receipt; hours are
 * forgotten once they are older than the window (so memory follows the window's traffic,
 * not the store's age). The ids read at start are packed into one structure (~11 bytes an
 * id, looked up once whatever their hours); those stored since go to a hash set per hour
 * (8–16 bytes an id). Claims in flight are a plain set.
 */
export class InProcessIdempotencyWindow implements IdempotencyWindow {
  readonly windowMs: number;
  /** Ids stored since start, by hour. */
  readonly #hours = new Map<number, HashPairSet>();
  /** Ids read at start: appended by `addHash`, grouped for lookups by `seal`. */
  #loaded: LoadedHashPairs | undefined;
  #sealed = true;
  /** Hours before this one have left the window. */
  #oldestHour = Number.NEGATIVE_INFINITY;
  readonly #pending = new Set<string>();

  constructor(hours: number) {
    this.windowMs = hours * hourMs;
  }

  /** Whether `key` was stored within the window (ignores claims in flight). */
  has(key: string): boolean {
    const [h1, h2] = hashOfKey(key);
    return this.#hasHash(h1, h2);
  }

  #hasHash(h1: number, h2: number): boolean {
    if (!this.#sealed) this.seal();
    if (this.#loaded?.has(h1, h2, this.#oldestHour)) return true;
    for (const set of this.#hours.values()) if (set.has(h1, h2)) return true;
    return false;
  }

  claim(keys: readonly string[], now: number): ClaimState[] {
    this.prune(now);
    return keys.map((key) => {
      if (this.#pending.has(key)) return 'pending';
      const [h1, h2] = hashOfKey(key);
      if (this.#hasHash(h1, h2)) return 'stored';
      this.#pending.add(key);
      return 'claimed';
    });
  }

  confirm(keys: readonly string[], receivedAt: number): boolean {
    const hour = Math.floor(receivedAt / hourMs);
    let set = this.#hours.get(hour);
    if (!set) this.#hours.set(hour, (set = new HashPairSet()));
    for (const key of keys) {
      this.#pending.delete(key);
      const [h1, h2] = hashOfKey(key);
      set.add(h1, h2);
    }
    return true;
  }

  release(keys: readonly string[]): void {
    for (const key of keys) this.#pending.delete(key);
  }

  /**
   * Records a key read at start by its hash pair, in the hour it was received: appended, not
   * looked up (what is on disk was claimed once), and packed by `seal` or the next lookup.
   * Start-up calls this millions of times with hashes taken straight from the bytes.
   */
  addHash(h1: number, h2: number, receivedAt: number): void {
    if (this.#sealed) {
      // Opened again on this window: the ids read before are read once more, with the new ones.
      const before = this.#loaded;
      // Every hour read is within the window of a time at or after the first line's, or still in it.
      const windowStart = Math.floor((receivedAt - this.windowMs) / hourMs);
      const firstHour = (Number.isFinite(this.#oldestHour) ? Math.min(windowStart, this.#oldestHour) : windowStart) - 1;
      this.#loaded = new LoadedHashPairs(firstHour);
      this.#sealed = false;
      before?.eachPair((a, b, hour) => {
        if (hour >= this.#oldestHour) this.#loaded!.push(a, b, hour);
      });
    }
    this.#loaded!.push(h1, h2, Math.floor(receivedAt / hourMs));
  }

  /** Groups the ids added by `addHash` for lookups (the store calls it once start-up has read them). */
  seal(): void {
    if (this.#sealed) return;
    this.#loaded?.seal();
    this.#sealed = true;
  }

  /** Forgets the hours wholly older than the window. */
  prune(now: number): void {
    const oldest = Math.floor((now - this.windowMs) / hourMs);
    if (oldest <= this.#oldestHour) return;
    this.#oldestHour = oldest;
    for (const hour of this.#hours.keys()) if (hour < oldest) this.#hours.delete(hour);
    if (this.#sealed && this.#loaded && this.#loaded.newestHour < oldest) this.#loaded = undefined;
  }

  /** Ids remembered, and the bytes they take (for the log line at start). */
  get stats(): { ids: number; bytes: number } {
    let ids = this.#loaded?.ids(this.#oldestHour) ?? 0;
    let bytes = this.#loaded?.bytes ?? 0;
    for (const set of this.#hours.values()) {
      ids += set.size;
      bytes += set.bytes;
    }
    return { ids, bytes };
  }
}
