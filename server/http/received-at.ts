/**
 * When each request arrived, taken before any parsing, so the latency budget
 * counts the proxy's own work too, not only the cloud call.
 */
import type { Request, RequestHandler } from 'express';

const arrivals = new WeakMap<Request, number>();

/** The first middleware: stamps the request. */
export const stampArrival: RequestHandler = (req, _res, next) => {
  arrivals.set(req, performance.now());
  next();
};

/** When `req` arrived (`performance.now()` time), or now if it was not stamped. */
export const arrivalOf = (req: Request): number => arrivals.get(req) ?? performance.now();
