/**
 * The circuit breaker shared by the fleet through Redis: every instance's calls count
 * in one window, an open breaker is seen by all at once (published), and when the
 * probe time comes one instance in the fleet probes (a lease taken with SET NX).
 * Each instance keeps its own breaker (circuit-breaker.ts) as its view of the fleet's
 * state; with Redis sick it simply goes on judging by its own calls.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type Breaker, type BreakerOptions, type BreakerState, CircuitBreaker } from './circuit-breaker.ts';
import type { RedisConnection } from './redis-connection.ts';

// Adds one outcome to the fleet's window (a list, newest first) and opens the breaker
// when the window is bad enough; runs in Redis so two instances never both miss the threshold.
const recordScript = `
local now = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[4])
redis.call('LPUSH', KEYS[1], ARGV[1] .. ':' .. ARGV[2])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[3]) - 1)
redis.call('PEXPIRE', KEYS[1], windowMs)
if ARGV[2] ~= '1' or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local total, bad = 0, 0
for _, e in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local at, b = string.match(e, '^(%d+):(%d)$')
  if at and now - tonumber(at) <= windowMs then
    total = total + 1
    if b == '1' then bad = bad + 1 end
  end
end
if bad >= tonumber(ARGV[5]) and bad / total >= tonumber(ARGV[6]) then
  redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[8])
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[7], 'open:' .. ARGV[1])
  return 1
end
return 0
`;

type ScriptedRedis = Redis & {
  recoBreakerRecord(windowKey: string, openKey: string, ...args: Array<string | number>): Promise<number>;
};

/** The fleet's breaker as one instance sees it. */
export class SharedBreaker implements Breaker {
  readonly #local: CircuitBreaker;
  readonly #keys: { window: string; open: string; probe: string; channel: string };
  #subscriber: Redis | undefined;
  /** Until when (ms) not to ask for the probe lease again after another instance took it. */
  #askAgainAt = 0;

  constructor(
    private readonly redis: RedisConnection,
    private readonly options: BreakerOptions & {
      /** How long the probe lease lasts: the hard cap and a margin, so a lost prober frees it. */
      probeLeaseMs: number;
      logger: Logger;
    },
  ) {
    this.#local = new CircuitBreaker({
      ...options,
      onChange: (state, change) => {
        options.onChange?.(state, change);
        if (!change.adopted) this.#publish(state, change.openedAt);
      },
    });
    this.#keys = {
      window: redis.key('breaker:window'),
      open: redis.key('breaker:open'),
      probe: redis.key('breaker:probe'),
      channel: redis.key('breaker'),
    };
    redis.client.defineCommand('recoBreakerRecord', { numberOfKeys: 2, lua: recordScript });
  }

  #now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** How long the fleet remembers that the breaker opened, if no probe ever closes it. */
  get #openTtlMs(): number {
    return Math.max(60_000, this.options.probeMs * 10);
  }

  /** Listens for the fleet's changes and takes the fleet's current state; call once. */
  start(): void {
    const subscriber = this.redis.subscriber();
    this.#subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => this.#hear(message));
    // On every (re)connection: subscribe (there is no offline queue to hold an early one) and catch up.
    subscriber.on('ready', () => {
      subscriber.subscribe(this.#keys.channel).catch(() => {});
      void this.#catchUp();
    });
  }

  async #catchUp(): Promise<void> {
    const openedAt = await this.redis.attempt('breaker-sync', (client) => client.get(this.#keys.open));
    if (openedAt) this.#local.adopt('open', Number(openedAt));
  }

  #hear(message: string): void {
    if (message === 'closed') this.#local.adopt('closed');
    else if (message.startsWith('open:')) this.#local.adopt('open', Number(message.slice(5)));
  }

  #publish(state: BreakerState, openedAt: number): void {
    if (state === 'half-open') return;
    const { open, probe, channel } = this.#keys;
    void this.redis.attempt('breaker-publish', (client) => {
      const change = client.multi().del(probe);
      if (state === 'open')
        change.set(open, String(openedAt), 'PX', this.#openTtlMs).publish(channel, `open:${openedAt}`);
      else change.del(open).publish(channel, 'closed');
      return change.exec();
    });
  }

  #record(bad: boolean): void {
    const { failures, failureShare = 0.5, windowCalls = 20, windowMs = 10_000 } = this.options;
    const at = this.#now();
    // Sent after the shopper's answer has gone out (an outcome is recorded on the answer's path).
    setImmediate(() => {
      void this.redis.attempt('breaker-record', (client) =>
        (client as ScriptedRedis).recoBreakerRecord(
          this.#keys.window,
          this.#keys.open,
          at,
          bad ? 1 : 0,
          windowCalls,
          windowMs,
          failures,
          failureShare,
          this.#keys.channel,
          this.#openTtlMs,
        ),
      );
    });
  }

  get state(): BreakerState {
    return this.#local.state;
  }

  allows(): boolean | Promise<boolean> {
    if (this.#local.state === 'closed') return true;
    if (!this.#local.probeDue() || this.#now() < this.#askAgainAt) return false;
    return this.redis
      .attempt('breaker-probe', (client) =>
        client.set(this.#keys.probe, String(process.pid), 'PX', this.options.probeLeaseMs, 'NX'),
      )
      .then((lease) => {
        // Redis sick (undefined): this instance probes for itself, as it would alone.
        if (lease === undefined || lease === 'OK') return this.#local.allows();
        // Another instance probes; its outcome is published. Ask again a little later, not per request.
        this.#askAgainAt = this.#now() + 100;
        return false;
      });
  }

  success(): void {
    const probe = this.#local.state === 'half-open';
    this.#local.success();
    if (!probe) this.#record(false);
  }

  failure(): void {
    const probe = this.#local.state === 'half-open';
    this.#local.failure();
    if (!probe) this.#record(true);
  }

  /** Stops listening. */
  close(): void {
    this.#subscriber?.disconnect(false);
  }
}
