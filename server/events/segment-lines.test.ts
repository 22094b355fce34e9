import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readLineChunks } from './segment-lines.ts';

describe('readLineChunks', () => {
  it('hands over every whole line once, lines longer than the buffer included, and returns the torn tail', async () => {
    const lines = ['short', 'x'.repeat(50), '', 'y'.repeat(7), 'z'.repeat(130), 'last'];
    const path = join(mkdtempSync(join(tmpdir(), 'lines-')), 'segment.jsonl');
    writeFileSync(path, `${lines.join('\n')}\n{"torn`);
    const seen: string[] = [];
    const tail = await readLineChunks(
      path,
      (bytes, end) => seen.push(...bytes.toString('utf8', 0, end).split('\n').slice(0, -1)),
      16,
    );
    assert.deepEqual(seen, lines);
    assert.equal(tail.toString(), '{"torn');
  });
});
