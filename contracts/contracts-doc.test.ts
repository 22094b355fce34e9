/**
 * docs/contracts.md is what a newcomer reads instead of the code: every heading the code
 * cites must exist, and the invocation limits it states must be the ones the code keeps.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { invocationLimits } from './invocation.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const doc = readFileSync(join(root, 'docs/contracts.md'), 'utf8');
const headings = new Set([...doc.matchAll(/^#{2,3} (.+)$/gm)].map((m) => m[1]!.trim()));

/** The text under `## heading`, up to the next heading of that level. */
function section(heading: string): string {
  const start = doc.indexOf(`\n## ${heading}\n`);
  assert.ok(start >= 0, `docs/contracts.md has no "## ${heading}"`);
  const next = doc.indexOf('\n## ', start + 1);
  return doc.slice(start, next < 0 ? undefined : next);
}

/** Source and documentation files of the project: not dependencies, builds or data. */
function projectFiles(dir: string): string[] {
  const skipped = new Set(['node_modules', 'dist', 'artifacts', 'var', 'data']);
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || skipped.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...projectFiles(path));
    else if (/\.(ts|js|mjs|md|css|html)$|^Dockerfile$/.test(name)) found.push(path);
  }
  return found;
}

test('every heading cited as docs/contracts.md "…" exists in docs/contracts.md', () => {
  const citations: Array<{ file: string; heading: string }> = [];
  for (const path of projectFiles(root)) {
    if (path === fileURLToPath(import.meta.url)) continue; // this file names the pattern, it cites nothing
    // A citation may wrap across comment lines: `docs/contracts.md\n * "Shopper tokens"`.
    for (const m of readFileSync(path, 'utf8').matchAll(/docs\/contracts\.md[\s*/#]*"([^"\n]+)"/g)) {
      citations.push({ file: relative(root, path), heading: m[1]! });
    }
  }
  assert.ok(citations.length >= 5, `only ${citations.length} citations found; is the pattern still right?`);
  const missing = citations.filter(({ heading }) => !headings.has(heading));
  assert.deepEqual(missing, [], `cited headings missing from docs/contracts.md: ${JSON.stringify(missing)}`);
});

test('every section docs/contracts.md refers to as (see "…") exists', () => {
  const references = [...doc.matchAll(/see "([^"\n]+)"/g)].map((m) => m[1]!);
  assert.ok(references.length > 0);
  assert.deepEqual(
    references.filter((heading) => !headings.has(heading)),
    [],
  );
});

test('the invocation limits stated in "Proxy → endpoint" are contracts/invocation.ts\'s', () => {
  const text = section('Proxy → endpoint');
  const stated = Object.fromEntries([...text.matchAll(/`(\w+)` (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  assert.deepEqual(stated, { ...invocationLimits }, 'the list "(`maxK` 100, …)" differs from invocationLimits');
  // The same numbers in the prose a reader takes in first.
  const { maxK, defaultK, maxItems, maxExclude, maxIdLength } = invocationLimits;
  const prose: Array<[string, RegExp]> = [
    ['items', new RegExp(`- \`items\`:[^\\n]*at most ${maxItems}\\.`)],
    ['k', new RegExp(`- \`k\`:[^\\n]*1\\.\\.${maxK} \\(default ${defaultK}\\)`)],
    ['k cap', new RegExp(`capped at ${maxK}\\.`)],
    ['exclude', new RegExp(`- \`exclude\`:[^\\n]*at most ${maxExclude}\\.`)],
    ['exclude cut', new RegExp(`cuts at ${maxExclude}`)],
    ['ids', new RegExp(`at most ${maxIdLength} characters\\.`)],
  ];
  for (const [what, pattern] of prose) assert.match(text, pattern, `"Proxy → endpoint" states ${what} differently`);
});
