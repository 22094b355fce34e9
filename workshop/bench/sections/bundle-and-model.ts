/**
 * The widget bundle's size (min, gzip -9, brotli 11, as widget/scripts/check-size.ts): the
 * first-paint file and its lazily loaded chunks; where the first-paint file's bytes go
 * (widget/scripts/size-breakdown.ts), and the model's inference latency,
 * from the model engineer's workshop/bench/model-inference.ts.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { projectRoot } from '../../test-support/child.ts';

/** Bytes of one built file. */
export interface FileSize {
  file: string;
  minBytes: number;
  gzipBytes: number;
  brotliBytes: number;
}

/** Bundle bytes: the first-paint file (dist/reco-shelf.js), and its lazily loaded chunks. */
export interface BundleSize extends FileSize {
  /** The chunks a page fetches later (`dist/reco-shelf.<name>.js`, production only). */
  chunks: FileSize[];
  /** Minified and gzip bytes per source file (Lit per package), largest gzip cost first. */
  breakdown: { source: string; minBytes: number; gzipBytes: number }[] | null;
}

/** Runs widget/scripts/size-breakdown.ts, prints its table, and returns its shares (null if it failed). */
function sizeBreakdown(): BundleSize['breakdown'] {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'widget/scripts/size-breakdown.ts', '--json'], {
    cwd: projectRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) return null;
  const { shares } = JSON.parse(run.stdout) as { shares: NonNullable<BundleSize['breakdown']> };
  console.log('widget bundle, where the bytes go (min B, gzip B):');
  for (const s of shares)
    console.log(`  ${s.source.padEnd(48)} ${String(s.minBytes).padStart(6)} ${String(s.gzipBytes).padStart(6)}`);
  return shares;
}

function fileSize(file: string): FileSize {
  const code = readFileSync(join(projectRoot, file));
  return {
    file,
    minBytes: code.length,
    gzipBytes: gzipSync(code, { level: 9 }).length,
    brotliBytes: brotliCompressSync(code, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/**
 * Builds dist/reco-shelf.js and its chunks from the sources as they are, then measures them: a
 * bundle left in dist/ by an older checkout would otherwise be measured as this one's.
 */
export function measureBundle(): BundleSize {
  const build = spawnSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], {
    cwd: projectRoot,
    stdio: 'inherit',
    timeout: 120_000,
  });
  if (build.status !== 0) throw new Error('bench: the widget build failed');
  const chunks = readdirSync(join(projectRoot, 'dist'))
    .filter((f) => /^reco-shelf\..+\.js$/.test(f) && !f.startsWith('reco-shelf.dev.'))
    .sort()
    .map((f) => fileSize(`dist/${f}`));
  for (const c of chunks)
    console.log(`widget chunk ${c.file}: min ${c.minBytes} B, gzip ${c.gzipBytes} B, br ${c.brotliBytes} B`);
  return { ...fileSize('dist/reco-shelf.js'), chunks, breakdown: sizeBreakdown() };
}

/** Model inference latency as workshop/bench/model-inference.ts prints it. */
export interface ModelInference {
  calls: number;
  modelVersion: string | null;
  roundTrip: { p50: number; p99: number; max: number } | null;
  inContainer: { p50: number; p99: number; max: number } | null;
  raw: string;
}

function parseLine(text: string, label: string): { p50: number; p99: number; max: number } | null {
  const m = new RegExp(`${label} ms p50 ([0-9.]+)\\s+p90 [0-9.]+\\s+p99 ([0-9.]+)\\s+max ([0-9.]+)`).exec(text);
  return m ? { p50: Number(m[1]), p99: Number(m[2]), max: Number(m[3]) } : null;
}

/** Runs workshop/bench/model-inference.ts in its own process and reads its summary lines. */
export function measureModelInference(calls: number): ModelInference {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'workshop/bench/model-inference.ts', '--calls', String(calls)],
    {
      cwd: projectRoot,
      encoding: 'utf8',
      timeout: 90_000,
    },
  );
  const raw = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
  return {
    calls,
    modelVersion: /model-inference: (\S+),/.exec(raw)?.[1] ?? null,
    roundTrip: parseLine(raw, 'round trip'),
    inContainer: parseLine(raw, 'in-container model time'),
    raw: raw.slice(-1000),
  };
}
