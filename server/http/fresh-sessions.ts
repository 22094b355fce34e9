/**
 * A per-client bound on never-seen session ids. Each new anonymous session is a cache key of
 * its own, so every new session × items is a 24 h cache entry and a billable model call: one
 * client inventing session ids would choose how much the proxy stores and spends. Past
 * `perMinute` new ids a minute from one client (`req.ip`, so behind a trusted balancer the
 * shopper's address), a new id is not refused but dropped: the request is answered as an
 * anonymous shopper, whose answers are shared by every such request — a shopper always gets a
 * shelf. A session admitted once is remembered (an LRU, bounded in count and time) and passes
 * freely after. The count is `rate-limiter-flexible`'s, shared by the fleet when Redis is
 * configured (each instance counts alone while Redis fails); what was seen is this process's,
 * so a session that moves to another instance costs one more count there.
 */
import { LRUCache } from 'lru-cache';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisConnection } from '../shared-state/redis-connection.ts';

/** Settings of the bound. */
export interface FreshSessionOptions {
  /** `RECO_FRESH_SESSIONS_PER_MINUTE`: new session ids a minute per client; 0: no bound. */
  perMinute: number;
  /** How many admitted session ids are remembered, least recently used forgotten first. */
  maxRemembered?: number;
  /** How long an admitted session id is remembered after its last request. */
  rememberMs?: number;
  /** Shares the count across instances; `onSharedError` is told of each failed Redis call. */
  shared?: { redis: RedisConnection; onSharedError: () => void } | undefined;
}

/** Admitted session ids remembered by default: ~50 k ids of at most 128 characters stay a few MB. */
export const defaultMaxRemembered = 50_000;
/** An hour after its last request, a session counts as new again (as a shopper back after a break would). */
export const defaultRememberMs = 3_600_000;

/**
 * Decides, per request, whether its session id is kept (true) or dropped: at once for a session
 * already seen (the common case costs no promise), after the count for a new one.
 */
export type FreshSessionGate = (client: string, sessionId: string) => boolean | Promise<boolean>;

/** Builds the gate; it never rejects. */
export function freshSessionGate({
  perMinute,
  maxRemembered = defaultMaxRemembered,
  rememberMs = defaultRememberMs,
  shared,
}: FreshSessionOptions): FreshSessionGate {
  if (perMinute <= 0) return () => true;
  const seen = new LRUCache<string, true>({ max: maxRemembered, ttl: rememberMs, updateAgeOnGet: true });
  const local = new RateLimiterMemory({ points: perMinute, duration: 60 });
  const fleet =
    shared &&
    new RateLimiterRedis({
      storeClient: shared.redis.client,
      points: perMinute,
      duration: 60,
      // Apart from the request limit's counters: the two limits count different things.
      keyPrefix: shared.redis.key('fresh-sessions'),
      rejectIfRedisNotReady: true,
    });
  const count = (client: string): Promise<unknown> =>
    fleet
      ? fleet.consume(client).catch((refusal: unknown) => {
          if (refusal instanceof RateLimiterRes) throw refusal;
          shared!.onSharedError();
          return local.consume(client);
        })
      : local.consume(client);
  return (client, sessionId) => {
    if (seen.get(sessionId)) return true;
    return count(client).then(
      () => {
        seen.set(sessionId, true);
        return true;
      },
      // Anything but a refusal is the counter failing: keep the session rather than degrade a shopper for it.
      (refusal: unknown) => !(refusal instanceof RateLimiterRes),
    );
  };
}
