/**
 * A per-client rate limit: at most `perMinute` requests in each one-minute
 * window per address; the rest get 429 with `Retry-After`. 0 turns it off.
 */
import type { RequestHandler } from 'express';
import { sendError } from './api-error.ts';

/** The rate-limit middleware; `onLimited` is told of each refusal. */
export function rateLimit(perMinute: number, onLimited: () => void, now: () => number = Date.now): RequestHandler {
  if (perMinute <= 0) return (_req, _res, next) => next();
  let windowStart = now();
  let counts = new Map<string, number>();
  return (req, res, next) => {
    const time = now();
    // A fixed window keeps the state to one counter per active client.
    if (time - windowStart >= 60_000) {
      windowStart = time;
      counts = new Map();
    }
    const client = req.socket.remoteAddress ?? 'unknown';
    const count = (counts.get(client) ?? 0) + 1;
    counts.set(client, count);
    if (count <= perMinute) return next();
    onLimited();
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil((windowStart + 60_000 - time) / 1000))));
    sendError(res, 429, 'rate_limited', `more than ${perMinute} requests a minute from this client`);
  };
}
