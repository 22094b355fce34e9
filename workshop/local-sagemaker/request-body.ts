/**
 * Reads a request body with a byte cap. Past the cap the rest is drained, not buffered,
 * so the client finishes sending and can read our answer (an early close would surface
 * as EPIPE/ECONNRESET instead of the AWS error).
 */
import type { IncomingMessage } from 'node:http';

/** The body, or `tooLarge` when more than `limit` bytes arrived (body then empty). */
export interface ReadBody {
  body: Buffer;
  tooLarge: boolean;
}

/** Resolves once the request ends; rejects if the client goes away mid-body. */
export function readBody(req: IncomingMessage, limit: number): Promise<ReadBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = Number(req.headers['content-length'] ?? 0) > limit;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) tooLarge = true;
      if (!tooLarge) chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks, size), tooLarge }));
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new Error('local-sagemaker: client closed the connection mid-body'));
    });
  });
}
