/**
 * Puts the latest results into the README between two markers, so the numbers
 * a reader sees are the ones the last `npm run bench` measured.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const start = '<!-- bench:start -->';
const end = '<!-- bench:end -->';

/** Replaces the README's bench section with `markdown` (its own top heading dropped). */
export function includeInReadme(markdown: string): void {
  const text = readFileSync(readme, 'utf8');
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`bench: README.md lacks the ${start} … ${end} markers`);
  const body = markdown.replace(/^# .*\n+/, '').replace(/^## /gm, '#### ');
  writeFileSync(readme, `${text.slice(0, from + start.length)}\n${body.trim()}\n${text.slice(to)}`);
}
