/**
 * The proxy's hot-path sections of `npm run bench`, alone and quicker to repeat: model-path
 * throughput against node:http + the same SDK call, fallback-path throughput against bare
 * Express, the overhead at fixed rates, and budget adherence with the cloud hung (breaker off,
 * with and without a CPU hog beside the proxy). Optionally profiles the proxy (`--cpu-prof`) and
 * summarises each profile (workshop/bench/cpu-profile-summary.ts). Writes nothing into the tree: the
 * numbers and profiles go to a temp folder, printed at the end. A CLI report, hence `console`.
 *
 *   npx tsx workshop/bench/hot-path.ts [--sections model,fallback,overhead,budget] [--rounds 3] [--seconds 6]
 *     [--rates 200] [--cpu-prof] [--proxy-node-args "--trace-gc"] [--budget-ms 150]
 *
 * A profiled proxy pays for the profiler: quote ratios from runs without `--cpu-prof`.
 * `--budget-ms` gives the proxy a placements file with that budget: on a machine so busy that
 * calls miss the shipped 150 ms, a longer one keeps the model path's profile the model path's.
 */
import '../test-support/quiet-sdk.ts'; // before any SDK import: hides the Node 22 notice
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StartedChild } from '../test-support/child.ts';
import type { TargetInfo } from '../test-support/target-process.ts';
import { answersBySource, benchProxyEnv, setWeather, startCloud, startTarget } from '../test-support/targets.ts';
import { profileMarkdown, summarizeProfile } from './cpu-profile-summary.ts';
import { measureBudget } from './sections/budget.ts';
import { measureOverhead } from './sections/overhead.ts';
import { compareThroughput, fetchBench, modelShelf } from './sections/throughput.ts';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(name);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const sections = new Set(option('--sections', 'model,fallback,overhead').split(','));
const rounds = Number(option('--rounds', '3'));
const seconds = Number(option('--seconds', '6'));
const rates = option('--rates', '200').split(',').map(Number);
const profiling = args.includes('--cpu-prof');
const extraNodeArgs = option('--proxy-node-args', '').split(' ').filter(Boolean);
const connections = 32;
const out = mkdtempSync(join(tmpdir(), 'reco-hot-path-'));
const budgetMs = option('--budget-ms', '');
const proxyEnv: Record<string, string> = { ...benchProxyEnv };
if (budgetMs) {
  const placements = JSON.parse(readFileSync('server/placements.json', 'utf8')) as { defaults: { budgetMs: number } };
  placements.defaults.budgetMs = Number(budgetMs);
  proxyEnv.RECO_PLACEMENTS_FILE = join(out, 'placements.json');
  writeFileSync(proxyEnv.RECO_PLACEMENTS_FILE, JSON.stringify(placements));
}
const log = (msg: string): void => console.log(`hot-path: ${msg}`);
const modelPath = modelShelf;
const load = (): string =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');

const nodeArgsFor = (section: string): string[] => {
  if (!profiling) return extraNodeArgs;
  const dir = join(out, section);
  mkdirSync(dir, { recursive: true });
  return [...extraNodeArgs, '--cpu-prof', '--cpu-prof-dir', dir];
};

const children: Array<StartedChild<unknown>> = [];
const track = <T extends StartedChild<unknown>>(child: T): T => {
  children.push(child);
  return child;
};
const report: Record<string, unknown> = { loadAverageAtStart: load() };
/** Per section, ms from spawning its proxy to the first load: the profile's start-up, left out of the summary. */
const startUpMs: Record<string, number> = {};
const profiles: string[] = [];

/** Stops a profiled proxy (its profile is written on exit) and summarises the profile. */
async function stopAndSummarize(section: string, proxy: StartedChild<TargetInfo>): Promise<void> {
  await proxy.stop(10_000);
  writeFileSync(join(out, `${section}-proxy-output.txt`), proxy.output());
  if (!profiling) return;
  const dir = join(out, section);
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`hot-path: no profile in ${dir}`);
  const summary = summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')), 25, startUpMs[section]);
  writeFileSync(join(out, `${section}.folded`), `${summary.folded.join('\n')}\n`);
  const markdown = profileMarkdown(`${section} path, proxy CPU profile`, summary);
  writeFileSync(join(out, `${section}-profile.md`), markdown);
  profiles.push(markdown);
}

try {
  const cloud = track(await startCloud());
  log(`cloud up (${cloud.info.container}); load average ${load()}; output in ${out}`);
  if (sections.has('model') || sections.has('overhead')) {
    const spawned = performance.now();
    const proxy = track(await startTarget('proxy', cloud.info, proxyEnv, nodeArgsFor('model')));
    const limit = track(await startTarget('sdk-limit', cloud.info));
    startUpMs.model = performance.now() - spawned;
    if (sections.has('overhead')) {
      log(`overhead at ${rates.join(', ')}/s`);
      report.overhead = await measureOverhead(
        cloud.info,
        { proxy: proxy.info.url, nodeHttpSdk: limit.info.url },
        rates,
        3,
        rounds,
      );
    }
    if (sections.has('model')) {
      log('model-path throughput');
      const before = await answersBySource(proxy.info.adminUrl!);
      report.modelPath = await compareThroughput(
        { target: proxy, path: modelPath },
        { target: limit, path: modelPath },
        { rounds, seconds, connections },
      );
      const after = await answersBySource(proxy.info.adminUrl!);
      report.modelPathSources = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
    }
    await limit.stop();
    await stopAndSummarize('model', proxy);
  }
  if (sections.has('fallback')) {
    log('fallback-path throughput');
    const spawned = performance.now();
    // As workshop/bench/run.ts: the breaker pinned open, so every answer is `fallback` / `circuit-open`.
    const fallback = track(
      await startTarget(
        'proxy',
        cloud.info,
        { ...proxyEnv, RECO_BREAKER_FAILURES: '1', RECO_BREAKER_PROBE_MS: '86400000' },
        nodeArgsFor('fallback'),
      ),
    );
    await setWeather(cloud.info, 'error');
    await fetchBench(fallback.info.url, modelPath('opens-the-breaker')).then((r) => r.text());
    await setWeather(cloud.info, 'normal');
    const sample = (await (await fetchBench(fallback.info.url, modelPath('17850'))).json()) as {
      fallbackReason: string;
    };
    if (sample.fallbackReason !== 'circuit-open') throw new Error('hot-path: expected circuit-open answers');
    startUpMs.fallback = performance.now() - spawned;
    const bodyFile = join(out, 'body.json');
    writeFileSync(bodyFile, JSON.stringify(sample));
    const bare = track(await startTarget('bare-express', cloud.info, { BENCH_BODY_FILE: bodyFile }));
    report.fallbackPath = await compareThroughput(
      { target: fallback, path: modelPath },
      { target: bare, path: modelPath },
      { rounds, seconds, connections },
    );
    await bare.stop();
    await stopAndSummarize('fallback', fallback);
  }
  if (sections.has('budget')) {
    log('budget adherence, cloud hung, breaker off');
    // As workshop/bench/run.ts: every request waits out its budget, the hard case for the promise.
    const proxy = track(
      await startTarget(
        'proxy',
        cloud.info,
        { ...proxyEnv, RECO_BREAKER_FAILURES: '1000000000' },
        nodeArgsFor('budget'),
      ),
    );
    const run = { rate: 50, seconds: 10, budgetMs: Number(budgetMs || 150), weather: 'hang', breaker: 'off' } as const;
    report.budget = [
      await measureBudget(cloud.info, proxy.info.url, { ...run, label: 'every request pays the budget' }),
      await measureBudget(cloud.info, proxy.info.url, { ...run, label: 'one core busy with a CPU hog', cpuHog: true }),
    ];
    await stopAndSummarize('budget', proxy);
  }
  report.loadAverageAtEnd = load();
  writeFileSync(join(out, 'hot-path.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log(JSON.stringify(report, null, 2));
  for (const markdown of profiles) console.log(`\n${markdown}`);
  log(`wrote ${out}`);
} finally {
  await Promise.all(children.map((c) => c.stop()));
}
