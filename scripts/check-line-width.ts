/**
 * Fails when a source line is wider than the formatter's width (Biome's `lineWidth`):
 * Biome does not wrap strings and comments, so this keeps those within it too.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const width = (JSON.parse(readFileSync(`${root}biome.json`, 'utf8')) as { formatter: { lineWidth: number } }).formatter
  .lineWidth;
const sources = /\.(ts|mjs|js|css)$/;

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((file) => sources.test(file) && !file.startsWith('dist/'));
const wide: string[] = [];
for (const file of files) {
  let text: string;
  try {
    text = readFileSync(`${root}${file}`, 'utf8');
  } catch {
    continue; // deleted in the work tree, not yet in the index
  }
  text.split('\n').forEach((line, i) => {
    if ([...line].length > width) wide.push(`${file}:${i + 1}: ${[...line].length} characters`);
  });
}
if (wide.length > 0) {
  console.error(`check-line-width: ${wide.length} lines over ${width} characters:\n${wide.join('\n')}`);
  process.exit(1);
}
console.log(`check-line-width: ${files.length} files, every line within ${width} characters`);
