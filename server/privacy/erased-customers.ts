/**
 * Who is erased, as this proxy knows it: the pseudonyms of the erasure log (read at start and
 * re-read whenever it grows: `npm run erase` appends to it beside a running proxy) and, when Redis
 * is on, the fleet's set (`<prefix>erased`), told at once on a channel and re-read every few seconds
 * so a missed message costs seconds, not a customer. `has` is what the shopper identity asks
 * (`server/shoppers/shopper-identity.ts`): an erased customer is served as an anonymous shopper.
 * Each pseudonym new to this process is handed to the listeners once (the proxy then erases its
 * own copies: `instance-erasure.ts`).
 */
import { statSync } from 'node:fs';
import type { Logger } from 'pino';
import type { RedisConnection } from '../shared-state/redis-connection.ts';
import { erasureLogPath, readErasureLog } from './erasure-log.ts';

/** How often the log's size and the fleet's set are looked at, in ms. */
export interface FollowTimes {
  logMs: number;
  fleetMs: number;
}

/** The erased pseudonyms, and the customer ids they stand for once asked about. */
export class ErasedCustomers {
  readonly #pseudonyms = new Set<string>();
  readonly #listeners: Array<(pseudonym: string) => void> = [];
  #logBytes = -1;
  #timers: NodeJS.Timeout[] = [];
  #subscriber: { disconnect(): void } | undefined;
  #redis: RedisConnection | undefined;

  /** `pseudonymOf` is undefined without `RECO_PSEUDONYM_KEY`: then nobody can be erased. */
  constructor(
    private readonly pseudonymOf: ((customerId: string) => string) | undefined,
    private readonly logger?: Logger,
  ) {}

  /** Whether the customer `userId` is erased. Costs one HMAC, and nothing while nobody is. */
  has(userId: string): boolean {
    if (this.#pseudonyms.size === 0 || !this.pseudonymOf) return false;
    return this.#pseudonyms.has(this.pseudonymOf(userId));
  }

  /** Whether `pseudonym` is erased. */
  hasPseudonym(pseudonym: string): boolean {
    return this.#pseudonyms.has(pseudonym);
  }

  /** The erased pseudonyms. */
  get pseudonyms(): ReadonlySet<string> {
    return this.#pseudonyms;
  }

  /** Calls `listener` with each pseudonym new to this process (those read at start included). */
  onErased(listener: (pseudonym: string) => void): void {
    this.#listeners.push(listener);
  }

  /** Adds `pseudonym`; true when it is new here (the listeners were told). */
  add(pseudonym: string): boolean {
    if (this.#pseudonyms.has(pseudonym)) return false;
    this.#pseudonyms.add(pseudonym);
    for (const listener of this.#listeners) listener(pseudonym);
    return true;
  }

  /** Tells the fleet (Redis) that `pseudonym` is erased; false when Redis did not take it. */
  async announce(pseudonym: string): Promise<boolean> {
    const redis = this.#redis;
    if (!redis) return true;
    const done = await redis.attemptWrite('erased-add', (client) =>
      client.pipeline().sadd(redis.key('erased'), pseudonym).publish(redis.key('erasures'), pseudonym).exec(),
    );
    return done?.every(([error]) => error === null) ?? false;
  }

  /** Tells the fleet through `redis` from now on (`announce`), without following it (`npm run erase`). */
  useRedis(redis: RedisConnection): void {
    this.#redis = redis;
  }

  /** Reads the erasure log in `dir` now and whenever it grows; with `redis`, follows the fleet's set too. */
  follow(dir: string, redis: RedisConnection | undefined, times: FollowTimes = { logMs: 1000, fleetMs: 5000 }): void {
    this.#readLog(dir);
    this.#timers.push(setInterval(() => this.#readLog(dir), times.logMs).unref());
    if (!redis) return;
    this.#redis = redis;
    // Each (re)connection re-reads the set: what was announced while the link was down was never heard.
    this.#subscriber = redis.follow(
      redis.key('erasures'),
      (pseudonym) => this.add(pseudonym),
      () => void this.#readFleet(),
    );
    this.#timers.push(setInterval(() => void this.#readFleet(), times.fleetMs).unref());
  }

  #readLog(dir: string): void {
    let bytes: number;
    try {
      bytes = statSync(erasureLogPath(dir)).size;
    } catch {
      return;
    }
    if (bytes === this.#logBytes) return;
    this.#logBytes = bytes;
    for (const record of readErasureLog(dir)) this.add(record.pseudonym);
  }

  async #readFleet(): Promise<void> {
    const redis = this.#redis;
    const members = await redis?.attemptWrite('erased-read', (client) => client.smembers(redis.key('erased')));
    for (const pseudonym of members ?? []) this.add(pseudonym);
  }

  /** Stops following. */
  stop(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    this.#subscriber?.disconnect();
    this.logger?.debug('erased customers: stopped following');
  }
}
