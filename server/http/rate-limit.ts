/**
 * A per-client rate limit (`rate-limiter-flexible`): at most `perMinute` requests in
 * each one-minute window per client; the rest get 429 with `Retry-After`. 0 turns it
 * off. The client is `req.ip`, so behind a balancer (`RECO_TRUST_PROXY`) it is the
 * shopper's address from `X-Forwarded-For`, not the balancer's. With Redis the count is
 * the fleet's (one limit across instances); when Redis fails, each instance counts alone.
 */
import type { RequestHandler } from 'express';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisConnection } from '../redis-connection.ts';
import { sendError } from './api-error.ts';

/** Counts one request for `client`; rejects with a `RateLimiterRes` when over the limit. */
export type ConsumeOne = (client: string) => Promise<unknown>;

/**
 * The counter behind the limit: in memory, or in Redis with memory as its stand-in
 * whenever a Redis call fails (`onSharedError` is told of each).
 */
export function clientCounter(
  perMinute: number,
  shared?: { redis: RedisConnection; onSharedError: () => void },
): ConsumeOne {
  const local = new RateLimiterMemory({ points: perMinute, duration: 60 });
  if (!shared) return (client) => local.consume(client);
  const fleet = new RateLimiterRedis({
    storeClient: shared.redis.client,
    points: perMinute,
    duration: 60,
    keyPrefix: shared.redis.key('rate'),
    // A disconnected Redis answers at once rather than after a timeout.
    rejectIfRedisNotReady: true,
  });
  return (client) =>
    fleet.consume(client).catch((refusal: unknown) => {
      if (refusal instanceof RateLimiterRes) throw refusal;
      shared.onSharedError();
      return local.consume(client);
    });
}

/** The rate-limit middleware; `onLimited` is told of each refusal. */
export function rateLimit(perMinute: number, onLimited: () => void, consume?: ConsumeOne): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  const count = consume ?? clientCounter(perMinute);
  return (req, res, next) => {
    count(req.ip ?? req.socket.remoteAddress ?? 'unknown').then(
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
