/**
 * The proxy's one link to Redis, for state shared by the instances behind a balancer.
 * Redis is a help, never a dependency: every call is bounded by `timeoutMs`, a call
 * while disconnected fails at once (no offline queue), a failure is counted and the
 * caller goes on with its own state, and the client reconnects by itself. A Redis
 * that accepts the connection but stops answering (hung) is caught by a ping and
 * the connection is dropped and made anew.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/**
 * What a key holds in place of a shopper or customer id: a digest, so ids never sit in Redis
 * in the clear, and keys stay short whatever the id's length.
 */
export const keyDigest = (text: string): string => createHash('sha256').update(text).digest('base64url').slice(0, 32);

/** How long a write that must land may take by default: seconds of a sick Redis, not a shelf's milliseconds. */
export const defaultWriteTimeoutMs = 1000;

/** What the connection is opened with. */
export interface RedisConnectionOptions {
  url: string;
  /** The longest one call may take. */
  timeoutMs: number;
  /**
   * The longest a write that must land may take (`attemptWrite`), default `defaultWriteTimeoutMs`:
   * never less than `timeoutMs`, which suits reads a shelf waits for.
   */
  writeTimeoutMs?: number;
  keyPrefix: string;
  logger: Logger;
  /** Told of each failed or late call, by operation. */
  onError: (operation: string) => void;
  /** Told how long each answered call took (ms), by operation. */
  onDuration?: (operation: string, ms: number) => void;
  /** How often the link is checked (ms); default 1000. */
  pingEveryMs?: number;
}

/** A bounded link to Redis. */
export interface RedisConnection {
  /** The client for commands (its calls reject after `timeoutMs`). */
  readonly client: Redis;
  /** `keyPrefix` + `name`. */
  key(name: string): string;
  /**
   * Whether the link is up now: both its connections, for `attempt` and for `attemptWrite`, are ready
   * (a call of either would at least be sent). They connect apart, so one may be up before the other.
   */
  readonly up: boolean;
  /**
   * Runs `call`; on failure or timeout counts one error for `operation` and resolves
   * `undefined`, so the caller falls back to its own state. Never rejects.
   */
  attempt<T>(operation: string, call: (client: Redis) => Promise<T>): Promise<T | undefined>;
  /**
   * As `attempt`, for a write whose loss costs more than its wait (an event's "stored" mark):
   * on a connection of its own, bounded by `writeTimeoutMs`, never by the reads' `timeoutMs`.
   */
  attemptWrite<T>(operation: string, call: (client: Redis) => Promise<T>): Promise<T | undefined>;
  /**
   * Follows `channel` on a connection of its own (Redis takes a subscribed connection for nothing else):
   * `onMessage` hears each message; on every (re)connection the subscription is asked for anew and
   * `onConnected` runs, for the follower to catch up on what it missed while the link was down.
   * Returns the connection, to disconnect.
   */
  follow(channel: string, onMessage: (message: string) => void, onConnected?: () => void): Redis;
  close(): Promise<void>;
}

/** Opens the link; resolves at once, whether Redis is there yet or not. */
export function openRedisConnection(options: RedisConnectionOptions): RedisConnection {
  const { logger, timeoutMs } = options;
  const clientOptions = {
    commandTimeout: timeoutMs,
    connectTimeout: Math.max(200, timeoutMs * 20),
    enableOfflineQueue: false,
    // A command is never re-sent after a reconnect: its caller has long moved on.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt: number) => Math.min(50 * attempt, 1000),
    lazyConnect: false,
  };
  const clients: Redis[] = [];
  let lastLogged = 0;
  const watch = (client: Redis, role: string): Redis => {
    clients.push(client);
    client.on('error', (error: Error) => {
      // One line a second at most: a Redis that is down must not flood the logs.
      if (Date.now() - lastLogged < 1000) return;
      lastLogged = Date.now();
      logger.warn({ err: error.message, role }, 'shared state: redis unavailable, using this instance’s own state');
    });
    client.on('ready', () => logger.info({ role }, 'shared state: redis connected'));
    return client;
  };
  const client = watch(new Redis(options.url, clientOptions), 'commands');
  // ioredis bounds every command of a client by its one commandTimeout: longer writes need their own client.
  const writeTimeoutMs = Math.max(timeoutMs, options.writeTimeoutMs ?? defaultWriteTimeoutMs);
  const writer = watch(new Redis(options.url, { ...clientOptions, commandTimeout: writeTimeoutMs }), 'writes');

  let missedPings = 0;
  const ping = setInterval(() => {
    if (client.status !== 'ready') return;
    client.ping().then(
      () => {
        missedPings = 0;
      },
      () => {
        // Three missed pings on an open socket: Redis is hung; a new connection finds out when it is back.
        if (++missedPings < 3) return;
        missedPings = 0;
        logger.warn('shared state: redis stopped answering, reconnecting');
        client.disconnect(true);
        // The writes' link to the same hung Redis too: until it answers again, writes fail at once, not after 1 s.
        writer.disconnect(true);
      },
    );
  }, options.pingEveryMs ?? 1000);
  ping.unref();

  async function bounded<T>(
    on: Redis,
    ms: number,
    operation: string,
    call: (client: Redis) => Promise<T>,
  ): Promise<T | undefined> {
    if (on.status !== 'ready') {
      options.onError(operation);
      return undefined;
    }
    // commandTimeout bounds each command; this bounds the whole call (a pipeline, a script) as one.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('late')), ms);
    });
    const started = performance.now();
    try {
      const result = await Promise.race([call(on), late]);
      options.onDuration?.(operation, performance.now() - started);
      return result;
    } catch {
      options.onError(operation);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    client,
    key: (name) => `${options.keyPrefix}${name}`,
    get up() {
      return client.status === 'ready' && writer.status === 'ready';
    },
    attempt: (operation, call) => bounded(client, timeoutMs, operation, call),
    attemptWrite: (operation, call) => bounded(writer, writeTimeoutMs, operation, call),
    follow(channel, onMessage, onConnected) {
      // Subscribed on 'ready', never before: without an offline queue, a SUBSCRIBE sent while connecting is
      // refused at once. ioredis's own re-subscription is off: it runs unawaited, and a link dropped mid-way
      // leaves its refusal unhandled.
      const subscriber = watch(
        new Redis(options.url, { ...clientOptions, commandTimeout: undefined, autoResubscribe: false }),
        'subscriber',
      );
      subscriber.on('message', (from: string, message: string) => {
        if (from === channel) onMessage(message);
      });
      subscriber.on('ready', () => {
        subscriber.subscribe(channel).catch(() => {});
        onConnected?.();
      });
      return subscriber;
    },
    async close() {
      clearInterval(ping);
      for (const c of clients) c.disconnect(false);
    },
  };
}
