/**
 * Docs that cannot drift: every repository path a tracked Markdown file names — in backticks or
 * as a relative link, with the heading a link's anchor points to — exists, and every `npm run X`
 * it names is a script of package.json. A
 * file moved or renamed without its docs fails here instead of misleading the next reader.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Paths written at run time (builds, logs, events, the trained model, the catalog), not tracked. */
const generated = ['dist/', 'var/', 'model/artifacts/', 'data/catalog.json'];
/** Spans that look like paths and are not: package names, MIME types. */
const notPaths = [
  /^@[a-z0-9-]+\//,
  /^(text|application|image|multipart)\/[a-z0-9.+-]+$/,
  /^reco-events\/$/, // the default key prefix in the events bucket (`RECO_EVENTS_S3_PREFIX`)
];
/** Paths of other repositories, by the doc that names them. */
const elsewhere: Record<string, string[]> = {
  // the source data set's own repository, where our copy came from
  'data/online-retail/README.md': ['data/online_retail.parquet'],
};
/** What a named file ends with; a span without one is a path only when its first folder exists. */
const fileEnding = /\.(ts|mjs|js|json|md|yml|yaml|csv|svg|png|sh|service|conf|cfg|html|css|txt)$/;

const docs = execFileSync('git', ['ls-files', '*.md'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
const scripts = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts);

/** A path inside the repository: `../x` from the root is another checkout's, never this tree's. */
function inTree(path: string): boolean {
  return !path.startsWith('..');
}

/** The anchors GitHub makes of a Markdown file's headings (a repeated one gets `-1`, `-2`, …). */
function anchors(path: string): Set<string> {
  const made = new Set<string>();
  for (const [, heading] of prose(readFileSync(join(root, path), 'utf8')).matchAll(/^#{1,6} (.+)$/gm)) {
    const slug = heading!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/ /g, '-');
    let anchor = slug;
    for (let n = 1; made.has(anchor); n++) anchor = `${slug}-${n}`;
    made.add(anchor);
  }
  return made;
}

/** Text outside fenced code blocks: commands and samples there are not paths of this tree. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

/** The spans of `doc` that name a repository path, each as a path from the root (or unresolved). */
function namedPaths(doc: string): { named: string; found: boolean }[] {
  const folder = dirname(doc);
  const text = prose(readFileSync(join(root, doc), 'utf8'));
  const named: { named: string; found: boolean }[] = [];
  for (const [, span] of text.matchAll(/`([A-Za-z0-9_.@-][A-Za-z0-9_.@/-]*)`/g)) {
    if (elsewhere[doc]?.includes(span!)) continue;
    if (!span!.includes('/') || span!.startsWith('//') || notPaths.some((pattern) => pattern.test(span!))) continue;
    const candidates = [normalize(span!), normalize(join(folder, span!))];
    if (candidates.some((path) => generated.some((prefix) => path.startsWith(prefix) || `${path}/` === prefix)))
      continue;
    // `true/false` or `50/s` are no paths: only spans under an existing folder, or naming a file, count.
    const top = span!.split('/')[0]!;
    const underFolder = existsSync(join(root, top)) || existsSync(join(root, folder, top));
    if (!underFolder && !fileEnding.test(span!) && !span!.endsWith('/')) continue;
    named.push({ named: span!, found: candidates.some((path) => inTree(path) && existsSync(join(root, path))) });
  }
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target!)) continue;
    const [file, anchor] = target!.split('#');
    const path = file ? normalize(join(folder, file)) : doc;
    const found =
      inTree(path) && existsSync(join(root, path)) && (!anchor || !path.endsWith('.md') || anchors(path).has(anchor));
    named.push({ named: target!, found });
  }
  return named;
}

describe('the docs', () => {
  it('are found: every tracked Markdown file', () => {
    assert.ok(docs.includes('README.md') && docs.includes('CONTRIBUTING.md'), docs.join(', '));
    assert.ok(readdirSync(join(root, 'docs')).some((name) => name.endsWith('.md')));
  });

  for (const doc of docs) {
    it(`${doc} names only paths that exist`, () => {
      const missing = namedPaths(doc)
        .filter(({ found }) => !found)
        .map(({ named }) => named);
      assert.deepEqual([...new Set(missing)], [], `${doc} names paths that do not exist`);
    });

    it(`${doc} names only npm scripts that exist`, () => {
      const text = readFileSync(join(root, doc), 'utf8');
      const named = [...text.matchAll(/npm run ([a-z][a-z0-9:-]*)/g)].map((match) => match[1]!);
      assert.deepEqual(
        [...new Set(named.filter((name) => !scripts.includes(name)))],
        [],
        `${doc} names npm scripts package.json does not have`,
      );
    });
  }
});
