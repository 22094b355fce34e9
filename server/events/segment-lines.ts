/**
 * Reads a byte stream of JSON lines in chunks of whole lines, so a segment of any size is
 * read in constant memory and a reader walks a chunk's lines without one await per line.
 */
import { open } from 'node:fs/promises';

/** Whole lines (each ending in `\n`) and where the chunk starts in the stream. */
export interface LineChunk {
  bytes: Buffer;
  offset: number;
}

/**
 * Chunks of whole lines from `source`; what follows the last newline (a line torn by a
 * crash, or nothing) is returned at the end with its offset.
 */
export async function* lineChunks(
  source: AsyncIterable<Buffer | string>,
): AsyncGenerator<LineChunk, { tail: Buffer; offset: number }> {
  let carry: Buffer = Buffer.alloc(0);
  let offset = 0;
  for await (const piece of source) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    const last = chunk.lastIndexOf(10);
    if (last === -1) {
      carry = Buffer.concat([carry, chunk]);
      continue;
    }
    const bytes = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, last + 1)]) : chunk.subarray(0, last + 1);
    yield { bytes, offset };
    offset += bytes.length;
    carry = Buffer.from(chunk.subarray(last + 1));
  }
  return { tail: carry, offset };
}

/** Calls `line(start, end)` for each line of a chunk (`end` excludes the newline). */
export function eachLine(bytes: Buffer, line: (start: number, end: number) => void): void {
  for (let start = 0; start < bytes.length; ) {
    const nl = bytes.indexOf(10, start);
    const end = nl === -1 ? bytes.length : nl;
    line(start, end);
    start = end + 1;
  }
}

/**
 * Reads the file at `path` in chunks of whole lines into one buffer, reused from chunk to
 * chunk: `chunk(bytes, end)` gets the lines in `bytes[0, end)` and must not keep `bytes`.
 * Start-up reads every segment this way, since a fresh buffer per chunk (and copying each
 * chunk's torn last line onto the next one) cost it a third of its time in copies and GC.
 * Resolves to what follows the last newline (a line torn by a crash, or nothing).
 */
export async function readLineChunks(
  path: string,
  chunk: (bytes: Buffer, end: number) => void,
  chunkBytes = 1 << 20,
): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    let buffer = Buffer.allocUnsafe(chunkBytes);
    let filled = 0;
    for (;;) {
      // A line longer than the buffer: make room for the rest of it.
      if (filled === buffer.length) {
        const bigger = Buffer.allocUnsafe(2 * buffer.length);
        buffer.copy(bigger, 0, 0, filled);
        buffer = bigger;
      }
      const { bytesRead } = await file.read(buffer, filled, buffer.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
      // What was carried over holds no newline, so this is the chunk's last whole line.
      const last = buffer.lastIndexOf(10, filled - 1);
      if (last === -1) continue;
      chunk(buffer, last + 1);
      buffer.copy(buffer, 0, last + 1, filled);
      filled -= last + 1;
    }
    return Buffer.from(buffer.subarray(0, filled));
  } finally {
    await file.close();
  }
}
