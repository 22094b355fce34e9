/**
 * The "recently bought" index behind the shelf's `exclude-recently-bought` filter:
 * customer → item → time of the last purchase, kept only for as long as a placement can
 * ask about (its `recentlyBoughtDays`), pruned as time passes. Behind an interface so
 * several proxies can share one through Redis (`shared-recently-bought.ts`).
 */

/** Purchases by customer, for a bounded look-back. */
export interface RecentlyBoughtIndex {
  /** Records a purchase of `itemId` by `userId` at `at` (epoch ms). */
  add(userId: string, itemId: string, at: number): void;
  /** Items `userId` bought within `days` days before `now`, the most recent purchase first. */
  recentlyBought(userId: string, days: number, now: number): ReadonlySet<string>;
  /** Forgets purchases older than the index's horizon. */
  prune(now: number): void;
  /** Forgets every purchase of the customers `erased` names (an erasure); returns how many customers. */
  forget(erased: (userId: string) => boolean): number;
  /** How far back purchases are kept, in ms (the largest `recentlyBoughtDays` in use). */
  readonly horizonMs: number;
  /** Adds `from`'s purchases (a session's, `sessionBuyer`) to `userId`'s, at their times: `identify`. */
  join(from: string, userId: string): void;
}

/**
 * The index's key for an anonymous session's purchases (a guest checkout): a control character no customer id
 * holds (`printablePattern`), so it never names a customer. An `identify` joins them to the customer's.
 */
export const sessionBuyer = (sessionId: string): string => `\u0001${sessionId}`;

/** One day in ms: `recentlyBoughtDays` × this is a look-back. */
export const dayMs = 86_400_000;
const empty: ReadonlySet<string> = new Set();

/** The index in this process, bounded by `horizonDays()` (the largest `recentlyBoughtDays` in use). */
export class InProcessRecentlyBought implements RecentlyBoughtIndex {
  readonly #byUser = new Map<string, Map<string, number>>();

  constructor(private readonly horizonDays: () => number) {}

  get horizonMs(): number {
    return this.horizonDays() * dayMs;
  }

  add(userId: string, itemId: string, at: number): void {
    let items = this.#byUser.get(userId);
    if (!items) this.#byUser.set(userId, (items = new Map()));
    if ((items.get(itemId) ?? Number.NEGATIVE_INFINITY) < at) items.set(itemId, at);
  }

  recentlyBought(userId: string, days: number, now: number): ReadonlySet<string> {
    const items = this.#byUser.get(userId);
    if (!items) return empty;
    const since = now - days * dayMs;
    const recent = [...items].filter(([, at]) => at >= since).sort((a, b) => b[1] - a[1]);
    return new Set(recent.map(([itemId]) => itemId));
  }

  join(from: string, userId: string): void {
    for (const [itemId, at] of this.#byUser.get(from) ?? []) this.add(userId, itemId, at);
  }

  prune(now: number): void {
    const since = now - this.horizonMs;
    for (const [userId, items] of this.#byUser) {
      for (const [itemId, at] of items) if (at < since) items.delete(itemId);
      if (items.size === 0) this.#byUser.delete(userId);
    }
  }

  forget(erased: (userId: string) => boolean): number {
    const gone = [...this.#byUser.keys()].filter(erased);
    for (const userId of gone) this.#byUser.delete(userId);
    return gone.length;
  }

  /** Customers with a purchase in the index. */
  get customers(): number {
    return this.#byUser.size;
  }
}
