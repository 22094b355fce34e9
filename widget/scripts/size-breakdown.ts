/**
 * Where the bytes of dist/reco-shelf.js go: builds the production bundle in memory with a
 * source map and charges every minified byte to the source file it came from. For each file
 * (Lit's packages grouped) it prints the minified bytes and the gzip cost, i.e. how much
 * smaller the gzip -9 of the bundle gets without that file's bytes (gzip shares repeated
 * strings between files, so the costs add up to a little less than the total).
 *
 *   npx tsx widget/scripts/size-breakdown.ts [--json]
 *
 * The sizes are of a source-mapped build, whose Lit templates keep their whitespace, so the
 * total is a little above dist/reco-shelf.js's. The bench prints this table too.
 */
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Rollup } from 'vite';

export interface SizeShare {
  /** A widget source file, or a Lit package (`lit-html`, `@lit/reactive-element`, …). */
  source: string;
  minBytes: number;
  gzipBytes: number;
}

const root = fileURLToPath(new URL('../..', import.meta.url));
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes one line of a source map's `mappings`: [generated column, source index] per segment. */
function decodeLine(line: string, state: { source: number }): [number, number][] {
  const segments: [number, number][] = [];
  let column = 0;
  for (const segment of line.split(',')) {
    if (!segment) continue;
    const values: number[] = [];
    let value = 0;
    let shift = 0;
    for (const char of segment) {
      const digit = BASE64.indexOf(char);
      value += (digit & 31) << shift;
      if (digit & 32) shift += 5;
      else {
        values.push(value & 1 ? -(value >>> 1) : value >>> 1);
        value = 0;
        shift = 0;
      }
    }
    column += values[0] ?? 0;
    if (values.length > 1) state.source += values[1] ?? 0;
    segments.push([column, values.length > 1 ? state.source : -1]);
  }
  return segments;
}

/** Lit's packages as one line each; the widget's own files by path. */
function sourceName(path: string): string {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  return pkg ? pkg[1]! : relative(root, resolve(root, 'dist', path));
}

/**
 * Bytes without a mapping: the stylesheet (its compacting transform keeps no map), the
 * TypeScript decorator helper, and the markup inside Lit templates (charged to the file whose
 * code precedes it, i.e. the template's own file).
 */
function chargeUnmapped(code: string, owner: string[]): void {
  let start = -1;
  for (let i = 0; i <= code.length; i++) {
    if (owner[i] === '(unmapped)') {
      if (start < 0) start = i;
      continue;
    }
    if (start < 0) continue;
    const run = code.slice(start, i);
    const charge = run.includes(':host{')
      ? 'widget/reco-shelf/reco-shelf.styles.ts'
      : run.includes('Reflect.decorate')
        ? '(TypeScript decorator helper)'
        : (owner[start - 1] ?? '(unmapped)');
    for (let j = start; j < i; j++) owner[j] = charge;
    start = -1;
  }
}

export async function sizeBreakdown(): Promise<{ total: SizeShare; shares: SizeShare[] }> {
  const output = (await build({
    root,
    configFile: `${root}/vite.config.ts`,
    logLevel: 'silent',
    build: { sourcemap: true, write: false },
  })) as Rollup.RollupOutput[] | Rollup.RollupOutput;
  const chunk = (Array.isArray(output) ? output[0]! : output).output.find(
    (o): o is Rollup.OutputChunk => o.type === 'chunk',
  )!;
  const map = chunk.map!;
  const owner: string[] = []; // source name per byte of the chunk
  const lines = chunk.code.split('\n');
  const mappings = map.mappings.split(';');
  const state = { source: 0 };
  lines.forEach((line, i) => {
    const segments = decodeLine(mappings[i] ?? '', state);
    for (let col = 0, s = -1; col <= line.length; col++) {
      while (s + 1 < segments.length && segments[s + 1]![0] <= col) s++;
      const source = s >= 0 ? segments[s]![1] : -1;
      owner.push(source >= 0 ? sourceName(map.sources[source]!) : '(unmapped)'); // the newline too
    }
  });
  chargeUnmapped(chunk.code, owner);
  const code = Buffer.from(chunk.code);
  const gzip = (text: string) => gzipSync(text, { level: 9 }).length;
  const totalGzip = gzip(chunk.code);
  const names = [...new Set(owner)];
  const shares = names.map((source) => {
    let without = '';
    let minBytes = 0;
    for (let i = 0; i < chunk.code.length; i++) {
      if (owner[i] === source) minBytes++;
      else without += chunk.code[i];
    }
    return { source, minBytes, gzipBytes: totalGzip - gzip(without) };
  });
  shares.sort((a, b) => b.gzipBytes - a.gzipBytes);
  return { total: { source: 'dist/reco-shelf.js', minBytes: code.length, gzipBytes: totalGzip }, shares };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { total, shares } = await sizeBreakdown();
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ total, shares }));
    process.exit(0);
  }
  const pad = (text: string | number, width: number) => String(text).padStart(width);
  console.log(`${'source'.padEnd(48)} ${pad('min B', 7)} ${pad('gzip B', 7)}`);
  for (const s of shares) console.log(`${s.source.padEnd(48)} ${pad(s.minBytes, 7)} ${pad(s.gzipBytes, 7)}`);
  console.log(`${total.source.padEnd(48)} ${pad(total.minBytes, 7)} ${pad(total.gzipBytes, 7)}`);
}
