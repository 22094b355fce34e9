/**
 * A per-client rate limit (`rate-limiter-flexible`): at most `perMinute` requests in
 * each one-minute window per client; the rest get 429 with `Retry-After`. 0 turns it
 * off. The client is `req.ip`, so behind a balancer (`RECO_TRUST_PROXY`) it is the
 * shopper's address from `X-Forwarded-For`, not the balancer's. With Redis the count is
 * the fleet's (one limit across instances); when Redis fails, each instance counts alone.
 * The same counter, with points, limits events a minute (`eventCounter`): what a client can
 * make the idempotency window hold is bounded by events, not by requests.
 */
import type { RequestHandler } from 'express';
import { clientOf } from './client-of.ts';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisConnection } from '../shared-state/redis-connection.ts';
import { sendError } from './api-error.ts';

/** Counts one request for `client`; rejects with a `RateLimiterRes` when over the limit. */
export type ConsumeOne = (client: string) => Promise<unknown>;

/** Where a counter is shared: Redis, and who is told when a Redis call fails. */
export type SharedCounter = { redis: RedisConnection; onSharedError: () => void };

/** A per-minute counter of points by client. */
export interface PointsCounter {
  /** Counts `points` for `client`; rejects with a `RateLimiterRes` when over the limit. */
  consume(client: string, points: number): Promise<unknown>;
  /** The ms until `client` may send again when it has no points left this minute; undefined when it has some. */
  exhausted(client: string): Promise<number | undefined>;
}

/** What rate-limiter-flexible's store limiters have and its typings omit: a key's in-memory block. */
interface InMemoryBlocks {
  getInMemoryBlockMsBeforeExpire(key: string): number;
}

/**
 * A counter in memory, or in Redis (keys `<prefix><name>:<client>`) with memory as its stand-in
 * whenever a Redis call fails (`onSharedError` is told of each).
 */
function pointsCounter(perMinute: number, name: string, shared?: SharedCounter): PointsCounter {
  const local = new RateLimiterMemory({ points: perMinute, duration: 60 });
  const exhaustedIn = (state: RateLimiterRes | null): number | undefined =>
    state && state.remainingPoints <= 0 ? state.msBeforeNext : undefined;
  if (!shared) {
    return {
      consume: (client, points) => local.consume(client, points),
      exhausted: async (client) => exhaustedIn(await local.get(client)),
    };
  }
  const fleet = new RateLimiterRedis({
    storeClient: shared.redis.client,
    points: perMinute,
    duration: 60,
    keyPrefix: shared.redis.key(name),
    // A disconnected Redis answers at once rather than after a timeout.
    rejectIfRedisNotReady: true,
    // A client that has used up its minute is refused from memory until the minute ends: a flood past
    // the limit costs no Redis call (and no allocation of one) per request.
    inMemoryBlockOnConsumed: perMinute,
  });
  return {
    // What the fleet admits is counted in memory too, so that while Redis fails (a flood makes its calls
    // late) this instance still knows what it let through this minute rather than starting from zero.
    consume: (client, points) =>
      fleet.consume(client, points).then(
        (admitted) => {
          local.consume(client, points).catch(() => {});
          return admitted;
        },
        (refusal: unknown) => {
          if (refusal instanceof RateLimiterRes) throw refusal;
          shared.onSharedError();
          return local.consume(client, points);
        },
      ),
    // From memory only: what this instance learnt from the fleet's count, or counted alone while Redis failed.
    exhausted: async (client) => {
      const blockedMs = (fleet as unknown as InMemoryBlocks).getInMemoryBlockMsBeforeExpire(fleet.getKey(client));
      return blockedMs > 0 ? blockedMs : exhaustedIn(await local.get(client));
    },
  };
}

/** The counter behind the request limit: one point a request. */
export function clientCounter(perMinute: number, shared?: SharedCounter): ConsumeOne {
  const counter = pointsCounter(perMinute, 'rate', shared);
  return (client) => counter.consume(client, 1);
}

/** The counter behind the event limit: one point an event of a batch. */
export function eventCounter(perMinute: number, shared?: SharedCounter): PointsCounter {
  return pointsCounter(perMinute, 'event-rate', shared);
}

/** The rate-limit middleware; `onLimited` is told of each refusal. */
export function rateLimit(perMinute: number, onLimited: () => void, consume?: ConsumeOne): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  const count = consume ?? clientCounter(perMinute);
  return (req, res, next) => {
    count(clientOf(req)).then(
      () => next(),
      (refusal: unknown) => {
        // Anything but a refusal is the counter failing: serve rather than refuse a shopper for it.
        if (!(refusal instanceof RateLimiterRes)) return next();
        onLimited();
        res.setHeader('Retry-After', String(Math.max(1, Math.ceil(refusal.msBeforeNext / 1000))));
        sendError(res, 429, 'rate_limited', `more than ${perMinute} requests a minute from this client`);
      },
    );
  };
}
