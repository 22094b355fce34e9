/**
 * The circuit breaker shared by the fleet through Redis: every instance's calls count
 * in one window, an open breaker is seen by all at once (published), and when the
 * probe time comes one instance in the fleet probes (a lease taken with SET NX, given
 * back by its owner when the probe ends without a verdict).
 * Each instance keeps its own breaker (circuit-breaker.ts) as its view of the fleet's
 * state; with Redis sick it simply goes on judging by its own calls.
 *
 * The fleet's state is one value in Redis, `<generation>:<open|closed>:<openedAt>`, changed
 * only by a script that compares and sets: an instance's change names the generation it
 * judged (the open it probed), and a change judged against an older open than Redis holds is
 * refused and the newer state adopted instead. Generations come from Redis's own clock
 * (microseconds, always above the last one), so they order every change in the fleet, survive
 * a Redis restart, and every instance drops a message older than the state it already has: a
 * stale `closed` can never override a newer `open`.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type Breaker, type BreakerOptions, type BreakerState, CircuitBreaker } from '../shelf/circuit-breaker.ts';
import type { RedisConnection } from './redis-connection.ts';

// The next generation: Redis's clock in microseconds, above the stored one. `%.0f`: Lua would
// print a number this large in exponent form.
const nextGeneration = `
local function nextGeneration(current)
  local t = redis.call('TIME')
  local us = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local last = current and tonumber(string.match(current, '^(%d+):')) or 0
  return string.format('%.0f', math.max(us, last + 1))
end
`;

// Adds one outcome to the fleet's window (a list, newest first) and opens the breaker
// when the window is bad enough; runs in Redis so two instances never both miss the threshold.
const recordScript = `${nextGeneration}
local now = tonumber(ARGV[1])
local windowMs = tonumber(ARGV[4])
redis.call('LPUSH', KEYS[1], ARGV[1] .. ':' .. ARGV[2])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[3]) - 1)
redis.call('PEXPIRE', KEYS[1], windowMs)
if ARGV[2] ~= '1' then return 0 end
local current = redis.call('GET', KEYS[2])
if current and string.find(current, ':open:', 1, true) then return 0 end
local total, bad = 0, 0
for _, e in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local at, b = string.match(e, '^(%d+):(%d)$')
  if at and now - tonumber(at) <= windowMs then
    total = total + 1
    if b == '1' then bad = bad + 1 end
  end
end
if bad >= tonumber(ARGV[5]) and bad / total >= tonumber(ARGV[6]) then
  local value = nextGeneration(current) .. ':open:' .. ARGV[1]
  redis.call('SET', KEYS[2], value, 'PX', ARGV[8])
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[7], value)
  return 1
end
return 0
`;

// An instance's change (ARGV[1] 'open' or 'closed', since ARGV[2]), judged against generation
// ARGV[3]: refused while Redis holds another open (a newer one), whose value is returned;
// a close of what is already closed changes nothing. Applied: the new value is set, published and
// returned. Either way this instance's probe lease (ARGV[6]) is given back.
const changeScript = `${nextGeneration}
if redis.call('GET', KEYS[2]) == ARGV[6] then redis.call('DEL', KEYS[2]) end
local current = redis.call('GET', KEYS[1])
local open = current and string.find(current, ':open:', 1, true)
if open and string.match(current, '^(%d+):') ~= ARGV[3] then return {0, current} end
if ARGV[1] == 'closed' and not open then return {0, current or ''} end
local value = nextGeneration(current) .. ':' .. ARGV[1] .. ':' .. ARGV[2]
redis.call('SET', KEYS[1], value, 'PX', ARGV[5])
redis.call('PUBLISH', ARGV[4], value)
return {1, value}
`;

// Gives back this instance's probe lease (and only its own).
const releaseScript = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

type ScriptedRedis = Redis & {
  recoBreakerRecord(windowKey: string, stateKey: string, ...args: Array<string | number>): Promise<number>;
  recoBreakerChange(stateKey: string, probeKey: string, ...args: Array<string | number>): Promise<[number, string]>;
  recoBreakerRelease(probeKey: string, token: string): Promise<number>;
};

/** A state value or message: generation, state, and since when it is open. */
const statePattern = /^(\d+):(open|closed):(\d+)$/;

/** The fleet's breaker as one instance sees it. */
export class SharedBreaker implements Breaker {
  readonly #local: CircuitBreaker;
  readonly #keys: { window: string; state: string; probe: string; channel: string };
  /** This instance's probe lease, told apart from another instance's (several may share a pid). */
  readonly #leaseToken = randomUUID();
  #subscriber: Redis | undefined;
  /** Until when (ms) not to ask for the probe lease again after another instance took it. */
  #askAgainAt = 0;
  /** The generation of the fleet's state this instance last took or set; older news is dropped. */
  #generation = 0;
  /** Whether this instance's probe is out (it holds the fleet's lease, or Redis was sick). */
  #probing = false;

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
        const wasProbing = this.#probing;
        this.#probing = state === 'half-open';
        // A probe overtaken by the fleet's news (a newer open, a close) decides nothing: its lease goes back.
        if (change.released || (change.adopted && wasProbing)) this.#releaseLease();
        else if (!change.adopted) this.#publish(state, change.openedAt);
      },
    });
    this.#keys = {
      window: redis.key('breaker:window'),
      state: redis.key('breaker:state'),
      probe: redis.key('breaker:probe'),
      channel: redis.key('breaker'),
    };
    redis.client.defineCommand('recoBreakerRecord', { numberOfKeys: 2, lua: recordScript });
    redis.client.defineCommand('recoBreakerChange', { numberOfKeys: 2, lua: changeScript });
    redis.client.defineCommand('recoBreakerRelease', { numberOfKeys: 1, lua: releaseScript });
  }

  #now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** How long the fleet remembers its state, if no probe ever changes it. */
  get #stateTtlMs(): number {
    return Math.max(60_000, this.options.probeMs * 10);
  }

  /** Listens for the fleet's changes and takes the fleet's current state; call once. */
  start(): void {
    this.#subscriber = this.redis.follow(
      this.#keys.channel,
      (message) => this.#hear(message),
      () => void this.#catchUp(),
    );
  }

  async #catchUp(): Promise<void> {
    const value = await this.redis.attempt('breaker-sync', (client) => client.get(this.#keys.state));
    if (value) this.#hear(value);
  }

  /** Takes the fleet's state from a message or a stored value, unless this instance knows a newer one. */
  #hear(value: string): void {
    const parsed = statePattern.exec(value);
    if (!parsed) return;
    const generation = Number(parsed[1]);
    if (generation <= this.#generation) return;
    this.#generation = generation;
    if (parsed[2] === 'open') this.#local.adopt('open', Number(parsed[3]));
    else this.#local.adopt('closed');
  }

  #publish(state: BreakerState, openedAt: number): void {
    if (state === 'half-open') return;
    const { state: stateKey, probe, channel } = this.#keys;
    const judged = String(this.#generation);
    void this.redis
      .attempt('breaker-publish', (client) =>
        (client as ScriptedRedis).recoBreakerChange(
          stateKey,
          probe,
          state,
          openedAt,
          judged,
          channel,
          this.#stateTtlMs,
          this.#leaseToken,
        ),
      )
      .then((reply) => {
        if (!reply) return;
        const [applied, value] = reply;
        if (!applied) this.#hear(value);
        else {
          // Our own change: only its generation is news (the local breaker is already there).
          const generation = Number(statePattern.exec(value)?.[1] ?? 0);
          this.#generation = Math.max(this.#generation, generation);
        }
      });
  }

  #releaseLease(): void {
    void this.redis.attempt('breaker-release', (client) =>
      (client as ScriptedRedis).recoBreakerRelease(this.#keys.probe, this.#leaseToken),
    );
  }

  #record(bad: boolean): void {
    const { failures, failureShare = 0.5, windowCalls = 20, windowMs = 10_000 } = this.options;
    const at = this.#now();
    // Sent after the shopper's answer has gone out (an outcome is recorded on the answer's path).
    setImmediate(() => {
      void this.redis.attempt('breaker-record', (client) =>
        (client as ScriptedRedis).recoBreakerRecord(
          this.#keys.window,
          this.#keys.state,
          at,
          bad ? 1 : 0,
          windowCalls,
          windowMs,
          failures,
          failureShare,
          this.#keys.channel,
          this.#stateTtlMs,
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
        client.set(this.#keys.probe, this.#leaseToken, 'PX', this.options.probeLeaseMs, 'NX'),
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

  /** A probe's outcome said nothing of the cloud: the lease goes back, and the next caller anywhere probes. */
  release(): void {
    this.#local.release();
  }

  /** Stops listening. */
  close(): void {
    this.#subscriber?.disconnect(false);
  }
}
