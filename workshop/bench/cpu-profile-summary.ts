/**
 * Turns a V8 `.cpuprofile` (from `node --cpu-prof`) into what fits in an issue note: the top
 * frames by self and by total time, self time by package or source folder, and folded stacks
 * (`a;b;c count` lines, the input of flamegraph.pl, speedscope or inferno) for a flame graph.
 * Percentages are of the busy samples: `(idle)` is left out and reported on its own.
 *
 *   npx tsx workshop/bench/cpu-profile-summary.ts FILE.cpuprofile [--top 25] [--skip-ms 0] [--folded OUT.folded]
 *
 * Prints Markdown (a CLI report for a person, hence `console`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The parts of a `.cpuprofile` node this summary reads. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

/** A `.cpuprofile` as V8 writes it. */
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One frame's share of the busy samples. */
export interface FrameShare {
  frame: string;
  selfPercent: number;
  totalPercent: number;
}

/** What a profile comes to. */
export interface ProfileSummary {
  /** Sampled wall time the process was busy (not idle), in ms. */
  busyMs: number;
  /** Share of all samples that were `(idle)`. */
  idlePercent: number;
  bySelf: FrameShare[];
  byTotal: FrameShare[];
  /** Self time by package (`node_modules/<name>`), source folder, or V8/Node bucket. */
  byArea: Array<{ area: string; selfPercent: number }>;
  /** `root;…;leaf count` lines, one per distinct stack. */
  folded: string[];
}

const root = fileURLToPath(new URL('../../', import.meta.url));

function shortUrl(url: string): string {
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const inModules = path.lastIndexOf('node_modules/');
  if (inModules >= 0) return path.slice(inModules + 'node_modules/'.length);
  return path.startsWith(root) ? path.slice(root.length) : path;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  // tsx's output keeps a module on few lines: the column tells two anonymous functions apart.
  return url ? `${name} ${shortUrl(url)}:${lineNumber + 1}:${columnNumber + 1}` : name;
}

/** `express`, `@aws-sdk/…`, `server`, `node:internal`, `(garbage collector)`, … */
function areaOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native / V8 builtins)';
  if (url.startsWith('node:')) return 'node: internals';
  const path = url.startsWith('file://') ? fileURLToPath(url) : url;
  const inModules = path.lastIndexOf('node_modules/');
  if (inModules >= 0) {
    const parts = path.slice(inModules + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const local = shortUrl(url);
  return local.includes('/') ? local.slice(0, local.indexOf('/')) : local;
}

const percent = (n: number, of: number): number => Math.round((n / of) * 1000) / 10;

/**
 * Summarises `profile`; `top` frames in each table. Samples in the first `skipMs` are left out
 * (a server's start: loading modules, reading the catalog), so the shares are of serving only.
 */
export function summarizeProfile(profile: CpuProfile, top = 25, skipMs = 0): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
  // Weight each sample by the time until the next one, as the DevTools do.
  const weightOf = new Map<number, number>();
  let idle = 0;
  let all = 0;
  let elapsedUs = 0;
  profile.samples.forEach((id, i) => {
    elapsedUs += profile.timeDeltas[i] ?? 0;
    if (elapsedUs < skipMs * 1000) return;
    const us = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
    all += us;
    if (byId.get(id)?.callFrame.functionName === '(idle)') idle += us;
    else weightOf.set(id, (weightOf.get(id) ?? 0) + us);
  });
  const busy = all - idle;
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const area = new Map<string, number>();
  const folded = new Map<string, number>();
  for (const [id, us] of weightOf) {
    const leaf = byId.get(id)!;
    self.set(frameName(leaf), (self.get(frameName(leaf)) ?? 0) + us);
    area.set(areaOf(leaf), (area.get(areaOf(leaf)) ?? 0) + us);
    const stack: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const node = byId.get(at)!;
      if (node.callFrame.functionName !== '(root)') stack.push(frameName(node));
    }
    // A recursive frame counts once per sample in its total.
    for (const name of new Set(stack)) total.set(name, (total.get(name) ?? 0) + us);
    const line = stack.reverse().join(';');
    folded.set(line, (folded.get(line) ?? 0) + us);
  }
  const share = (name: string): FrameShare => ({
    frame: name,
    selfPercent: percent(self.get(name) ?? 0, busy),
    totalPercent: percent(total.get(name) ?? 0, busy),
  });
  const ranked = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    busyMs: Math.round(busy / 1000),
    idlePercent: percent(idle, all),
    bySelf: ranked(self).map(([name]) => share(name)),
    byTotal: ranked(total).map(([name]) => share(name)),
    byArea: ranked(area).map(([name, us]) => ({ area: name, selfPercent: percent(us, busy) })),
    // Folded counts in microseconds, so a flame graph's widths are time.
    folded: [...folded].map(([stack, us]) => `${stack} ${us}`),
  };
}

/** The summary as Markdown tables. */
export function profileMarkdown(title: string, s: ProfileSummary): string {
  const table = (head: string, rows: string[][]): string =>
    [`| ${head} |`, `| ${head.replace(/[^|]+/g, ' --- ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  return [
    `### ${title}`,
    '',
    `Busy ${s.busyMs} ms sampled; idle ${s.idlePercent} % of the samples (left out of the shares below).`,
    '',
    table(
      'area | self %',
      s.byArea.map((a) => [a.area, String(a.selfPercent)]),
    ),
    '',
    table(
      'frame (by self) | self % | total %',
      s.bySelf.map((f) => [`\`${f.frame}\``, String(f.selfPercent), String(f.totalPercent)]),
    ),
    '',
    table(
      'frame (by total) | total % | self %',
      s.byTotal.map((f) => [`\`${f.frame}\``, String(f.totalPercent), String(f.selfPercent)]),
    ),
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args[at + 1] : undefined;
  };
  const file = args.find((a) => a.endsWith('.cpuprofile'));
  if (!file) throw new Error('usage: cpu-profile-summary.ts FILE.cpuprofile [--top N] [--folded OUT]');
  const summary = summarizeProfile(
    JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
    Number(option('--top') ?? 25),
    Number(option('--skip-ms') ?? 0),
  );
  const foldedOut = option('--folded');
  if (foldedOut) writeFileSync(foldedOut, `${summary.folded.join('\n')}\n`);
  console.log(profileMarkdown(file, summary));
}
