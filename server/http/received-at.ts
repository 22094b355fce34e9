/**
 * When each request arrived, taken before any parsing, so the latency budget
 * counts the proxy's own work too, not only the cloud call.
 */
import type { Request } from 'express';

// A property of the request itself: a WeakMap entry per request would be one more thing
// for every garbage collection to walk (ephemerons) for the request's whole life.
const arrival = Symbol('arrival');
type StampedRequest = Request & { [arrival]?: number };

/** Stamps `req` with now: the first thing done with a request. */
export function stampArrival(req: Request): void {
  (req as StampedRequest)[arrival] = performance.now();
}

/** When `req` arrived (`performance.now()` time), or now if it was not stamped. */
export const arrivalOf = (req: Request): number => (req as StampedRequest)[arrival] ?? performance.now();
