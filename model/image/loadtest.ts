/**
 * `npm run model:loadtest -- [options]`: in the manner of SageMaker Inference Recommender's
 * default job — the model container alone (the ahead-of-time bundle the image runs, as its own
 * process), invoked at rising concurrency with a realistic mix (known customers, customers with
 * a basket in view, anonymous shoppers with context), throughput and latency per step, then the
 * highest throughput whose p99 stays within the target and the instance count a target load needs.
 *
 *   --model-dir DIR        artifact to serve (default model/artifacts/model)
 *   --concurrency LIST     steps (default 1,2,4,8,16,32)
 *   --duration S           seconds per step (default 5)
 *   --p99-ms MS            latency target (default 100)
 *   --target-rps N         the load to size for (default 200 requests/s)
 *   --utilisation X        share of the measured maximum an instance is planned at (default 0.7)
 *   --measured-on NAME     what the container ran on, e.g. ml.c6i.large (default: this machine's CPU)
 *   --out FILE             the result the deploy plans with (default model/image/loadtest-result.json)
 *
 * The numbers are this machine's, load generator included: read them as a ratio to re-measure
 * on the instance type of the endpoint, not as the endpoint's.
 */
import { freeLoopbackPort } from '../container/loopback-port.ts';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { seeded } from '../recommenders/seeded-random.ts';
import { bundleDir, bundleImage } from './bundle.ts';
import { defaultLoadTestResult, type LoadStep, type LoadTestResult } from './loadtest-result.ts';

/** The recommendation: the best step within the latency target and the instances the target load needs. */
export function recommendInstances(
  steps: readonly LoadStep[],
  options: { p99Ms: number; targetRps: number; utilisation: number },
): { best: LoadStep | undefined; instances: number | undefined } {
  const within = steps.filter((s) => s.p99Ms <= options.p99Ms && s.errors === 0);
  const best = within.reduce<LoadStep | undefined>(
    (a, s) => (a === undefined || s.requestsPerSecond > a.requestsPerSecond ? s : a),
    undefined,
  );
  if (!best || best.requestsPerSecond <= 0) return { best, instances: undefined };
  // Two at least: one instance is one Availability Zone, and SageMaker asks for two in production.
  const instances = Math.max(2, Math.ceil(options.targetRps / (best.requestsPerSecond * options.utilisation)));
  return { best, instances };
}

/** Request bodies in the proportions a shop sends them. */
function invocationBodies(modelDir: string, count: number): string[] {
  const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as {
    userIds: string[];
    itemIds: string[];
  };
  const random = seeded(11);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const popular = manifest.itemIds.slice(0, 500);
  return Array.from({ length: count }, (_, i) => {
    const k = 8 + (i % 3) * 4;
    const kind = random();
    if (kind < 0.5) return JSON.stringify({ userId: pick(manifest.userIds), k, placement: 'home' });
    if (kind < 0.8)
      return JSON.stringify({
        userId: pick(manifest.userIds),
        items: [pick(popular), pick(popular)],
        k,
        placement: 'cart',
      });
    return JSON.stringify({ items: [pick(popular)], k, placement: 'product' });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'model-dir': { type: 'string', default: fileURLToPath(new URL('../artifacts/model/', import.meta.url)) },
      concurrency: { type: 'string', default: '1,2,4,8,16,32' },
      duration: { type: 'string', default: '5' },
      'p99-ms': { type: 'string', default: '100' },
      'target-rps': { type: 'string', default: '200' },
      utilisation: { type: 'string', default: '0.7' },
      'measured-on': { type: 'string', default: `this machine (${cpus().length} × ${cpus()[0]?.model.trim()})` },
      out: { type: 'string', default: defaultLoadTestResult },
    },
  });
  const levels = values.concurrency.split(',').map(Number);
  const seconds = Number(values.duration);
  await bundleImage();
  const port = await freeLoopbackPort();
  const container = spawn(process.execPath, [join(bundleDir, 'entry.mjs'), 'serve'], {
    env: { PATH: process.env.PATH, SM_MODEL_DIR: values['model-dir'], SAGEMAKER_BIND_TO_PORT: String(port) },
    stdio: 'ignore',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 60_000;
    while (
      !(await fetch(`${url}/ping`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (container.exitCode !== null || Date.now() > deadline)
        throw new Error(`model:loadtest: the container did not become ready (model ${values['model-dir']})`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const bodies = invocationBodies(values['model-dir'], 5000);
    let next = 0;
    const steps: LoadStep[] = [];
    console.log('concurrency  req/s    p50 ms  p99 ms  errors');
    for (const connections of levels) {
      const result = await autocannon({
        url,
        connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: '/invocations',
            headers: { 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length]! }),
          },
        ],
      });
      const step: LoadStep = {
        concurrency: connections,
        requestsPerSecond: Math.round(result['2xx'] / seconds),
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        errors: result.errors + result.non2xx + result.timeouts,
      };
      steps.push(step);
      console.log(
        `${String(connections).padEnd(13)}${String(step.requestsPerSecond).padEnd(9)}` +
          `${String(step.p50Ms).padEnd(8)}${String(step.p99Ms).padEnd(8)}${step.errors}`,
      );
    }
    const options = {
      p99Ms: Number(values['p99-ms']),
      targetRps: Number(values['target-rps']),
      utilisation: Number(values.utilisation),
    };
    const { best, instances } = recommendInstances(steps, options);
    const manifest = JSON.parse(readFileSync(join(values['model-dir'], 'manifest.json'), 'utf8'));
    const result: LoadTestResult = {
      measuredAt: new Date().toISOString(),
      measuredOn: values['measured-on'],
      modelVersion: String(manifest.modelVersion),
      p99TargetMs: options.p99Ms,
      targetRps: options.targetRps,
      utilisation: options.utilisation,
      steps,
      best: best ?? null,
      instances: instances ?? null,
    };
    writeFileSync(values.out, `${JSON.stringify(result, null, 2)}\n`);
    if (!best) console.log(`\nmodel:loadtest: no step kept p99 within ${options.p99Ms} ms without errors`);
    else
      console.log(
        `\nmodel:loadtest: max ${best.requestsPerSecond} req/s per container at p99 ${best.p99Ms} ms ` +
          `(≤ ${options.p99Ms} ms, concurrency ${best.concurrency}); for ${options.targetRps} req/s at ` +
          `${options.utilisation * 100} % utilisation: ${instances} instance(s)`,
      );
    console.log(`model:loadtest: result → ${values.out} (npm run model:deploy plans with it)`);
  } finally {
    container.kill('SIGTERM');
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
