/**
 * The AWS requests of a deployment, built as plain data so `--dry-run` prints exactly what a
 * real run sends, in order:
 *   CreateModel (tagged with the model version) → CreateEndpointConfig (weighted production
 *   variants, an instance type each, DataCaptureConfig) → PutMetricAlarm ×3 per variant (5XX
 *   rate and ModelLatency p99 of the new fleet alone, by its EndpointConfigName; the proxy's
 *   fallback rate, which cannot tell the fleets apart) → CreateEndpoint, or UpdateEndpoint with a
 *   blue/green canary of whole instances that rolls back on the new fleet's alarms → wait for
 *   InService → RegisterScalableTarget + PutScalingPolicy per variant (invocations per instance).
 * A roll-out between existing variants is UpdateEndpointWeightsAndCapacities alone.
 */
import type { PutScalingPolicyRequest, RegisterScalableTargetRequest } from '@aws-sdk/client-application-auto-scaling';
import type { PutMetricAlarmInput } from '@aws-sdk/client-cloudwatch';
import type {
  CreateEndpointConfigInput,
  CreateEndpointInput,
  CreateModelInput,
  CreateTrainingJobRequest,
  UpdateEndpointInput,
  UpdateEndpointWeightsAndCapacitiesInput,
} from '@aws-sdk/client-sagemaker';
import { modelFallbackDimensions, modelFallbackMetric } from '../../contracts/model-fallback-metric.ts';

/** One production variant: `model` is a model name, or `new` for the model this deployment creates. */
export interface VariantSpec {
  name: string;
  model: string;
  weight: number;
  /** Instance type of this variant (default: the deployment's `instanceType`). */
  instanceType?: string;
  /** Initial instance count of this variant (default: the deployment's `instanceCount`). */
  instanceCount?: number;
}

/** Model Monitor's input: what share of the calls to capture, and where. */
export interface DataCaptureSpec {
  samplingPercent: number;
  /** s3:// prefix; SageMaker writes `<endpoint>/<variant>/yyyy/mm/dd/hh/*.jsonl` below it. */
  destination: string;
}

/**
 * The blue/green canary of an update: share of each variant's instances first (at most 50 %, as
 * SageMaker allows, and sent as a whole instance count), then the bake before the rest.
 */
export interface CanarySpec {
  capacityPercent: number;
  bakeSeconds: number;
}

/** At most this many alarms roll a deployment back (`AutoRollbackConfig.Alarms`: 1..10). */
export const maxRollbackAlarms = 10;

/** Throws unless `percent` is a canary share SageMaker takes: above 0, at most 50. */
export function checkCanaryPercent(percent: number): void {
  if (!(percent > 0 && percent <= 50))
    throw new Error(`deploy: --canary-percent must be above 0 and at most 50 (SageMaker's limit), got ${percent}`);
}

/**
 * The canary's instance count: `percent` of the smallest variant's instances, rounded down, at
 * least one, and never more than half (SageMaker: at most 50 % of the variant's instance count),
 * so each side of the canary holds at least one whole instance. Throws when that cannot be.
 */
export function canaryInstances(percent: number, variantInstances: readonly number[]): number {
  checkCanaryPercent(percent);
  const fewest = Math.min(...variantInstances);
  if (!(fewest >= 2))
    throw new Error(
      `deploy: a canary needs at least 2 instances in every variant (one whole instance on each side), ` +
        `got ${fewest}: raise --instance-count (npm run model:loadtest recommends it) or deploy --no-canary`,
    );
  return Math.min(Math.floor(fewest / 2), Math.max(1, Math.floor((fewest * percent) / 100)));
}

/** Alarms the update rolls back on: created by this plan, named by the caller, or both. */
export interface AlarmSpec {
  /** Create the three standard alarms per variant (5XX %, ModelLatency p99, proxy fallback %). */
  create: boolean;
  /** Existing alarms to roll back on as well. */
  names: string[];
  max5xxPercent: number;
  maxP99Ms: number;
  maxFallbackPercent: number;
}

/** Application Auto Scaling of each variant on `SageMakerVariantInvocationsPerInstance`. */
export interface AutoscalingSpec {
  minInstances: number;
  maxInstances: number;
  /** Target invocations per instance per minute. */
  invocationsPerInstance: number;
}

/** Everything a deployment needs. */
export interface DeploySpec {
  endpointName: string;
  modelName: string;
  /** The version inside the archive: tags every resource, so a console reader knows what serves. */
  modelVersion: string;
  image: string;
  modelDataUrl: string;
  roleArn: string;
  instanceType: string;
  instanceCount: number;
  variants: VariantSpec[];
  endpointConfigName: string;
  /** true: the endpoint exists, switch it to the new config (UpdateEndpoint); false: CreateEndpoint. */
  update: boolean;
  /** null turns data capture off (Model Monitor then has nothing to read). */
  dataCapture: DataCaptureSpec | null;
  /**
   * null: a plain blue/green switch, all traffic at once. Guardrails need the new config to keep the
   * old config's variant names, so an A/B test that adds a variant goes without a canary.
   */
  canary: CanarySpec | null;
  alarms: AlarmSpec;
  /** null leaves the instance count fixed. */
  autoscaling: AutoscalingSpec | null;
}

/** One request, named by its service and SDK command; `WaitForEndpoint` polls DescribeEndpoint. */
export type DeployStep =
  | { service: 's3'; command: 'PutObject'; input: { Bucket: string; Key: string; Body: string } }
  | { service: 'sagemaker'; command: 'CreateModel'; input: CreateModelInput }
  | { service: 'sagemaker'; command: 'CreateEndpointConfig'; input: CreateEndpointConfigInput }
  | { service: 'sagemaker'; command: 'CreateEndpoint'; input: CreateEndpointInput }
  | { service: 'sagemaker'; command: 'UpdateEndpoint'; input: UpdateEndpointInput }
  | {
      service: 'sagemaker';
      command: 'UpdateEndpointWeightsAndCapacities';
      input: UpdateEndpointWeightsAndCapacitiesInput;
    }
  | { service: 'sagemaker'; command: 'WaitForEndpoint'; input: { EndpointName: string; MaxWaitSeconds: number } }
  | { service: 'sagemaker'; command: 'CreateTrainingJob'; input: CreateTrainingJobRequest }
  | { service: 'sagemaker'; command: 'WaitForTrainingJob'; input: { TrainingJobName: string; MaxWaitSeconds: number } }
  | { service: 'cloudwatch'; command: 'PutMetricAlarm'; input: PutMetricAlarmInput }
  | { service: 'application-autoscaling'; command: 'RegisterScalableTarget'; input: RegisterScalableTargetRequest }
  | { service: 'application-autoscaling'; command: 'PutScalingPolicy'; input: PutScalingPolicyRequest };

/** The tag every resource of a deployment carries. */
export const modelVersionTagKey = 'reco-shelf:model-version';

const namePattern = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** Throws unless `name` is a valid SageMaker resource name. */
export function checkName(kind: string, name: string): void {
  if (!namePattern.test(name)) throw new Error(`deploy: ${kind} "${name}" must be 1-63 letters, digits or hyphens`);
}

/** Parses `NAME=MODEL:WEIGHT[:INSTANCE_TYPE[:COUNT]]` (MODEL may be `new`). */
export function parseVariant(text: string): VariantSpec {
  const match = /^([^=]+)=([^:]+):([0-9.]+)(?::(ml\.[a-z0-9.]+))?(?::(\d+))?$/.exec(text);
  if (!match)
    throw new Error(`deploy: --variant must look like NAME=MODEL:WEIGHT[:INSTANCE_TYPE[:COUNT]], got "${text}"`);
  const weight = Number(match[3]);
  if (!(weight >= 0)) throw new Error(`deploy: variant weight must be a number >= 0, got "${match[3]}"`);
  return {
    name: match[1]!,
    model: match[2]!,
    weight,
    ...(match[4] ? { instanceType: match[4] } : {}),
    ...(match[5] ? { instanceCount: Number(match[5]) } : {}),
  };
}

/** Parses `--shift-weights NAME=WEIGHT,…`; every pair needs its `=` and a number ≥ 0. */
export function parseWeights(text: string): Record<string, number> {
  const weights: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const match = /^\s*([^=\s]+)\s*=\s*([0-9]+(?:\.[0-9]+)?)\s*$/.exec(pair);
    if (!match) throw new Error(`deploy: --shift-weights wants NAME=WEIGHT pairs, got "${pair.trim()}"`);
    if (match[1]! in weights) throw new Error(`deploy: --shift-weights names ${match[1]} twice`);
    weights[match[1]!] = Number(match[2]);
  }
  return weights;
}

/** The s3:// prefix next to the model data: `s3://b/reco/v1/model.tar.gz` → `s3://b/reco/v1/data-capture`. */
export function captureBeside(modelDataUrl: string): string {
  return `${modelDataUrl.replace(/\/[^/]*$/, '')}/data-capture`;
}

/**
 * The three alarms of one variant, named so a reader of the console knows what each guards. With
 * `endpointConfigName` the first two watch that config's fleet alone: during a blue/green update
 * SageMaker reports each fleet's invocations under its own `EndpointConfigName` dimension, so a
 * canary failing 5 % of its calls is 5 %, not 5 % diluted by the old fleet's traffic. The third,
 * the proxy's fallback rate, is by endpoint and variant only: the proxy cannot tell the fleets apart.
 */
export function variantAlarms(
  endpointName: string,
  variant: string,
  alarms: AlarmSpec,
  endpointConfigName?: string,
): PutMetricAlarmInput[] {
  const dimensions = [
    { Name: 'EndpointName', Value: endpointName },
    { Name: 'VariantName', Value: variant },
    ...(endpointConfigName === undefined ? [] : [{ Name: 'EndpointConfigName', Value: endpointConfigName }]),
  ];
  const fleet = endpointConfigName === undefined ? '' : ` on the ${endpointConfigName} fleet alone`;
  const common = {
    ComparisonOperator: 'GreaterThanThreshold' as const,
    EvaluationPeriods: 3,
    DatapointsToAlarm: 2,
    // No traffic is no evidence of harm: a canary with no calls yet must not roll back.
    TreatMissingData: 'notBreaching',
  };
  const metric = (id: string, name: string) => ({
    Id: id,
    ReturnData: false,
    MetricStat: {
      Metric: { Namespace: 'AWS/SageMaker', MetricName: name, Dimensions: dimensions },
      Period: 60,
      Stat: 'Sum',
    },
  });
  return [
    {
      ...common,
      AlarmName: `${endpointName}-${variant}-5xx-rate`,
      AlarmDescription: `Share of ${variant}'s invocations answered 5XX${fleet}, in percent; rolls back a canary`,
      Threshold: alarms.max5xxPercent,
      Metrics: [
        metric('errors', 'Invocation5XXErrors'),
        metric('calls', 'Invocations'),
        { Id: 'rate', Expression: '100 * errors / calls', Label: '5XX %', ReturnData: true },
      ],
    },
    {
      ...common,
      AlarmName: `${endpointName}-${variant}-model-latency-p99`,
      AlarmDescription: `ModelLatency p99 of ${variant}${fleet} above ${alarms.maxP99Ms} ms; rolls back a canary`,
      Namespace: 'AWS/SageMaker',
      MetricName: 'ModelLatency',
      Dimensions: dimensions,
      ExtendedStatistic: 'p99',
      Period: 60,
      // ModelLatency is reported in microseconds.
      Threshold: alarms.maxP99Ms * 1000,
    },
    {
      ...common,
      AlarmName: `${endpointName}-${variant}-proxy-fallback-rate`,
      AlarmDescription:
        `Share of shelves the on-prem proxy answered without ${variant}'s model, in percent; ` +
        'published by each proxy run with RECO_CLOUDWATCH_METRICS=true (without it this alarm never breaches); ' +
        'old and new fleet together, so it does not roll a canary back',
      // What the proxy publishes (RECO_CLOUDWATCH_METRICS): the contract both sides import.
      Namespace: modelFallbackMetric.namespace,
      MetricName: modelFallbackMetric.name,
      Dimensions: modelFallbackDimensions(endpointName, variant),
      Statistic: modelFallbackMetric.statistic,
      Period: modelFallbackMetric.periodSeconds,
      Unit: modelFallbackMetric.unit,
      Threshold: alarms.maxFallbackPercent,
    },
  ];
}

/** The requests of a deployment, in the order they must be sent. */
export function deploymentPlan(spec: DeploySpec): DeployStep[] {
  checkName('endpoint name', spec.endpointName);
  checkName('model name', spec.modelName);
  checkName('endpoint config name', spec.endpointConfigName);
  if (spec.variants.length === 0) throw new Error('deploy: at least one production variant is needed');
  if (new Set(spec.variants.map((v) => v.name)).size !== spec.variants.length)
    throw new Error('deploy: variant names must differ');
  if (!spec.variants.some((v) => v.weight > 0)) throw new Error('deploy: at least one variant needs a weight above 0');
  for (const v of spec.variants) checkName('variant name', v.name);
  const capture = spec.dataCapture;
  if (capture && !(capture.samplingPercent >= 1 && capture.samplingPercent <= 100))
    throw new Error(`deploy: data capture sampling must be 1..100 %, got ${capture.samplingPercent}`);
  if (capture && !capture.destination.startsWith('s3://'))
    throw new Error(`deploy: --capture-uri must be an s3:// URI, got "${capture.destination}"`);
  const instancesOf = (v: VariantSpec): number => v.instanceCount ?? spec.instanceCount;
  for (const v of spec.variants)
    if (!(Number.isInteger(instancesOf(v)) && instancesOf(v) >= 1))
      throw new Error(`deploy: variant ${v.name} needs a whole number of instances (1 or more), got ${instancesOf(v)}`);
  const canary =
    spec.update && spec.canary ? canaryInstances(spec.canary.capacityPercent, spec.variants.map(instancesOf)) : 0;
  if (spec.canary) checkCanaryPercent(spec.canary.capacityPercent);
  const tags = [{ Key: modelVersionTagKey, Value: spec.modelVersion }];

  const steps: DeployStep[] = [];
  if (spec.variants.some((v) => v.model === 'new')) {
    if (!spec.image || !spec.modelDataUrl || !spec.roleArn)
      throw new Error('deploy: a new model needs --image, --model-data and --role');
    if (!spec.modelDataUrl.startsWith('s3://'))
      throw new Error(`deploy: --model-data must be an s3:// URL, got "${spec.modelDataUrl}"`);
    steps.push({
      service: 'sagemaker',
      command: 'CreateModel',
      input: {
        ModelName: spec.modelName,
        ExecutionRoleArn: spec.roleArn,
        PrimaryContainer: { Image: spec.image, ModelDataUrl: spec.modelDataUrl, Mode: 'SingleModel' },
        Tags: tags,
      },
    });
  }
  steps.push({
    service: 'sagemaker',
    command: 'CreateEndpointConfig',
    input: {
      EndpointConfigName: spec.endpointConfigName,
      ProductionVariants: spec.variants.map((v) => ({
        VariantName: v.name,
        ModelName: v.model === 'new' ? spec.modelName : v.model,
        InstanceType: (v.instanceType ?? spec.instanceType) as never,
        InitialInstanceCount: instancesOf(v),
        InitialVariantWeight: v.weight,
      })),
      ...(capture
        ? {
            DataCaptureConfig: {
              EnableCapture: true,
              InitialSamplingPercentage: capture.samplingPercent,
              DestinationS3Uri: capture.destination,
              // Request and answer; each record keeps the call's InferenceId (the shop's requestId).
              CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
              CaptureContentTypeHeader: { JsonContentTypes: ['application/json'] },
            },
          }
        : {}),
      Tags: tags,
    },
  });
  const alarmNames = [...spec.alarms.names];
  if (spec.update && spec.canary && spec.alarms.create)
    for (const v of spec.variants) {
      const alarms = variantAlarms(spec.endpointName, v.name, spec.alarms, spec.endpointConfigName);
      for (const alarm of alarms)
        steps.push({ service: 'cloudwatch', command: 'PutMetricAlarm', input: { ...alarm, Tags: tags } });
      // The new fleet's own alarms roll back; the proxy's fallback rate (the third) mixes both fleets.
      alarmNames.push(...alarms.slice(0, 2).map((a) => a.AlarmName!));
    }
  if (spec.update && spec.canary && alarmNames.length > maxRollbackAlarms)
    throw new Error(
      `deploy: ${alarmNames.length} rollback alarms (--alarm and 2 per variant), SageMaker takes at most ` +
        `${maxRollbackAlarms}: fewer variants or --alarm, or --no-create-alarms`,
    );
  const endpoint = { EndpointName: spec.endpointName, EndpointConfigName: spec.endpointConfigName };
  if (spec.update && !spec.canary) steps.push({ service: 'sagemaker', command: 'UpdateEndpoint', input: endpoint });
  else if (spec.update && spec.canary)
    steps.push({
      service: 'sagemaker',
      command: 'UpdateEndpoint',
      input: {
        ...endpoint,
        DeploymentConfig: {
          BlueGreenUpdatePolicy: {
            TrafficRoutingConfiguration: {
              Type: 'CANARY',
              // Whole instances: a percentage of one instance would be the whole new fleet.
              CanarySize: { Type: 'INSTANCE_COUNT', Value: canary },
              WaitIntervalInSeconds: spec.canary.bakeSeconds,
            },
            // The old fleet stays this long after the full shift, so a late alarm can still roll back.
            TerminationWaitInSeconds: spec.canary.bakeSeconds,
            MaximumExecutionTimeoutInSeconds: Math.max(600, 3 * spec.canary.bakeSeconds + 1800),
          },
          ...(alarmNames.length > 0
            ? { AutoRollbackConfiguration: { Alarms: alarmNames.map((AlarmName) => ({ AlarmName })) } }
            : {}),
        },
      },
    });
  else steps.push({ service: 'sagemaker', command: 'CreateEndpoint', input: { ...endpoint, Tags: tags } });
  steps.push({
    service: 'sagemaker',
    command: 'WaitForEndpoint',
    input: { EndpointName: spec.endpointName, MaxWaitSeconds: 3 * (spec.canary?.bakeSeconds ?? 0) + 3600 },
  });
  if (spec.autoscaling) {
    const a = spec.autoscaling;
    if (!(a.minInstances >= 1 && a.maxInstances >= a.minInstances && a.invocationsPerInstance > 0))
      throw new Error('deploy: autoscaling needs 1 ≤ --min-instances ≤ --max-instances and a positive target');
    for (const v of spec.variants) {
      const target = {
        ServiceNamespace: 'sagemaker' as const,
        ResourceId: `endpoint/${spec.endpointName}/variant/${v.name}`,
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount' as const,
      };
      steps.push({
        service: 'application-autoscaling',
        command: 'RegisterScalableTarget',
        input: { ...target, MinCapacity: a.minInstances, MaxCapacity: a.maxInstances },
      });
      steps.push({
        service: 'application-autoscaling',
        command: 'PutScalingPolicy',
        input: {
          ...target,
          PolicyName: `${spec.endpointName}-${v.name}-invocations-per-instance`,
          PolicyType: 'TargetTrackingScaling',
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: a.invocationsPerInstance,
            PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
            ScaleInCooldown: 300,
            ScaleOutCooldown: 60,
          },
        },
      });
    }
  }
  return steps;
}

/** The request that shifts traffic between existing variants, e.g. `{ champion: 0.5, challenger: 0.5 }`. */
export function shiftWeightsPlan(endpointName: string, weights: Record<string, number>): DeployStep[] {
  checkName('endpoint name', endpointName);
  const entries = Object.entries(weights);
  if (entries.length === 0) throw new Error('deploy: --shift-weights needs NAME=WEIGHT pairs');
  for (const [name, weight] of entries) {
    checkName('variant name', name);
    if (!(weight >= 0)) throw new Error(`deploy: weight of ${name} must be >= 0`);
  }
  if (!entries.some(([, w]) => w > 0)) throw new Error('deploy: --shift-weights leaves no variant a weight above 0');
  return [
    {
      service: 'sagemaker',
      command: 'UpdateEndpointWeightsAndCapacities',
      input: {
        EndpointName: endpointName,
        DesiredWeightsAndCapacities: entries.map(([VariantName, DesiredWeight]) => ({ VariantName, DesiredWeight })),
      },
    },
    { service: 'sagemaker', command: 'WaitForEndpoint', input: { EndpointName: endpointName, MaxWaitSeconds: 1800 } },
  ];
}
