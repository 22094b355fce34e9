/** Turns the bench results into the goals verdict and the Markdown table the README includes. */
import type { BudgetRun } from './budget.ts';
import type { BundleSize, ModelInference } from './bundle-and-model.ts';
import type { OverheadAtRate } from './overhead.ts';
import type { ThroughputComparison } from './throughput.ts';
import { round } from '../../test-support/stats.ts';

/** Where and when it was measured. */
export interface Machine {
  measuredAt: string;
  node: string;
  cpu: string;
  cores: number;
  loadAverageAtStart: number[];
  loadAverageAtEnd: number[];
}

/** Everything one `npm run bench` measured. */
export interface BenchResults {
  machine: Machine;
  container: string;
  overhead: OverheadAtRate[];
  modelPath: ThroughputComparison & { proxySources: Record<string, number> };
  fallbackPath: ThroughputComparison;
  budget: BudgetRun[];
  bundle: BundleSize;
  inference: ModelInference;
  durationSeconds: number;
  goals: Goal[];
}

/** A goal of the Evidence issue and whether this run reached it. */
export interface Goal {
  goal: string;
  measured: string;
  reached: boolean;
}

/** Judges the goals from the measurements. */
export function judgeGoals(r: Omit<BenchResults, 'goals' | 'durationSeconds'>): Goal[] {
  const goals: Goal[] = [];
  for (const o of r.overhead) {
    const spread = (k: 'p50' | 'p99'): string => o.roundOverheads.map((r) => r[k]).join(', ');
    goals.push({
      goal: `overhead over a direct SDK call p50 ≤ 1 ms at ${o.rate}/s`,
      measured: `${o.overhead.p50} ms (rounds ${spread('p50')})`,
      reached: o.overhead.p50 <= 1,
    });
    // Issue #16's two figures are against the minimal node:http + SDK server: the same HTTP hop, none of our work.
    const ownP50 = round(o.proxy.p50 - o.nodeHttpSdk.p50);
    goals.push({
      goal: `proxy's own work over node:http + SDK p50 ≤ 0.3 ms at ${o.rate}/s`,
      measured: `${ownP50} ms (${o.proxy.p50} vs ${o.nodeHttpSdk.p50} ms)`,
      reached: ownP50 <= 0.3,
    });
    if (o.rate >= 200)
      goals.push({
        goal: `p99 at ${o.rate}/s ≤ node:http + SDK p99 + 3 ms`,
        measured: `${o.proxy.p99} vs ${o.nodeHttpSdk.p99} ms`,
        reached: o.proxy.p99 <= o.nodeHttpSdk.p99 + 3,
      });
  }
  goals.push({
    goal: 'shelf bundle, Lit included, gzip -9 ≤ 9,216 B',
    measured: `${r.bundle.gzipBytes} B`,
    reached: r.bundle.gzipBytes <= 9216,
  });
  goals.push({
    goal: 'model path ≥ 0.8× node:http + SDK',
    measured: `${r.modelPath.ratio}× (rounds ${r.modelPath.roundRatios.join(', ')})`,
    reached: r.modelPath.ratio >= 0.8,
  });
  goals.push({
    goal: 'fallback path ≥ 0.8× bare Express',
    measured: `${r.fallbackPath.ratio}× (rounds ${r.fallbackPath.roundRatios.join(', ')})`,
    reached: r.fallbackPath.ratio >= 0.8,
  });
  for (const b of r.budget.filter((x) => x.weather.startsWith('hang'))) {
    goals.push({
      goal: `cloud hung (${b.breaker}): 100 % within budget + 5 ms`,
      measured: `${(b.withinBudgetPlus5 * 100).toFixed(2)} %, max ${b.latency.max} ms`,
      reached: b.withinBudgetPlus5 === 1,
    });
  }
  return goals;
}

const ms = (n: number): string => `${n} ms`;
const kib = (n: number): string => `${(n / 1024).toFixed(1)} KiB`;

/** The Markdown the README includes. */
export function toMarkdown(r: BenchResults): string {
  const m = r.machine;
  const lines: string[] = [
    `# Benchmark results`,
    '',
    `Measured ${m.measuredAt} on ${m.cpu}, ${m.cores} cores, Node ${m.node}; ` +
      `load average ${m.loadAverageAtStart.map((x) => x.toFixed(2)).join(' / ')} at start, ` +
      `${m.loadAverageAtEnd.map((x) => x.toFixed(2)).join(' / ')} at end (other work shared the machine). ` +
      `Model container: ${r.container}. Run time ${r.durationSeconds} s. Raw numbers: \`workshop/bench/results.json\`.`,
    '',
    '## Goals',
    '',
    '| goal | measured | reached |',
    '| --- | --- | --- |',
    ...r.goals.map((g) => `| ${g.goal} | ${g.measured} | ${g.reached ? 'yes' : '**no**'} |`),
    '',
    '## Proxy overhead at fixed rates (model path, a new shopper each request; median over rounds)',
    '',
    '| rate | direct SDK p50 / p99 | node:http + SDK p50 / p99 | proxy p50 / p99 | ' +
      'overhead over direct SDK p50 / p99 | of which the HTTP hop (node:http − SDK) p50 | proxy answers not `model` |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...r.overhead.map(
      (o) =>
        `| ${o.rate}/s, ${o.rounds} × ${o.seconds} s | ${ms(o.directSdk.p50)} / ${ms(o.directSdk.p99)} ` +
        `| ${ms(o.nodeHttpSdk.p50)} / ${ms(o.nodeHttpSdk.p99)} | ${ms(o.proxy.p50)} / ${ms(o.proxy.p99)} ` +
        `| ${ms(o.overhead.p50)} / ${ms(o.overhead.p99)} ` +
        `| ${ms(Math.round((o.nodeHttpSdk.p50 - o.directSdk.p50) * 100) / 100)} ` +
        `| ${o.nonOk.proxy} of ${o.proxy.count} |`,
    ),
    '',
    '## Throughput at saturation (autocannon, answers 2xx per second, median of rounds)',
    '',
    '| path | subject | reference | ratio (rounds) | CPU ms per answer, subject / reference |',
    '| --- | --- | --- | --- | --- |',
    `| model path (${r.modelPath.connections} connections) | proxy ${r.modelPath.subject.medianOkPerSec}/s ` +
      `| node:http + SDK ${r.modelPath.reference.medianOkPerSec}/s ` +
      `| ${r.modelPath.ratio}× (${r.modelPath.roundRatios.join(', ')}) ` +
      `| ${r.modelPath.subject.medianCpuMsPerAnswer} / ${r.modelPath.reference.medianCpuMsPerAnswer} |`,
    `| fallback path (${r.fallbackPath.connections} connections) | proxy ${r.fallbackPath.subject.medianOkPerSec}/s ` +
      `| bare Express ${r.fallbackPath.reference.medianOkPerSec}/s ` +
      `| ${r.fallbackPath.ratio}× (${r.fallbackPath.roundRatios.join(', ')}) ` +
      `| ${r.fallbackPath.subject.medianCpuMsPerAnswer} / ${r.fallbackPath.reference.medianCpuMsPerAnswer} |`,
    '',
    `Proxy answers during the model-path rounds, by source: ${Object.entries(r.modelPath.proxySources)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}.`,
    '',
    '## Budget adherence (placement `home`, budget 150 ms, latency as the client saw it)',
    '',
    '| run | weather | breaker | rate | within budget + 5 ms | p50 | p99 | max | first second p99 / max |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...r.budget.map(
      (b) =>
        `| ${b.label} | ${b.weather} | ${b.breaker} | ${b.rate}/s × ${b.seconds} s ` +
        `| ${(b.withinBudgetPlus5 * 100).toFixed(2)} % ` +
        `| ${ms(b.latency.p50)} | ${ms(b.latency.p99)} | ${ms(b.latency.max)} ` +
        `| ${ms(b.firstSecond.p99)} / ${ms(b.firstSecond.max)} |`,
    ),
    '',
    '## Widget bundle and model',
    '',
    `| \`${r.bundle.file}\` min | gzip -9 | brotli 11 |`,
    '| --- | --- | --- |',
    `| ${kib(r.bundle.minBytes)} (${r.bundle.minBytes} B) | ${kib(r.bundle.gzipBytes)} (${r.bundle.gzipBytes} B) ` +
      `| ${kib(r.bundle.brotliBytes)} (${r.bundle.brotliBytes} B) |`,
    '',
    r.inference.roundTrip && r.inference.inContainer
      ? `Model inference (\`workshop/bench/model-inference.ts\`, ${r.inference.calls} sequential calls, ` +
        `${r.inference.modelVersion}): ` +
        `in-container p50 ${ms(r.inference.inContainer.p50)}, p99 ${ms(r.inference.inContainer.p99)}; ` +
        `HTTP round trip p50 ${ms(r.inference.roundTrip.p50)}, p99 ${ms(r.inference.roundTrip.p99)}.`
      : `Model inference: \`workshop/bench/model-inference.ts\` gave no summary (${r.inference.raw.slice(0, 200)}).`,
    '',
  ];
  return lines.join('\n');
}
