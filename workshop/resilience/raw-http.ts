/** Sends raw HTTP bytes on a fresh connection and reads whatever comes back, bounded in time. */
import { connect } from 'node:net';

/** What came back: nothing (`status` 0), or a status, headers and body. */
export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (let guard = 0; guard < 100_000 && at < body.length; guard++) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = parseInt(body.toString('latin1', at, eol), 16);
    if (!Number.isFinite(size) || size === 0) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Parses the first response in `bytes`. */
export function parseAnswer(bytes: Buffer): RawAnswer {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: bytes.toString('utf8') };
  const [statusLine, ...lines] = bytes.toString('latin1', 0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1] ?? 0);
  // An interim answer (100 Continue) is followed by the real one.
  if (status >= 100 && status < 200 && bytes.length > end + 4) return parseAnswer(bytes.subarray(end + 4));
  let body = bytes.subarray(end + 4);
  if (headers['transfer-encoding']?.includes('chunked')) body = dechunk(body);
  else if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body: body.toString('utf8') };
}

/**
 * Writes `raw`, half-closes when `halfClose`, resolves with the answer once the
 * server closes or `timeoutMs` passes.
 */
export function sendRaw(
  port: number,
  raw: Buffer,
  options: { timeoutMs?: number; halfClose?: boolean } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: '127.0.0.1', port });
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseAnswer(Buffer.concat(chunks)));
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 5000);
    socket.on('connect', () => {
      socket.write(raw);
      if (options.halfClose) socket.end();
    });
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const got = parseAnswer(Buffer.concat(chunks));
      // Connection: close is asked for, but stop as soon as a complete answer is in.
      if (
        got.status > 0 &&
        got.headers['content-length'] !== undefined &&
        Buffer.byteLength(got.body) >= Number(got.headers['content-length'])
      )
        finish();
    });
    socket.on('error', () => finish());
    socket.on('close', () => finish());
  });
}
