/**
 * `npm run model:deploy -- …`: deploys a packaged model to a SageMaker real-time endpoint, or
 * shifts traffic between its variants. `--dry-run` prints every request and touches no AWS.
 * See model/README.md "Deploying" for what each part is for.
 *
 *   --archive model.tar.gz   the archive deployed: the model name and version tag come from ITS manifest
 *   --image URI --model-data s3://…/model.tar.gz --role ARN   (the new model)
 *   --endpoint reco-shelf  --model-name NAME (default reco-shelf-<modelVersion of --archive>)
 *   --variant NAME=MODEL:WEIGHT[:INSTANCE_TYPE[:COUNT]] (repeatable; MODEL `new` = this model;
 *             default AllTraffic=new:1)
 *   --instance-type ml.c6i.large --instance-count N --config-name NAME --region R
 *   --update | --create       the endpoint exists / does not (default: DescribeEndpoint decides;
 *                             a dry run assumes --create)
 *   --capture-percent 20 --capture-uri s3://…  --no-data-capture      (default: beside --model-data)
 *   --canary-percent 10 --bake-minutes 10      (blue/green canary of an update, ≤ 50 %, in whole instances
 *                                             with one at least on each side; --no-canary: all at
 *                                             once, for a config that adds or renames variants)
 *   --alarm NAME (repeatable) --no-create-alarms --max-5xx-percent 1 --max-p99-ms 250
 *   --max-fallback-percent 5                   (the new fleet's alarms roll the canary back; ten at most)
 *   --min-instances N --max-instances N --invocations-per-instance N --no-autoscaling
 *   --loadtest FILE                            (npm run model:loadtest's result: the defaults of the
 *                                             instance counts and the scaling target; default
 *                                             model/image/loadtest-result.json)
 *   --shift-weights champion=0.2,challenger=0.8   (roll-out: UpdateEndpointWeightsAndCapacities only)
 *   --proxy-env FILE  --force-weights          (who decides weights: see weightAuthority)
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { defaultVariantName } from '../../contracts/model-fallback-metric.ts';
import { awsRegion, sagemakerEndpointName } from '../../environment/parsers.ts';
import { readEnvironment } from '../../environment/read-environment.ts';
import { knownEnvironmentVariables } from '../../server/config.ts';
import { readFromTarGz } from '../training/package.ts';
import {
  type DeployDefaults,
  defaultLoadTestResult,
  deployDefaultsOf,
  readLoadTestResult,
} from '../image/loadtest-result.ts';
import { endpointExists, printSteps, sendSteps } from './aws-calls.ts';
import {
  captureBeside,
  canaryInstances,
  type DeployStep,
  deploymentPlan,
  parseVariant,
  parseWeights,
  shiftWeightsPlan,
  type VariantSpec,
} from './plan.ts';

/** Options every command line of `model:deploy` accepts. */
export const deployOptions = {
  'dry-run': { type: 'boolean', default: false },
  endpoint: { type: 'string' },
  archive: { type: 'string' },
  image: { type: 'string', default: '' },
  'model-data': { type: 'string', default: '' },
  role: { type: 'string', default: '' },
  'model-name': { type: 'string' },
  variant: { type: 'string', multiple: true, default: [] as string[] },
  'instance-type': { type: 'string', default: 'ml.c6i.large' },
  'instance-count': { type: 'string' },
  'config-name': { type: 'string' },
  update: { type: 'boolean', default: false },
  create: { type: 'boolean', default: false },
  'capture-percent': { type: 'string', default: '20' },
  'capture-uri': { type: 'string' },
  'no-data-capture': { type: 'boolean', default: false },
  'canary-percent': { type: 'string', default: '10' },
  'bake-minutes': { type: 'string', default: '10' },
  'no-canary': { type: 'boolean', default: false },
  alarm: { type: 'string', multiple: true, default: [] as string[] },
  'no-create-alarms': { type: 'boolean', default: false },
  'max-5xx-percent': { type: 'string', default: '1' },
  'max-p99-ms': { type: 'string', default: '250' },
  'max-fallback-percent': { type: 'string', default: '5' },
  'min-instances': { type: 'string' },
  'max-instances': { type: 'string' },
  'invocations-per-instance': { type: 'string' },
  loadtest: { type: 'string', default: defaultLoadTestResult },
  'no-autoscaling': { type: 'boolean', default: false },
  'shift-weights': { type: 'string' },
  'proxy-env': { type: 'string' },
  'force-weights': { type: 'boolean', default: false },
  region: { type: 'string' },
} as const satisfies import('node:util').ParseArgsConfig['options'];

/** What a parsed command line asks for. */
export interface DeployRequest {
  steps: DeployStep[];
  dryRun: boolean;
  region?: string;
  /** The plan assumed this; `undefined` when the caller must ask AWS (DescribeEndpoint) and re-plan. */
  update: boolean | undefined;
  /** Things the operator must read (e.g. the proxy pins variants and --force-weights overrode it). */
  warnings: string[];
}

const number = (name: string, text: string): number => {
  const x = Number(text);
  if (!Number.isFinite(x)) throw new Error(`deploy: --${name} must be a number, got "${text}"`);
  return x;
};

/** The model version inside a model.tar.gz, from the manifest.json at its root. */
export function archiveModelVersion(archive: string): string {
  if (!existsSync(archive)) throw new Error(`deploy: no archive at ${archive}`);
  const manifest = readFromTarGz(readFileSync(archive), 'manifest.json');
  if (!manifest) throw new Error(`deploy: ${archive} holds no manifest.json at its root`);
  const version = (JSON.parse(manifest.toString('utf8')) as { modelVersion?: unknown }).modelVersion;
  if (typeof version !== 'string' || version === '')
    throw new Error(`deploy: ${archive}'s manifest has no modelVersion`);
  return version;
}

/**
 * Who decides the variant weights. The endpoint does, unless the proxy pins shoppers to variants
 * (`RECO_VARIANTS`: it then sends `TargetVariant`, which overrides the endpoint's weights). A deploy
 * that sets weights reads `RECO_VARIANTS` from its own environment and from `--proxy-env` (the
 * proxy's env file) and refuses when either sets it, unless `--force-weights` (then it warns).
 */
export function weightAuthority(
  ownVariants: string | undefined,
  proxyEnvFile: string | undefined,
): { pinnedBy: string; value: string } | undefined {
  if (ownVariants) return { pinnedBy: 'RECO_VARIANTS in this environment', value: ownVariants };
  if (proxyEnvFile === undefined) return undefined;
  const line = readFileSync(proxyEnvFile, 'utf8')
    .split('\n')
    .map((l) => /^\s*(?:export\s+)?RECO_VARIANTS\s*=\s*["']?([^"'#]*)["']?/.exec(l)?.[1]?.trim())
    .find((v) => v);
  return line ? { pinnedBy: `RECO_VARIANTS in ${proxyEnvFile}`, value: line } : undefined;
}

/** Builds the plan from CLI arguments; `now` names the endpoint config. `exists` answers create-or-update. */
export function planFromArgs(
  argv: string[],
  now = new Date(),
  env: NodeJS.ProcessEnv = process.env,
  exists?: boolean,
): DeployRequest {
  const { values } = parseArgs({ args: argv, options: deployOptions });
  // The environment gives defaults for --endpoint and --region, and RECO_VARIANTS (see weightAuthority).
  const fromEnv = readEnvironment(
    'deploy',
    { endpoint: 'reco-shelf', region: undefined as string | undefined, variants: undefined as string | undefined },
    {
      SAGEMAKER_ENDPOINT_NAME: ['endpoint', sagemakerEndpointName],
      AWS_REGION: ['region', awsRegion],
      // Only whether it is set matters here (blank counts as unset); the proxy checks its form.
      RECO_VARIANTS: ['variants', z.string().transform((text) => text.trim() || undefined)],
    },
    env,
    // It runs with the proxy's env file: a RECO_* name no process reads is a mistake there.
    { unknown: { prefix: 'RECO_', known: knownEnvironmentVariables } },
  );
  const region = values.region ?? fromEnv.region;
  const endpoint = values.endpoint ?? fromEnv.endpoint;
  const warnings: string[] = [];
  const guardWeights = (what: string): void => {
    const pinned = weightAuthority(fromEnv.variants, values['proxy-env']);
    if (!pinned) return;
    const message =
      `${what} sets variant weights on the endpoint, but ${pinned.pinnedBy} ("${pinned.value}") makes the ` +
      'proxy send TargetVariant, which overrides them: unset it (the endpoint decides) or change it there';
    if (!values['force-weights']) throw new Error(`deploy: ${message}; --force-weights to send anyway`);
    warnings.push(`deploy: WARNING ${message}`);
  };
  const base = { dryRun: values['dry-run'], ...(region ? { region } : {}), warnings };
  if (values['shift-weights'] !== undefined) {
    guardWeights('--shift-weights');
    return { ...base, update: true, steps: shiftWeightsPlan(endpoint, parseWeights(values['shift-weights'])) };
  }
  if (values.update && values.create) throw new Error('deploy: --update and --create contradict each other');
  let modelName = values['model-name'];
  let modelVersion = modelName ?? '';
  if (values.archive !== undefined) {
    modelVersion = archiveModelVersion(values.archive);
    modelName ??= `reco-shelf-${modelVersion}`.slice(0, 63).replace(/-+$/, '');
  }
  if (modelName === undefined)
    throw new Error('deploy: name the archive being deployed (--archive model.tar.gz) or the model (--model-name)');
  const variants: VariantSpec[] =
    values.variant.length > 0
      ? values.variant.map(parseVariant)
      : [{ name: defaultVariantName, model: 'new', weight: 1 }];
  if (variants.length > 1) guardWeights('a deployment with several weighted variants');
  const update = values.update ? true : values.create ? false : exists;
  const sized = sizing(values, warnings);
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const steps = deploymentPlan({
    endpointName: endpoint,
    modelName,
    modelVersion,
    image: values.image,
    modelDataUrl: values['model-data'],
    roleArn: values.role,
    instanceType: values['instance-type'],
    instanceCount: sized.instanceCount,
    variants,
    endpointConfigName: values['config-name'] ?? `${endpoint}-${stamp}`.slice(0, 63),
    update: update ?? false,
    dataCapture: values['no-data-capture']
      ? null
      : {
          samplingPercent: number('capture-percent', values['capture-percent']),
          destination: values['capture-uri'] ?? captureBeside(values['model-data']),
        },
    canary: values['no-canary']
      ? null
      : {
          capacityPercent: number('canary-percent', values['canary-percent']),
          bakeSeconds: Math.round(number('bake-minutes', values['bake-minutes']) * 60),
        },
    alarms: {
      create: !values['no-create-alarms'],
      names: values.alarm,
      max5xxPercent: number('max-5xx-percent', values['max-5xx-percent']),
      maxP99Ms: number('max-p99-ms', values['max-p99-ms']),
      maxFallbackPercent: number('max-fallback-percent', values['max-fallback-percent']),
    },
    autoscaling: values['no-autoscaling']
      ? null
      : {
          minInstances: sized.minInstances,
          maxInstances: sized.maxInstances,
          invocationsPerInstance: sized.invocationsPerInstance,
        },
  });
  if (update && !values['no-canary']) {
    const counts = variants.map((v) => v.instanceCount ?? sized.instanceCount);
    const canary = canaryInstances(number('canary-percent', values['canary-percent']), counts);
    warnings.push(
      `deploy: canary of ${canary} instance(s) per variant, of ${Math.min(...counts)} or more: ` +
        `${Math.round((100 * canary) / Math.min(...counts))} % of the smallest variant's calls first`,
    );
  }
  return { ...base, update, steps };
}

/**
 * Instance counts and the scaling target: each flag given wins; the rest come from the load test's
 * result. Without a result, the flags the plan needs must be given.
 */
function sizing(
  values: { [name: string]: string | boolean | string[] | undefined },
  warnings: string[],
): Omit<DeployDefaults, 'source'> {
  const file = values.loadtest as string;
  const flags = ['instance-count', 'min-instances', 'max-instances', 'invocations-per-instance'] as const;
  const given = (name: (typeof flags)[number]): number | undefined =>
    values[name] === undefined ? undefined : number(name, values[name] as string);
  const result = readLoadTestResult(file);
  const measured = result && deployDefaultsOf(result, file);
  const needed = values['no-autoscaling'] ? flags.slice(0, 1) : flags;
  const missing = needed.filter((name) => values[name] === undefined);
  if (!measured && missing.length > 0) {
    const why = result ? `${file} has no step within its latency target` : `no load test result at ${file}`;
    throw new Error(
      `deploy: ${why}: run npm run model:loadtest (on the endpoint's instance type), ` +
        `or give ${missing.map((m) => `--${m}`).join(', ')}`,
    );
  }
  if (measured && missing.length > 0)
    warnings.push(`deploy: instance counts and scaling target from ${measured.source}`);
  const instanceCount = given('instance-count') ?? measured!.instanceCount;
  const minInstances = given('min-instances') ?? measured?.minInstances ?? instanceCount;
  return {
    instanceCount,
    minInstances,
    maxInstances: given('max-instances') ?? measured?.maxInstances ?? 2 * minInstances,
    invocationsPerInstance: given('invocations-per-instance') ?? measured?.invocationsPerInstance ?? 0,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    const argv = process.argv.slice(2);
    let request = planFromArgs(argv);
    for (const warning of request.warnings) console.error(warning);
    if (request.dryRun) {
      printSteps(request.steps);
      const assumed = request.update === undefined ? ' (assumed a new endpoint; --update plans the canary)' : '';
      console.log(`deploy: dry run, ${request.steps.length} request(s) not sent${assumed}`);
    } else {
      if (request.update === undefined) {
        const create = request.steps.find((s) => s.command === 'CreateEndpoint');
        const endpoint = (create?.input as { EndpointName: string } | undefined)?.EndpointName ?? '';
        request = planFromArgs(argv, new Date(), process.env, await endpointExists(endpoint, request.region));
      }
      await sendSteps(request.steps, request.region);
    }
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
