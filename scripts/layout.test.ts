/**
 * The layout's rules, read from the imports of every source file (tests aside, which may use
 * anything): the product — what runs in the shop and in SageMaker — imports only the product;
 * nothing imports the demo but the demo; nothing imports test support but tests and the
 * workshop; and no two folders import each other, directly or round a circle.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const notSources = new Set(['node_modules', 'dist', 'artifacts', 'var']);

/**
 * What runs in the shop and in SageMaker: the shelf, the proxy, their contracts and conventions, the
 * shop's data formats, and the model's image (it serves, and it trains as a SageMaker training job).
 */
const product = [
  'widget/index.ts',
  'widget/reco-shelf/',
  'server/',
  'contracts/',
  'environment/',
  'data/',
  'model/container/',
  'model/recommenders/',
  'model/training/',
];
/** Folders of folders: each folder inside is a part of its own in the circle check. */
const wings = ['server/', 'model/', 'workshop/'];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || notSources.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    const source = /\.(ts|mjs|js)$/.test(entry.name) && !/\.test\.ts$|\.d\.ts$/.test(entry.name);
    return source ? [relative(root, path)] : [];
  });
}

/**
 * Each file's relative imports, as paths from the root: static and dynamic, and a module named by
 * `new URL('….ts', import.meta.url)` (a process started from it); other URLs name data, not code.
 */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const specs = [
    ...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g),
    ...text.matchAll(/new URL\(\s*['"](\.{1,2}\/[^'"]+\.ts)['"]/g),
  ];
  return specs.map((match) => normalize(join(dirname(file), match[1]!)));
}

/** The part a path belongs to: a top-level folder, or inside a wing a folder, or a file at the wing's root. */
function partOf(path: string): string {
  const [top = '', second, ...rest] = path.split('/');
  if (wings.includes(`${top}/`) && second !== undefined) return rest.length > 0 ? `${top}/${second}/` : path;
  return path.includes('/') ? `${top}/` : path;
}

const files = sources(root);
const edges = files.flatMap((file) => importsOf(file).map((target) => ({ file, target })));
const within = (path: string, folders: readonly string[]): boolean => folders.some((f) => path.startsWith(f));

describe('the layout', () => {
  it('reads the imports it judges (a sanity check on the reader)', () => {
    assert.ok(edges.some((e) => e.file === 'server/app.ts' && e.target === 'server/config.ts'));
  });

  it('keeps the product to itself: nothing of the product imports the tools, the demo or the workshop', () => {
    const out = edges.filter((e) => within(e.file, product) && !within(e.target, product));
    assert.deepEqual(
      out.map((e) => `${e.file} -> ${e.target}`),
      [],
    );
  });

  it('lets only the demo and the workshop import the demo, and only the workshop import test support', () => {
    const demo = edges.filter((e) => e.target.startsWith('demo/') && !within(e.file, ['demo/', 'workshop/']));
    const support = edges.filter(
      (e) => e.target.startsWith('workshop/test-support/') && !e.file.startsWith('workshop/'),
    );
    assert.deepEqual(
      [...demo, ...support].map((e) => `${e.file} -> ${e.target}`),
      [],
    );
  });

  it('has no circle between folders', () => {
    const graph = new Map<string, Set<string>>();
    for (const { file, target } of edges) {
      const [from, to] = [partOf(file), partOf(target)];
      if (from === to) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
    // Depth-first search: a part met again while still on the path closes a circle.
    const circles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (part: string, path: string[]): void => {
      if (state.get(part) === 'done') return;
      if (state.get(part) === 'open') {
        circles.push([...path.slice(path.indexOf(part)), part].join(' -> '));
        return;
      }
      state.set(part, 'open');
      for (const next of graph.get(part) ?? []) visit(next, [...path, part]);
      state.set(part, 'done');
    };
    for (const part of graph.keys()) visit(part, []);
    assert.deepEqual(circles, []);
  });
});
