/**
 * Body parsing for the API's POST routes only (GETs skip it entirely): small
 * JSON or text bodies, never compressed — a compressed one is refused before
 * any inflating, so there is no zip bomb to defuse. A body over its limit gets a
 * 413 that names the limit; JSON and text/plain (what `navigator.sendBeacon`
 * sends) have the same one.
 */
import express, { type RequestHandler } from 'express';
import { ApiError, sendError } from './api-error.ts';

const refuseEncodedBodies: RequestHandler = (req, res, next) => {
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined || encoding.trim().toLowerCase() === 'identity') return next();
  req.resume();
  sendError(res, 415, 'unsupported_media_type', 'body: send it uncompressed (no Content-Encoding)');
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

/** JSON, or JSON sent as text/plain, up to `limitBytes` either way; `fits` says what the limit is sized for. */
export function jsonOrTextBodyUpTo(limitBytes: number, fits: string): RequestHandler[] {
  return [
    refuseEncodedBodies,
    naming(express.json({ limit: limitBytes, strict: true }), limitBytes, fits),
    naming(express.text({ limit: limitBytes, type: 'text/plain' }), limitBytes, fits),
  ];
}

/** JSON bodies up to 32 kB. */
export const jsonBody: RequestHandler[] = [
  refuseEncodedBodies,
  naming(express.json({ limit: smallBodyBytes, strict: true }), smallBodyBytes, 'a request of this API'),
];

/** JSON, or JSON as text/plain (as `navigator.sendBeacon` and the shelf send it), up to 32 kB either way. */
export const jsonOrTextBody: RequestHandler[] = jsonOrTextBodyUpTo(smallBodyBytes, 'a request of this API');
