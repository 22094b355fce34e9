/**
 * Event idempotency shared by several proxies through Redis: one event id posted to A and,
 * as a retry, to B is stored once. This instance's own window answers first (it also covers
 * ids stored before Redis was there); an id it has not seen is claimed fleet-wide with
 * `SET NX` for the dedup window. Redis sick (down, slow, refusing) costs no event: the own
 * window alone decides, as it does without Redis — a retry that lands on another instance
 * meanwhile may then be stored twice, never lost.
 *
 * A claim another instance still holds (its write in flight) cannot be awaited from here:
 * the id is polled for a short while, and if that write neither lands nor fails in time, the
 * batch is refused with a 503 to retry — so nothing is acknowledged that may never be stored.
 */
import type { RedisConnection } from '../redis-connection.ts';
import { EventStoreUnavailableError } from './store-unavailable.ts';
import type { ClaimState, IdempotencyWindow } from './idempotency-window.ts';

/** How long a claim held by another instance is waited for before the batch is refused. */
export const remoteClaimWaitMs = 1000;

const pending = 'pending';
const stored = 'stored';

/** The own window in front of the fleet's window in Redis. */
export class SharedIdempotencyWindow implements IdempotencyWindow {
  readonly windowMs: number;

  constructor(
    private readonly local: IdempotencyWindow,
    private readonly redis: RedisConnection,
    private readonly wait = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
  ) {
    this.windowMs = local.windowMs;
  }

  #key(id: string): string {
    return this.redis.key(`event:${id}`);
  }

  async claim(ids: readonly string[], now: number): Promise<ClaimState[]> {
    const states = await this.local.claim(ids, now);
    const mine = ids.filter((_, i) => states[i] === 'claimed');
    if (mine.length === 0) return states;
    const taken = await this.redis.attempt('event-claim', (client) => {
      const batch = client.pipeline();
      for (const id of mine) batch.set(this.#key(id), pending, 'PX', this.windowMs, 'NX');
      return batch.exec();
    });
    // Redis did not answer: this instance's own window decides alone.
    if (!taken) return states;
    const lost = new Map<string, number>();
    taken.forEach(([error, reply], k) => {
      if (error === null && reply !== 'OK') lost.set(mine[k]!, ids.indexOf(mine[k]!));
    });
    if (lost.size === 0) return states;
    const settled = await this.#settleRemote([...lost.keys()]);
    const released: string[] = [];
    for (const [id, index] of lost) {
      if (settled.get(id) === stored) {
        states[index] = 'stored';
        released.push(id);
      }
    }
    await this.local.release(released);
    const unsettled = [...lost.keys()].filter((id) => settled.get(id) !== stored && settled.get(id) !== 'claimed');
    if (unsettled.length > 0) {
      await this.local.release(unsettled);
      await this.release(mine.filter((id) => !lost.has(id)));
      throw new EventStoreUnavailableError(
        `event ${unsettled[0]} is being stored by another proxy right now; retry the batch`,
        1,
      );
    }
    return states;
  }

  /** Waits until each id's remote claim is stored, or gone (then claims it here). */
  async #settleRemote(ids: string[]): Promise<Map<string, 'stored' | 'claimed' | 'pending'>> {
    const result = new Map<string, 'stored' | 'claimed' | 'pending'>();
    const deadline = Date.now() + remoteClaimWaitMs;
    let open = ids;
    while (open.length > 0) {
      const values = await this.redis.attempt('event-claim', (client) => client.mget(open.map((id) => this.#key(id))));
      if (!values) break;
      const next: string[] = [];
      for (const [k, id] of open.entries()) {
        const value = values[k];
        if (value === stored) result.set(id, 'stored');
        else if (value === null) {
          const retaken = await this.redis.attempt('event-claim', (client) =>
            client.set(this.#key(id), pending, 'PX', this.windowMs, 'NX'),
          );
          if (retaken === 'OK') result.set(id, 'claimed');
          else next.push(id);
        } else next.push(id);
      }
      open = next;
      if (open.length === 0 || Date.now() >= deadline) break;
      await this.wait(20);
    }
    for (const id of open) result.set(id, 'pending');
    return result;
  }

  async confirm(ids: readonly string[], receivedAt: number): Promise<void> {
    await this.local.confirm(ids, receivedAt);
    if (ids.length === 0) return;
    const left = Math.max(1, receivedAt + this.windowMs - Date.now());
    await this.redis.attempt('event-confirm', (client) => {
      const batch = client.pipeline();
      for (const id of ids) batch.set(this.#key(id), stored, 'PX', left);
      return batch.exec();
    });
  }

  async release(ids: readonly string[]): Promise<void> {
    await this.local.release(ids);
    if (ids.length === 0) return;
    await this.redis.attempt('event-release', (client) => client.del(...ids.map((id) => this.#key(id))));
  }
}
