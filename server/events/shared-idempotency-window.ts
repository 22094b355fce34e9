/**
 * Event idempotency shared by several proxies through Redis: one event key posted to A and,
 * as a retry, to B is stored once. This instance's own window answers first (it also covers
 * keys stored before Redis was there); a key it has not seen is claimed fleet-wide with
 * `SET NX`. Redis sick (down, slow, refusing) costs no event: the own window alone decides,
 * as it does without Redis — a retry that lands on another instance meanwhile may then be
 * stored twice, never lost.
 *
 * A claim is a short lease (`claimLeaseMs`), not a mark for the window: it holds this
 * instance's token, is renewed while the write runs (a sick disk can outlast one lease), and
 * after a crash it is gone within seconds, so a retry anywhere can claim the key again. Once
 * the write is durable the key is marked `stored` for the rest of the window — a write, with
 * its own timeout (`RedisConnection.attemptWrite`), not the short one reads use. If even that
 * fails the batch is acknowledged all the same (its events are on disk) and says so
 * (`confirm` resolves false); the lease then lapses, and a retry at another instance would
 * store the events a second time.
 *
 * A claim another instance holds (its write in flight) cannot be awaited from here: the key is
 * polled for a short while, and if that write neither lands nor fails in time, the batch is
 * refused with a 503 to retry — so nothing is acknowledged that may never be stored.
 */
import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '../shared-state/redis-connection.ts';
import type { ClaimState, IdempotencyWindow } from './idempotency-window.ts';
import { EventStoreUnavailableError } from './store-unavailable.ts';

/** How long a claim held by another instance is waited for before the batch is refused. */
export const remoteClaimWaitMs = 1000;

/** How long a claim lives unless renewed: what a crashed instance blocks its keys for. */
export const claimLeaseMs = 10_000;

/** How often the claims of writes still running are renewed (a third of the lease: two may fail). */
const renewEveryMs = claimLeaseMs / 3;

const stored = 'stored';

/** Renews each key (KEYS) still held by this instance's token (ARGV[1]) for ARGV[2] ms. */
const renewScript = `for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('PEXPIRE', key, ARGV[2]) end
end
return 0`;

/** Deletes each key (KEYS) still held by this instance's token (ARGV[1]), never another's claim. */
const releaseScript = `for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then redis.call('DEL', key) end
end
return 0`;

/** The own window in front of the fleet's window in Redis. */
export class SharedIdempotencyWindow implements IdempotencyWindow {
  readonly windowMs: number;
  /** What this instance's claims hold: not `stored`, and never another instance's. */
  readonly #token = `pending:${randomUUID()}`;
  /** Redis keys claimed here whose write has not ended, renewed until it does. */
  readonly #held = new Set<string>();
  #renewing: NodeJS.Timeout | undefined;

  constructor(
    private readonly local: IdempotencyWindow,
    private readonly redis: RedisConnection,
    private readonly wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  ) {
    this.windowMs = local.windowMs;
  }

  #key(key: string): string {
    return this.redis.key(`event:${key}`);
  }

  #hold(redisKeys: readonly string[]): void {
    for (const key of redisKeys) this.#held.add(key);
    if (this.#held.size > 0) this.#renewing ??= setInterval(() => void this.#renew(), renewEveryMs).unref();
  }

  #drop(redisKeys: readonly string[]): void {
    for (const key of redisKeys) this.#held.delete(key);
    if (this.#held.size === 0 && this.#renewing) {
      clearInterval(this.#renewing);
      this.#renewing = undefined;
    }
  }

  async #renew(): Promise<void> {
    const keys = [...this.#held];
    if (keys.length === 0) return;
    await this.redis.attemptWrite('event-renew', (client) =>
      client.eval(renewScript, keys.length, ...keys, this.#token, claimLeaseMs),
    );
  }

  async claim(keys: readonly string[], now: number): Promise<ClaimState[]> {
    const states = await this.local.claim(keys, now);
    const mine = keys.filter((_, i) => states[i] === 'claimed');
    if (mine.length === 0) return states;
    const taken = await this.redis.attemptWrite('event-claim', (client) => {
      const batch = client.pipeline();
      for (const key of mine) batch.set(this.#key(key), this.#token, 'PX', claimLeaseMs, 'NX');
      return batch.exec();
    });
    // Redis did not answer: this instance's own window decides alone.
    if (!taken) return states;
    const lost = new Map<string, number>();
    const won: string[] = [];
    taken.forEach(([error, reply], k) => {
      if (error === null && reply !== 'OK') lost.set(mine[k]!, keys.indexOf(mine[k]!));
      else if (error === null) won.push(this.#key(mine[k]!));
    });
    this.#hold(won);
    if (lost.size === 0) return states;
    const settled = await this.#settleRemote([...lost.keys()]);
    const released: string[] = [];
    for (const [key, index] of lost) {
      if (settled.get(key) === stored) {
        states[index] = 'stored';
        released.push(key);
      }
    }
    await this.local.release(released);
    const unsettled = [...lost.keys()].filter((key) => settled.get(key) !== stored && settled.get(key) !== 'claimed');
    if (unsettled.length > 0) {
      await this.local.release(unsettled);
      await this.release(mine.filter((key) => !lost.has(key) || settled.get(key) === 'claimed'));
      throw new EventStoreUnavailableError(
        `event ${unsettled[0]} is being stored by another proxy right now; retry the batch`,
        1,
      );
    }
    return states;
  }

  /** Waits until each key's remote claim is stored, or gone (then claims it here). */
  async #settleRemote(keys: string[]): Promise<Map<string, 'stored' | 'claimed' | 'pending'>> {
    const result = new Map<string, 'stored' | 'claimed' | 'pending'>();
    const deadline = Date.now() + remoteClaimWaitMs;
    let open = keys;
    while (open.length > 0) {
      const values = await this.redis.attemptWrite('event-claim', (client) =>
        client.mget(open.map((key) => this.#key(key))),
      );
      if (!values) break;
      const next: string[] = [];
      for (const [k, key] of open.entries()) {
        const value = values[k];
        if (value === stored) result.set(key, 'stored');
        else if (value === null) {
          const retaken = await this.redis.attemptWrite('event-claim', (client) =>
            client.set(this.#key(key), this.#token, 'PX', claimLeaseMs, 'NX'),
          );
          if (retaken === 'OK') {
            this.#hold([this.#key(key)]);
            result.set(key, 'claimed');
          } else next.push(key);
        } else next.push(key);
      }
      open = next;
      if (open.length === 0 || Date.now() >= deadline) break;
      await this.wait(20);
    }
    for (const key of open) result.set(key, 'pending');
    return result;
  }

  async confirm(keys: readonly string[], receivedAt: number): Promise<boolean> {
    await this.local.confirm(keys, receivedAt);
    if (keys.length === 0) return true;
    const redisKeys = keys.map((key) => this.#key(key));
    const left = Math.max(1, receivedAt + this.windowMs - Date.now());
    const replies = await this.redis.attemptWrite('event-confirm', (client) => {
      const batch = client.pipeline();
      for (const key of redisKeys) batch.set(key, stored, 'PX', left);
      return batch.exec();
    });
    this.#drop(redisKeys);
    return replies?.every(([error]) => error === null) ?? false;
  }

  async release(keys: readonly string[]): Promise<void> {
    await this.local.release(keys);
    if (keys.length === 0) return;
    const redisKeys = keys.map((key) => this.#key(key));
    this.#drop(redisKeys);
    // Not released (Redis sick): the lease lapses by itself within `claimLeaseMs`.
    await this.redis.attemptWrite('event-release', (client) =>
      client.eval(releaseScript, redisKeys.length, ...redisKeys, this.#token),
    );
  }
}
