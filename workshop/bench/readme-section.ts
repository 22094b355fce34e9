/**
 * Puts the latest results into the README between the `bench` markers, so the numbers
 * a reader sees are the ones the last `npm run bench` measured.
 */
import { fileURLToPath } from 'node:url';
import { writeSection } from '../../model/evaluation/readme-section.ts';

const readme = fileURLToPath(new URL('../../README.md', import.meta.url));

/** Replaces the README's bench section with `markdown` (its own top heading dropped). */
export function includeInReadme(markdown: string): void {
  writeSection(readme, 'bench', markdown.replace(/^# .*\n+/, '').replace(/^## /gm, '#### '));
}
