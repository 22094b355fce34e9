/**
 * Before/after on a shared machine: the proxy of another checkout (`--base DIR`, e.g. a
 * `git archive` of the commit before a change, with node_modules linked in) and this tree's
 * proxy, each against the same reference, in interleaved rounds (reference, base, this,
 * reference, …) so the machine's drift hits all three alike. Reports answers per second,
 * the CPU each process spent per answer (least disturbed by other work), the median of the
 * per-round ratios of this tree's proxy to the base's, and the answers' sources. A CLI report
 * for a person, hence `console`.
 *
 *   npx tsx workshop/bench/proxy-ab.ts --base /tmp/pfs-base [--path model|fallback] [--rounds 4]
 *     [--seconds 5] [--budget-ms 150] [--cpu-prof]
 *
 * `--cpu-prof` profiles all three processes and reports each one's sampled CPU per answer in µs
 * over the measured rounds (start-up left out): the profiler costs each alike, so compare them with
 * one another, and quote throughput ratios from a run without it.
 *
 * `--budget-ms` gives the proxies a placements file whose budget is that long: on a machine
 * so busy that calls miss the 150 ms budget, a longer one keeps the model path the model path.
 */
import '../test-support/quiet-sdk.ts'; // before any SDK import: hides the Node 22 notice
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type StartedChild, startChild } from '../test-support/child.ts';
import type { CloudInfo } from '../test-support/cloud-process.ts';
import { medianOf, round } from '../test-support/stats.ts';
import type { TargetInfo } from '../test-support/target-process.ts';
import { answersBySource, benchProxyEnv, setWeather, startCloud, startTarget } from '../test-support/targets.ts';
import { profileMarkdown, summarizeProfile } from './cpu-profile-summary.ts';
import { fetchBench, modelShelf, type RequestFor, type Round, throughputRound } from './sections/throughput.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback?: string): string => {
  const at = args.indexOf(name);
  const value = at >= 0 ? args[at + 1] : fallback;
  if (value === undefined) throw new Error(`proxy-ab: ${name} is required`);
  return value;
};
const base = resolve(option('--base'));
const path = option('--path', 'model');
const rounds = Number(option('--rounds', '4'));
const seconds = Number(option('--seconds', '5'));
const budgetMs = option('--budget-ms', '150');
const profiling = args.includes('--cpu-prof');
const connections = 32;
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
const modelPath: RequestFor = modelShelf;

const scratch = mkdtempSync(join(tmpdir(), 'reco-ab-'));
const placements = JSON.parse(readFileSync('server/placements.json', 'utf8')) as { defaults: { budgetMs: number } };
placements.defaults.budgetMs = Number(budgetMs);
const placementsFile = join(scratch, 'placements.json');
writeFileSync(placementsFile, JSON.stringify(placements));
const env: Record<string, string> = {
  ...benchProxyEnv,
  RECO_PLACEMENTS_FILE: placementsFile,
  ...(path === 'fallback' ? { RECO_BREAKER_FAILURES: '1', RECO_BREAKER_PROBE_MS: '86400000' } : {}),
};

/** Where a proxy's /metrics is: its admin listener; a base checkout older than that serves it on its own URL. */
const metricsUrl = (info: TargetInfo): string => info.adminUrl ?? info.url;

type Name = 'reference' | 'before' | 'after';
/** When each process was spawned (`performance.now()`): its profile's start-up is left out of the summary. */
const spawnedAt: Partial<Record<Name, number>> = {};
/** Node's arguments for `name`: with `--cpu-prof`, a profile written into its own folder when it stops. */
function nodeArgsFor(name: Name): string[] {
  spawnedAt[name] = performance.now();
  if (!profiling) return [];
  mkdirSync(join(scratch, name));
  return ['--cpu-prof', '--cpu-prof-dir', join(scratch, name)];
}

/** Starts the proxy of the checkout at `root` (its own target-process.ts, so its own server code). */
function startProxyOf(root: string, cloud: CloudInfo, name: Name): Promise<StartedChild<TargetInfo>> {
  return startChild<TargetInfo>(join(root, 'workshop/test-support/target-process.ts'), {
    args: ['proxy'],
    env: { BENCH_CLOUD: JSON.stringify(cloud), ...env },
    timeoutMs: 30_000,
    nodeArgs: nodeArgsFor(name),
  });
}

/** The main thread's profile of `name` (the largest file: a worker writes its own, smaller one). */
function profileOf(name: Name) {
  const dir = join(scratch, name);
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const file = files.sort((a, b) => statSync(join(dir, b)).size - statSync(join(dir, a)).size)[0];
  if (!file) throw new Error(`proxy-ab: no profile in ${dir}`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as Parameters<typeof summarizeProfile>[0];
}

const children: Array<StartedChild<unknown>> = [];
try {
  const cloud = await startCloud();
  children.push(cloud);
  const before = await startProxyOf(base, cloud.info, 'before');
  const after = await startProxyOf(process.cwd(), cloud.info, 'after');
  children.push(before, after);
  let reference: StartedChild<TargetInfo>;
  if (path === 'fallback') {
    await setWeather(cloud.info, 'error');
    for (const proxy of [before, after]) await fetchBench(proxy.info.url, modelPath('opens-it')).then((r) => r.text());
    await setWeather(cloud.info, 'normal');
    const bodyFile = join(scratch, 'body.json');
    writeFileSync(bodyFile, await (await fetchBench(after.info.url, modelPath('17850'))).text());
    reference = await startTarget('bare-express', cloud.info, { BENCH_BODY_FILE: bodyFile }, nodeArgsFor('reference'));
  } else {
    reference = await startTarget('sdk-limit', cloud.info, {}, nodeArgsFor('reference'));
  }
  children.push(reference);
  const targets = { reference, before, after } as const;
  const sourcesBefore = {
    before: await answersBySource(metricsUrl(before.info)),
    after: await answersBySource(metricsUrl(after.info)),
  };
  const runs: Record<keyof typeof targets, Round[]> = { reference: [], before: [], after: [] };
  console.log(`proxy-ab: ${path} path, base ${base}; load average ${load()}`);
  for (const name of ['reference', 'before', 'after'] as const)
    await throughputRound(targets[name], modelPath, connections, 1);
  const measuredFrom = performance.now();
  for (let i = 0; i < rounds; i++) {
    // Alternate the order of the two proxies, so neither always follows the reference.
    const order =
      i % 2 === 0 ? (['reference', 'before', 'after'] as const) : (['reference', 'after', 'before'] as const);
    for (const name of order) runs[name].push(await throughputRound(targets[name], modelPath, connections, seconds));
  }
  const sourcesOf = async (name: 'before' | 'after') => {
    const now = await answersBySource(metricsUrl(targets[name].info));
    return Object.fromEntries(Object.entries(now).map(([k, v]) => [k, v - (sourcesBefore[name][k] ?? 0)]));
  };
  const summary = Object.fromEntries(
    (['reference', 'before', 'after'] as const).map((name) => [
      name,
      {
        okPerSec: medianOf(runs[name].map((r) => r.okPerSec)),
        cpuMsPerAnswer: medianOf(runs[name].map((r) => r.cpuMsPerAnswer)),
        rounds: runs[name].map((r) => `${r.okPerSec}/s ${r.cpuMsPerAnswer} ms`),
      },
    ]),
  );
  const ratio = (name: 'before' | 'after') =>
    round(medianOf(runs[name].map((r, i) => r.okPerSec / runs.reference[i]!.okPerSec)));
  // After against before, round by round (the two ran seconds apart): steadier than either against the reference.
  const paired = (of: (r: Round) => number) => round(medianOf(runs.after.map((r, i) => of(r) / of(runs.before[i]!))));
  const sources = { before: await sourcesOf('before'), after: await sourcesOf('after') };
  let profiles: Record<string, { busyUsPerAnswer: number; idlePercent: number }> | undefined;
  if (profiling) {
    profiles = {};
    for (const name of ['reference', 'before', 'after'] as const) {
      await targets[name].stop(10_000);
      const summary = summarizeProfile(profileOf(name), 30, measuredFrom - spawnedAt[name]!);
      const answers = runs[name].reduce((sum, r) => sum + r.okPerSec * seconds, 0);
      profiles[name] = { busyUsPerAnswer: round((summary.busyMs * 1000) / answers), idlePercent: summary.idlePercent };
      writeFileSync(join(scratch, `${name}-profile.md`), profileMarkdown(`${name}, ${path} path`, summary));
    }
  }
  console.log(
    JSON.stringify(
      {
        path,
        budgetMs,
        summary,
        ratioToReference: { before: ratio('before'), after: ratio('after') },
        afterOverBefore: { okPerSec: paired((r) => r.okPerSec), cpuMsPerAnswer: paired((r) => r.cpuMsPerAnswer) },
        sources,
        ...(profiles ? { sampledCpuPerAnswer: profiles, profiles: scratch } : {}),
        loadAverageAtEnd: load(),
      },
      null,
      2,
    ),
  );
} finally {
  await Promise.all(children.map((c) => c.stop()));
}
