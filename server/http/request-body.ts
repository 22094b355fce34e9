/**
 * Body parsing for the API's POST routes only (GETs skip it entirely): small
 * JSON or text bodies, never compressed — a compressed one is refused before
 * any inflating, so there is no zip bomb to defuse. A body over its limit gets a
 * 413 that names the limit; JSON and text/plain (what `navigator.sendBeacon`
 * sends) have the same one.
 */
import express, { type Request, type RequestHandler, type Response } from 'express';
import { ApiError, sendError } from './api-error.ts';

/** Answers 415 to a compressed body (true), leaving it unread. */
function refusedEncoding(req: Request, res: Response): boolean {
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined || encoding.trim().toLowerCase() === 'identity') return false;
  req.resume();
  sendError(res, 415, 'unsupported_media_type', 'body: send it uncompressed (no Content-Encoding)');
  return true;
}

const refuseEncodedBodies: RequestHandler = (req, res, next) => {
  if (!refusedEncoding(req, res)) next();
};

/** `parser`, with its "too large" answered as a 413 that names `limitBytes` and what it fits. */
function naming(parser: RequestHandler, limitBytes: number, fits: string): RequestHandler {
  return (req, res, next) =>
    parser(req, res, (error?: unknown) => {
      if ((error as { type?: string } | undefined)?.type !== 'entity.too.large') return next(error);
      next(new ApiError(413, 'payload_too_large', `body: larger than ${limitBytes} bytes, the limit (${fits})`));
    });
}

/** The default body limit of the API's small JSON requests. */
export const smallBodyBytes = 32 * 1024;

/**
 * JSON, or JSON sent as text/plain, up to `limitBytes` either way; `fits` says what the limit is sized for.
 * One layer that looks at the type once and hands the body to its parser (told to read what it is given),
 * not a layer per parser each looking again: every request of the shelf's API walks it. Any other type, or
 * no body, is left unread for the route to refuse (`bodyRead`).
 */
export function jsonOrTextBodyUpTo(limitBytes: number, fits: string): RequestHandler[] {
  const json = naming(express.json({ limit: limitBytes, strict: true, type: () => true }), limitBytes, fits);
  const text = naming(express.text({ limit: limitBytes, type: () => true }), limitBytes, fits);
  return [
    (req, res, next) => {
      if (refusedEncoding(req, res)) return;
      const type = req.is(['application/json', 'text/plain']);
      if (type === 'application/json') json(req, res, next);
      else if (type === 'text/plain') text(req, res, next);
      else next();
    },
  ];
}

/**
 * Whether a body layer read the request's body: false for a type it does not read, or no body at all. A
 * body read is never undefined (JSON is an object or array, text a string), and Express 5 leaves `req.body`
 * unset until a parser sets it.
 */
export const bodyRead = (req: Request): boolean => req.body !== undefined;

/** JSON bodies up to 32 kB. */
export const jsonBody: RequestHandler[] = [
  refuseEncodedBodies,
  naming(express.json({ limit: smallBodyBytes, strict: true }), smallBodyBytes, 'a request of this API'),
];

/** JSON, or JSON as text/plain (as `navigator.sendBeacon` and the shelf send it), up to 32 kB either way. */
export const jsonOrTextBody: RequestHandler[] = jsonOrTextBodyUpTo(smallBodyBytes, 'a request of this API');
