/**
 * `npm run model:loadtest`'s result file (`model/image/loadtest-result.json`, committed like the
 * model table: the last measurement is what the deploy plans with) and the deploy defaults it
 * gives: the instance count of each variant, the autoscaling range, and the target of
 * `SageMakerVariantInvocationsPerInstance` (calls per instance per **minute**) at the planned
 * utilisation of the best step within the latency target.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where the load test writes its result and the deploy reads it. */
export const defaultLoadTestResult = fileURLToPath(new URL('./loadtest-result.json', import.meta.url));

/** One concurrency step's result. */
export interface LoadStep {
  concurrency: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

/** What the file holds. */
export interface LoadTestResult {
  measuredAt: string;
  /** What the container ran on: `--measured-on` (an instance type), else this machine's CPU. */
  measuredOn: string;
  modelVersion: string;
  p99TargetMs: number;
  targetRps: number;
  utilisation: number;
  steps: LoadStep[];
  best: LoadStep | null;
  /** Instances that carry `targetRps` at `utilisation` of the best step (two at least). */
  instances: number | null;
}

/** What the deploy takes from a result. */
export interface DeployDefaults {
  instanceCount: number;
  minInstances: number;
  maxInstances: number;
  /** Target invocations per instance per minute. */
  invocationsPerInstance: number;
  /** Where they came from, for the dry run's reader. */
  source: string;
}

/** Reads the result at `file`; undefined when there is none. Throws on a file that is not one. */
export function readLoadTestResult(file: string = defaultLoadTestResult): LoadTestResult | undefined {
  if (!existsSync(file)) return undefined;
  const result = JSON.parse(readFileSync(file, 'utf8')) as LoadTestResult;
  if (!Array.isArray(result.steps) || typeof result.utilisation !== 'number')
    throw new Error(`${file} is not a model:loadtest result (no steps or utilisation)`);
  return result;
}

/**
 * The deploy's defaults from `result`: the recommended count for every variant and as the floor of
 * autoscaling, twice that as its ceiling (room for a peak while new instances start), and the best
 * step's throughput at the planned utilisation as the scaling target. Undefined when no step met
 * the latency target (then the deploy must be told).
 */
export function deployDefaultsOf(result: LoadTestResult, file = defaultLoadTestResult): DeployDefaults | undefined {
  if (!result.best || !result.instances) return undefined;
  return {
    instanceCount: result.instances,
    minInstances: result.instances,
    maxInstances: 2 * result.instances,
    invocationsPerInstance: Math.floor(result.best.requestsPerSecond * result.utilisation * 60),
    source:
      `${file}: ${result.best.requestsPerSecond} calls/s per instance at p99 ${result.best.p99Ms} ms ` +
      `(target ${result.p99TargetMs} ms) on ${result.measuredOn}, ${result.measuredAt}`,
  };
}
