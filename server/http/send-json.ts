/**
 * Sends a 200 JSON answer the way `res.json` would for this app (no ETag, no JSONP, no
 * replacer), without what `res.send` adds per answer: looking the type up by extension and
 * parsing the Content-Type it has just set to add the charset.
 */
import type { Response } from 'express';

/** Sends `text`, already JSON (shelf/answer-json.ts); a HEAD request gets the headers alone. */
export function sendJsonText(res: Response, text: string): void {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Length', Buffer.byteLength(text));
  if (res.req.method === 'HEAD') res.end();
  else res.end(text);
}
