/**
 * The recently-bought index shared by several proxies through Redis, so a purchase posted
 * to proxy A keeps the item off the shopper's next shelf at proxy B.
 *
 * In Redis, one sorted set per customer: member the item, score the time of its latest
 * purchase (`ZADD GT`), trimmed to the horizon on every write and expiring a horizon after
 * the last one, so a customer who stops buying costs nothing. A shelf reads it with one
 * `ZRANGE … BYSCORE REV LIMIT` sent in the same tick as the shared cache's read (see
 * `shelf-service.ts`): both wait on one round trip, not two.
 *
 * This instance's own index stays underneath: every purchase is added there first, what
 * Redis returns is merged into it, and the shelf reads the merge. A sick Redis (down, slow,
 * hung, refusing) therefore costs at most the connection's timeout on the read and leaves
 * the shelf with the purchases this instance has seen — never an error. Purchases read
 * from the event files at start-up stay local: they were shared when they were posted.
 */
import type { RedisConnection } from '../shared-state/redis-connection.ts';
import { dayMs, type RecentlyBoughtIndex } from './recently-bought.ts';

/**
 * The most purchases one read brings back (newest first). Above what the model's exclude list
 * takes (`invocationLimits.maxExclude`) a customer's older purchases would be cut anyway, and a
 * bounded reply keeps a heavy buyer's read as cheap as anyone's.
 */
export const maxPurchasesRead = 1000;

/** This instance's index, with the fleet's purchases in Redis merged in on each read. */
export class SharedRecentlyBought implements RecentlyBoughtIndex {
  constructor(
    private readonly local: RecentlyBoughtIndex,
    private readonly redis: RedisConnection,
    /** The keyed digest the customer id is stored as (`redisDigester`): Redis never holds the id. */
    private readonly digest: (text: string) => string,
    private readonly now: () => number = Date.now,
  ) {}

  #key(userId: string): string {
    return this.redis.key(`bought:${this.digest(userId)}`);
  }

  get horizonMs(): number {
    return this.local.horizonMs;
  }

  add(userId: string, itemId: string, at: number): void {
    this.local.add(userId, itemId, at);
    const horizonMs = this.horizonMs;
    if (horizonMs <= 0) return;
    const key = this.#key(userId);
    void this.redis.attempt('bought-add', (client) =>
      client
        .pipeline()
        // GT: a late-arriving older purchase never moves an item's time back.
        .zadd(key, 'GT', at, itemId)
        .zremrangebyscore(key, '-inf', `(${this.now() - horizonMs}`)
        .pexpire(key, horizonMs)
        .exec(),
    );
  }

  /**
   * Joins the session's purchases (the fleet's) to the customer's, here and in Redis: dated at the sign-in, a
   * little later than bought, so they stay off the customer's shelf a little longer, never shorter.
   */
  join(from: string, userId: string): void {
    this.local.join(from, userId);
    const now = this.now();
    void this.fleetRecentlyBought(from, this.horizonMs / dayMs, now).then((items) => {
      for (const itemId of items) this.add(userId, itemId, now);
    });
  }

  /** This instance's own view only (no Redis): what the shelf falls back on. */
  recentlyBought(userId: string, days: number, now: number): ReadonlySet<string> {
    return this.local.recentlyBought(userId, days, now);
  }

  /**
   * The fleet's view: `userId`'s purchases within `days` days from Redis, merged into this
   * instance's index, then read from it. Resolves with the local view alone when Redis does
   * not answer within the connection's timeout; never rejects.
   */
  async fleetRecentlyBought(userId: string, days: number, now: number): Promise<ReadonlySet<string>> {
    const since = now - days * dayMs;
    const found = await this.redis.attempt('bought-get', (client) =>
      client.zrange(
        this.#key(userId),
        '+inf',
        String(since),
        'BYSCORE',
        'REV',
        'LIMIT',
        0,
        maxPurchasesRead,
        'WITHSCORES',
      ),
    );
    if (found) {
      for (let i = 0; i + 1 < found.length; i += 2) this.local.add(userId, found[i]!, Number(found[i + 1]));
    }
    return this.local.recentlyBought(userId, days, now);
  }

  prune(now: number): void {
    this.local.prune(now);
  }

  /** This instance's own; the fleet's key goes with the erasure (`server/privacy/redis-erasure.ts`). */
  forget(erased: (userId: string) => boolean): number {
    return this.local.forget(erased);
  }
}
