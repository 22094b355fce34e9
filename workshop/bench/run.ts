/**
 * `npm run bench`: measures the proxy's promise on this machine as ratios against
 * the practical limits in the same run, and writes workshop/bench/results.json and
 * workshop/bench/results.md. Every server under test runs in its own child process; the
 * load comes from this one. About 3-4 minutes. `--quick` shortens every run (a smoke test).
 */
import '../test-support/quiet-sdk.ts'; // before any SDK import: hides the Node 22 notice
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StartedChild } from '../test-support/child.ts';
import { answersBySource, benchProxyEnv, setWeather, startCloud, startTarget } from '../test-support/targets.ts';
import { measureBudget, type BudgetRun } from './sections/budget.ts';
import { measureBundle, measureModelInference } from './sections/bundle-and-model.ts';
import { measureOverhead } from './sections/overhead.ts';
import { judgeGoals, toMarkdown, type BenchResults } from './sections/report.ts';
import { benchReadme, includeInReadme } from './readme-section.ts';
import { measureScaleOut, type ScaleOutResults, scaleOutMarkdown } from './sections/scale-out.ts';
import { measurePage, type PageResults, pageMarkdown } from './sections/page.ts';
import { compareThroughput, fetchBench, modelShelf } from './sections/throughput.ts';
import { measureShelves, type ShelvesResults, shelvesMarkdown } from './sections/shelves.ts';

const quick = process.argv.includes('--quick');
const plan = quick
  ? {
      rates: [50],
      overheadSeconds: 2,
      overheadRounds: 1,
      rounds: 1,
      roundSeconds: 2,
      budgetSeconds: 3,
      inferenceCalls: 500,
    }
  : {
      rates: [50, 200],
      overheadSeconds: 3,
      overheadRounds: 3,
      rounds: 3,
      roundSeconds: 6,
      budgetSeconds: 10,
      inferenceCalls: 3000,
    };
const connections = 32;
const here = (name: string): string => fileURLToPath(new URL(name, import.meta.url));
const log = (msg: string): void => console.log(`bench: ${msg}`);

function cpuModel(): string {
  const line = readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('model name'));
  return line?.split(':')[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
}

const started = Date.now();
const loadAverageAtStart = loadavg();
const children: Array<StartedChild<unknown>> = [];
const track = <T extends StartedChild<unknown>>(child: T): T => {
  children.push(child);
  return child;
};
const stopAll = async (): Promise<void> => {
  await Promise.all(children.splice(0).map((c) => c.stop()));
};
const modelPath = modelShelf;

try {
  const cloud = track(await startCloud());
  log(`cloud up (${cloud.info.container} container, ${cloud.info.modelVersion})`);

  const proxy = track(await startTarget('proxy', cloud.info, benchProxyEnv));
  const limit = track(await startTarget('sdk-limit', cloud.info));
  log(`overhead at ${plan.rates.join(', ')}/s`);
  const overhead = await measureOverhead(
    cloud.info,
    { proxy: proxy.info.url, nodeHttpSdk: limit.info.url },
    plan.rates,
    plan.overheadSeconds,
    plan.overheadRounds,
  );
  log('model-path throughput');
  const before = await answersBySource(proxy.info.adminUrl!);
  const model = await compareThroughput(
    { target: proxy, path: modelPath },
    { target: limit, path: modelPath },
    { rounds: plan.rounds, seconds: plan.roundSeconds, connections },
  );
  const after = await answersBySource(proxy.info.adminUrl!);
  const proxySources = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]));
  await limit.stop();

  log('budget adherence');
  const budget: BudgetRun[] = [];
  const noBreaker = track(
    await startTarget('proxy', cloud.info, { ...benchProxyEnv, RECO_BREAKER_FAILURES: '1000000000' }),
  );
  const run = { rate: 50, seconds: plan.budgetSeconds, budgetMs: 150 };
  budget.push(
    await measureBudget(cloud.info, noBreaker.info.url, {
      ...run,
      label: 'every request pays the budget',
      weather: 'slow',
      latencyMs: 2000,
      breaker: 'off',
    }),
  );
  budget.push(
    await measureBudget(cloud.info, noBreaker.info.url, {
      ...run,
      label: 'every request pays the budget',
      weather: 'hang',
      breaker: 'off',
    }),
  );
  budget.push(
    await measureBudget(cloud.info, noBreaker.info.url, {
      ...run,
      label: 'every request pays the budget, one core busy with a CPU hog',
      weather: 'hang',
      breaker: 'off',
      cpuHog: true,
    }),
  );
  await noBreaker.stop();
  budget.push(
    await measureBudget(cloud.info, proxy.info.url, {
      ...run,
      label: 'default breaker (5 failures, probe 10 s)',
      weather: 'hang',
      breaker: 'default',
    }),
  );
  await proxy.stop();

  log('fallback-path throughput');
  // The breaker pinned open: every answer takes the fallback path, the cloud is never called.
  const fallback = track(
    await startTarget('proxy', cloud.info, {
      ...benchProxyEnv,
      RECO_BREAKER_FAILURES: '1',
      RECO_BREAKER_PROBE_MS: '86400000',
    }),
  );
  await setWeather(cloud.info, 'error');
  await fetchBench(fallback.info.url, modelPath('opens-the-breaker')).then((r) => r.text());
  await setWeather(cloud.info, 'normal');
  const sample = (await (await fetchBench(fallback.info.url, modelPath('17850'))).json()) as {
    source: string;
    fallbackReason: string;
  };
  if (sample.fallbackReason !== 'circuit-open')
    throw new Error(`bench: expected circuit-open answers, got ${JSON.stringify(sample).slice(0, 200)}`);
  const bodyFile = join(mkdtempSync(join(tmpdir(), 'reco-bench-')), 'body.json');
  writeFileSync(bodyFile, JSON.stringify(sample));
  const bare = track(await startTarget('bare-express', cloud.info, { BENCH_BODY_FILE: bodyFile }));
  const fallbackPath = await compareThroughput(
    { target: fallback, path: modelPath },
    { target: bare, path: modelPath },
    { rounds: plan.rounds, seconds: plan.roundSeconds, connections },
  );
  await fallback.stop();
  await bare.stop();

  log('several shelves in one request: CPU per shelf, and three shelves with the cloud hung');
  const shelves = await measureShelves(cloud.info, {
    rounds: plan.rounds,
    seconds: plan.roundSeconds,
    connections: 16,
    hungSeconds: plan.budgetSeconds,
    hungRate: 50,
  });

  log('scale-out: Redis cost on the model path, two proxies behind HAProxy vs one');
  const scaleOut = await measureScaleOut(cloud.info, {
    rounds: plan.rounds,
    seconds: plan.roundSeconds,
    rate: plan.rates[0]!,
    connections,
  });
  await stopAll();

  log('page-level figures: the demo storefront in Chromium');
  const page = await measurePage(quick ? 2 : 5);

  log('bundle and model inference');
  const bundle = measureBundle();
  const inference = measureModelInference(plan.inferenceCalls);

  const machine = {
    measuredAt: new Date().toISOString(),
    node: process.version,
    cpu: cpuModel(),
    cores: cpus().length,
    loadAverageAtStart,
    loadAverageAtEnd: loadavg(),
  };
  const partial = {
    machine,
    container: `${cloud.info.container} (${cloud.info.modelVersion})`,
    overhead,
    modelPath: { ...model, proxySources },
    fallbackPath,
    budget,
    bundle,
    inference,
  };
  const results: BenchResults & { scaleOut: ScaleOutResults; shelves: ShelvesResults; page: PageResults } = {
    ...partial,
    durationSeconds: Math.round((Date.now() - started) / 1000),
    goals: judgeGoals(partial),
    scaleOut,
    shelves,
    page,
  };
  const markdown = [toMarkdown(results), scaleOutMarkdown(scaleOut), shelvesMarkdown(shelves), pageMarkdown(page)].join(
    '\n',
  );
  // A quick run is a smoke test: its numbers stay out of the committed results.
  const out = quick ? (name: string) => join(tmpdir(), `reco-bench-quick-${name}`) : here;
  writeFileSync(out('results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(out('results.md'), markdown);
  if (!quick) includeInReadme(markdown);
  // The tree's formatter owns Markdown layout too: lay out what the bench wrote as `npm run lint` expects.
  const biome = here('../../node_modules/@biomejs/biome/bin/biome');
  execFileSync(process.execPath, [biome, 'format', '--write', out('results.md'), ...(quick ? [] : [benchReadme])]);
  console.log(markdown);
  log(`wrote ${out('results.json')} and ${out('results.md')} in ${results.durationSeconds} s`);
} finally {
  await stopAll();
}
