/**
 * Idempotency of event ids within a time window: the store's promise is that a
 * retry of an id within the window is recognised and not stored twice. Behind an
 * interface so that several proxies can later share one window (e.g. Redis, issue #13)
 * without the segment code changing.
 */

/** What a claim found for one id. */
export type ClaimState =
  /** Now claimed by the caller, who must `confirm` or `release` it. */
  | 'claimed'
  /** Stored (durably) within the window: a duplicate. */
  | 'stored'
  /** Claimed by a write still in flight: a duplicate, acknowledged only once that write is durable. */
  | 'pending';

/** The set of event ids seen within the dedup window. */
export interface IdempotencyWindow {
  /** How far back a retry is recognised, in milliseconds. */
  readonly windowMs: number;
  /** Claims each id not claimed or stored before; the same id twice in `ids` is `pending` the second time. */
  claim(ids: readonly string[], now: number): ClaimState[] | Promise<ClaimState[]>;
  /** The claimed ids are durable, received at `receivedAt`. */
  confirm(ids: readonly string[], receivedAt: number): void | Promise<void>;
  /** The claimed ids were not stored: a retry may claim them again. */
  release(ids: readonly string[]): void | Promise<void>;
}

const hourMs = 3_600_000;

/*
 * Two independent 32-bit hashes of an ASCII id (event ids are ASCII by their schema), so
 * that an id costs 8 bytes in memory. Two different ids share both halves with probability
 * 2^-64: among 10 M ids in a window, the chance that any retry-free event is taken for a
 * duplicate is about 3·10^-6 — accepted for a window that fits in memory at any volume.
 * The pair is left in `hashed` rather than returned, so hashing allocates nothing.
 */
const hashed = new Uint32Array(2);

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

/** The hash pair of an id given as a string. */
export function hashOfId(id: string): [number, number] {
  let h1 = 0x811c9dc5 ^ id.length;
  let h2 = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  finish(h1, h2);
  return [hashed[0]!, hashed[1]!];
}

/**
 * Hashes an id given as bytes `[start, end)` of `bytes` (start-up reads lines as bytes) into
 * `hashed`, allocating nothing: start-up calls it millions of times.
 */
export function hashOfIdBytes(bytes: Uint8Array, start: number, end: number): Uint32Array {
  let h1 = 0x811c9dc5 ^ (end - start);
  let h2 = 0x9747b28c;
  for (let i = start; i < end; i++) {
    const c = bytes[i]!;
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 15;
  }
  finish(h1, h2);
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

/**
 * The window in this process: stored ids as hash pairs in one set per hour of receipt,
 * whole hours dropped once they are older than the window (so memory follows the
 * window's traffic, not the store's age); claims in flight as a plain set.
 */
export class InProcessIdempotencyWindow implements IdempotencyWindow {
  readonly windowMs: number;
  readonly #hours = new Map<number, HashPairSet>();
  readonly #pending = new Set<string>();
  #lastHour = Number.NaN;
  #lastSet: HashPairSet | undefined;

  constructor(hours: number) {
    this.windowMs = hours * hourMs;
  }

  /** Whether `id` was stored within the window (ignores claims in flight). */
  has(id: string): boolean {
    const [h1, h2] = hashOfId(id);
    return this.#hasHash(h1, h2);
  }

  #hasHash(h1: number, h2: number): boolean {
    for (const set of this.#hours.values()) if (set.has(h1, h2)) return true;
    return false;
  }

  claim(ids: readonly string[], now: number): ClaimState[] {
    this.prune(now);
    return ids.map((id) => {
      if (this.#pending.has(id)) return 'pending';
      const [h1, h2] = hashOfId(id);
      if (this.#hasHash(h1, h2)) return 'stored';
      this.#pending.add(id);
      return 'claimed';
    });
  }

  confirm(ids: readonly string[], receivedAt: number): void {
    for (const id of ids) {
      this.#pending.delete(id);
      const [h1, h2] = hashOfId(id);
      this.addHash(h1, h2, receivedAt);
    }
  }

  release(ids: readonly string[]): void {
    for (const id of ids) this.#pending.delete(id);
  }

  /**
   * Records a stored id by its hash pair, in the hour it was received. Start-up calls this
   * with hashes taken straight from the bytes; it does not look in the other hours, since
   * what is on disk was claimed once.
   */
  addHash(h1: number, h2: number, receivedAt: number): void {
    const hour = Math.floor(receivedAt / hourMs);
    let set = hour === this.#lastHour ? this.#lastSet : this.#hours.get(hour);
    if (!set) this.#hours.set(hour, (set = new HashPairSet()));
    // Lines come in time order: the hour is usually the last one's.
    this.#lastHour = hour;
    this.#lastSet = set;
    set.add(h1, h2);
  }

  /** Forgets the hours wholly older than the window. */
  prune(now: number): void {
    const oldest = Math.floor((now - this.windowMs) / hourMs);
    for (const hour of this.#hours.keys()) if (hour < oldest) this.#hours.delete(hour);
    if (this.#lastHour < oldest) this.#lastSet = undefined;
  }

  /** Ids remembered, and the bytes they take (for the log line at start). */
  get stats(): { ids: number; bytes: number } {
    let ids = 0;
    let bytes = 0;
    for (const set of this.#hours.values()) {
      ids += set.size;
      bytes += set.bytes;
    }
    return { ids, bytes };
  }
}
