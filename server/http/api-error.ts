/**
 * Every error the proxy answers has one JSON shape,
 * `{ "error": { "code", "message" } }`, and never a stack or an AWS detail (docs/contracts.md "Errors").
 */
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';

/** An error meant for the client, with its status and code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Sends the JSON error shape. */
export function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

// body-parser's error types, as the client should read them.
const bodyErrors: Record<string, [number, string, string]> = {
  'entity.parse.failed': [400, 'invalid_request', 'body: not valid JSON'],
  'entity.too.large': [413, 'payload_too_large', 'body: too large'],
  'encoding.unsupported': [415, 'unsupported_media_type', 'body: unsupported content encoding'],
  'charset.unsupported': [415, 'unsupported_media_type', 'body: unsupported charset'],
  'request.aborted': [400, 'invalid_request', 'body: request aborted'],
  'request.size.invalid': [400, 'invalid_request', 'body: length does not match Content-Length'],
  'stream.encoding.set': [500, 'internal', 'body: stream encoding'],
};

/**
 * Node's HTTP parser refuses some requests before Express sees them (a malformed URL or
 * header, a header too large); answer those in the same JSON shape, then close.
 */
export function clientErrorAnswer(error: NodeJS.ErrnoException & { code?: string }): string {
  const [status, reason] =
    error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
  const body = JSON.stringify({
    error: {
      code: status === 431 ? 'headers_too_large' : 'invalid_request',
      message: status === 431 ? 'request headers too large' : 'malformed HTTP request',
    },
  });
  return (
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n` +
    `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}

/** Answers any route no handler took. */
export const notFound: RequestHandler = (req, res) =>
  sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path.slice(0, 200)}`);

/** Answers a known path with a method it does not serve. */
export function methodNotAllowed(allowed: string): RequestHandler {
  return (req, res) => {
    res.setHeader('Allow', allowed);
    sendError(res, 405, 'method_not_allowed', `${req.method} is not allowed here; use ${allowed}`);
  };
}

/** The last handler: known errors become their 4xx, the rest a logged 500 with no detail. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, _next) => {
    if (res.headersSent) return;
    if (error instanceof ApiError) return sendError(res, error.status, error.code, error.message);
    const type = (error as { type?: string }).type;
    const known = type ? bodyErrors[type] : undefined;
    if (known) return sendError(res, ...known);
    logger.error({ err: error }, 'proxy: unhandled error');
    sendError(res, 500, 'internal', 'the proxy failed to answer');
  };
}
