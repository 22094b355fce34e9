/**
 * Puts the latest results into the bench's README between the `bench` markers, so the numbers
 * a reader sees are the ones the last `npm run bench` measured.
 */
import { fileURLToPath } from 'node:url';
import { writeSection } from '../../model/evaluation/readme-section.ts';

/** The file whose `bench` section holds the latest results. */
export const benchReadme = fileURLToPath(new URL('README.md', import.meta.url));

/** Replaces the bench README's results section with `markdown` (its own top heading dropped). */
export function includeInReadme(markdown: string): void {
  writeSection(benchReadme, 'bench', markdown.replace(/^# .*\n+/, '').replace(/^## /gm, '### '));
}
