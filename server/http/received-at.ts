/**
 * When each request arrived, taken before any parsing, so the latency budget
 * counts the proxy's own work too, not only the cloud call.
 */
import type { Request } from 'express';

// Kept in the answer's `res.locals` (Express makes it per request, a prototype-less object), not on the
// request: Express has just swapped the request's prototype, and a property added after that makes V8
// copy the request's hidden class, about 1 µs a request on this machine (a `locals` entry is ~0.1 µs).
// Nor in a WeakMap: an entry per request would be one more thing for every garbage collection to walk.
const arrival = Symbol('arrival');
type Locals = Record<symbol, number | undefined>;

/** Stamps `req` (one Express is serving: its `res` is set) with now: the first thing done with a request. */
export function stampArrival(req: Request): void {
  (req.res!.locals as Locals)[arrival] = performance.now();
}

/** When `req` arrived (`performance.now()` time), or now if it was not stamped. */
export const arrivalOf = (req: Request): number =>
  (req.res?.locals as Locals | undefined)?.[arrival] ?? performance.now();
