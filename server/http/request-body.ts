/**
 * Body parsing for the API's POST routes only (GETs skip it entirely): small
 * JSON or text bodies, never compressed — a compressed one is refused before
 * any inflating, so there is no zip bomb to defuse.
 */
import express, { type RequestHandler } from 'express';
import { sendError } from './api-error.ts';

const refuseEncodedBodies: RequestHandler = (req, res, next) => {
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined || encoding.trim().toLowerCase() === 'identity') return next();
  req.resume();
  sendError(res, 415, 'unsupported_media_type', 'body: send it uncompressed (no Content-Encoding)');
};

/** JSON bodies up to 32 kB. */
export const jsonBody: RequestHandler[] = [refuseEncodedBodies, express.json({ limit: '32kb', strict: true })];

/** JSON, or the text/plain JSON that `navigator.sendBeacon` sends, up to 256 kB. */
export const jsonOrTextBody: RequestHandler[] = [...jsonBody, express.text({ limit: '256kb', type: 'text/plain' })];

/** JSON, or JSON as text/plain (the shelf's POST: a CORS simple request, no preflight), up to 32 kB. */
export const shelfRequestBody: RequestHandler[] = [...jsonBody, express.text({ limit: '32kb', type: 'text/plain' })];
