/**
 * Generated sections of a Markdown file, between `<!-- NAME:start -->` and `<!-- NAME:end -->`:
 * as the bench results (`workshop/bench/readme-section.ts`) and the model table use them, for any file and name,
 * so numbers a reader sees are the ones the last run wrote.
 */
import { readFileSync, writeFileSync } from 'node:fs';

/** The two marker comments of a section. */
export function sectionMarkers(name: string): { start: string; end: string } {
  return { start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` };
}

/** The text between the markers of `name`, trimmed; throws when the markers are missing. */
export function readSection(text: string, name: string): string {
  const { start, end } = sectionMarkers(name);
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`readme-section: no ${start} … ${end} markers`);
  return text.slice(from + start.length, to).trim();
}

/** `text` with the section `name` replaced by `body`; everything outside the markers is kept. */
export function replaceSection(text: string, name: string, body: string): string {
  readSection(text, name); // throws when the markers are missing
  const { start, end } = sectionMarkers(name);
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  return `${text.slice(0, from + start.length)}\n${body.trim()}\n${text.slice(to)}`;
}

/** Rewrites the section `name` of the file at `path` with `body`. */
export function writeSection(path: string, name: string, body: string): void {
  writeFileSync(path, replaceSection(readFileSync(path, 'utf8'), name, body));
}
