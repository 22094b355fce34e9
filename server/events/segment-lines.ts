/**
 * Reads a byte stream of JSON lines in chunks of whole lines, so a segment of any size is
 * read in constant memory and a reader walks a chunk's lines without one await per line.
 */

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
