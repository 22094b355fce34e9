import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { readLoadTestResult } from '../image/loadtest-result.ts';
import { packageModel } from '../training/package.ts';
import { planFromArgs } from './deploy.ts';
import type { DeployStep } from './plan.ts';

const cli = fileURLToPath(new URL('./deploy.ts', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'reco-deploy-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A model.tar.gz whose manifest says `version`: what the deploy must name the model after. */
function archiveOf(version: string): string {
  const dir = join(scratch, version);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ modelVersion: version }));
  packageModel(dir, join(scratch, `${version}.tar.gz`));
  return join(scratch, `${version}.tar.gz`);
}

/** A load test's result: 1,000 calls/s within the target, three instances for its target load. */
const loadTest = join(scratch, 'loadtest-result.json');
const step = { concurrency: 8, requestsPerSecond: 1000, p50Ms: 2, p99Ms: 40, errors: 0 };
writeFileSync(
  loadTest,
  JSON.stringify({
    measuredAt: '2026-12-01T00:00:00.000Z',
    measuredOn: 'ml.c6i.large',
    modelVersion: 'ease-buy-again-all-0badc0de',
    p99TargetMs: 100,
    targetRps: 2000,
    utilisation: 0.7,
    steps: [step, { ...step, concurrency: 32, requestsPerSecond: 1200, p99Ms: 180 }],
    best: step,
    instances: 3,
  }),
);

const archive = archiveOf('ease-buy-again-all-0badc0de');
const newModel = [
  '--loadtest',
  loadTest,
  '--archive',
  archive,
  '--image',
  '123456789012.dkr.ecr.eu-west-1.amazonaws.com/reco-shelf-model:7',
  '--model-data',
  's3://bucket/reco/v7/model.tar.gz',
  '--role',
  'arn:aws:iam::123456789012:role/SageMaker',
];
const noEnv: NodeJS.ProcessEnv = {};
const plan = (args: string[], env = noEnv): DeployStep[] =>
  planFromArgs(args, new Date('2026-01-02T03:04:05Z'), env).steps;
const input = (steps: DeployStep[], command: string) => steps.find((s) => s.command === command)?.input as never;

test('--dry-run of an update prints the whole guarded roll-out, sending nothing', () => {
  // No credentials, no region and a dead endpoint URL: any real call would fail the command.
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', cli, '--dry-run', ...newModel, '--update', '--config-name', 'reco-shelf-cfg-1'],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
    },
  );
  const steps = [...output.matchAll(/^\{\n[\s\S]*?^\}$/gm)].map((m) => JSON.parse(m[0]) as DeployStep);
  assert.deepEqual(
    steps.map((s) => `${s.service}:${s.command}`),
    [
      'sagemaker:CreateModel',
      'sagemaker:CreateEndpointConfig',
      'cloudwatch:PutMetricAlarm',
      'cloudwatch:PutMetricAlarm',
      'cloudwatch:PutMetricAlarm',
      'sagemaker:UpdateEndpoint',
      'sagemaker:WaitForEndpoint',
      'application-autoscaling:RegisterScalableTarget',
      'application-autoscaling:PutScalingPolicy',
    ],
  );
  const tags = [{ Key: 'reco-shelf:model-version', Value: 'ease-buy-again-all-0badc0de' }];
  assert.deepEqual(input(steps, 'CreateModel'), {
    ModelName: 'reco-shelf-ease-buy-again-all-0badc0de',
    ExecutionRoleArn: 'arn:aws:iam::123456789012:role/SageMaker',
    PrimaryContainer: {
      Image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/reco-shelf-model:7',
      ModelDataUrl: 's3://bucket/reco/v7/model.tar.gz',
      Mode: 'SingleModel',
    },
    Tags: tags,
  });
  assert.deepEqual((input(steps, 'CreateEndpointConfig') as { DataCaptureConfig: unknown }).DataCaptureConfig, {
    EnableCapture: true,
    InitialSamplingPercentage: 20,
    DestinationS3Uri: 's3://bucket/reco/v7/data-capture',
    CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
    CaptureContentTypeHeader: { JsonContentTypes: ['application/json'] },
  });
  const config = input(steps, 'CreateEndpointConfig') as { ProductionVariants: { InitialInstanceCount: number }[] };
  assert.equal(config.ProductionVariants[0]!.InitialInstanceCount, 3, "the load test's count");
  const alarms = steps
    .filter((s) => s.command === 'PutMetricAlarm')
    .map((s) => s.input as unknown as Record<string, unknown>);
  assert.deepEqual(
    alarms.map((a) => a.AlarmName),
    [
      'reco-shelf-AllTraffic-5xx-rate',
      'reco-shelf-AllTraffic-model-latency-p99',
      'reco-shelf-AllTraffic-proxy-fallback-rate',
    ],
  );
  assert.equal(alarms[1]!.Threshold, 250_000, 'ModelLatency is in microseconds');
  assert.equal(alarms[1]!.ExtendedStatistic, 'p99');
  // The new fleet alone: its EndpointConfigName on every SageMaker metric the rollback alarms read.
  const newFleet = [
    { Name: 'EndpointName', Value: 'reco-shelf' },
    { Name: 'VariantName', Value: 'AllTraffic' },
    { Name: 'EndpointConfigName', Value: 'reco-shelf-cfg-1' },
  ];
  const metrics = alarms[0]!.Metrics as { MetricStat?: { Metric: { Dimensions: unknown } } }[];
  for (const m of metrics.filter((m) => m.MetricStat)) assert.deepEqual(m.MetricStat!.Metric.Dimensions, newFleet);
  assert.deepEqual(alarms[1]!.Dimensions, newFleet);
  assert.deepEqual(input(steps, 'UpdateEndpoint'), {
    EndpointName: 'reco-shelf',
    EndpointConfigName: 'reco-shelf-cfg-1',
    DeploymentConfig: {
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: {
          Type: 'CANARY',
          // 10 % of three instances, in whole instances: one.
          CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 },
          WaitIntervalInSeconds: 600,
        },
        TerminationWaitInSeconds: 600,
        MaximumExecutionTimeoutInSeconds: 3600,
      },
      // The proxy's fallback rate mixes both fleets: created, not rolled back on.
      AutoRollbackConfiguration: { Alarms: alarms.slice(0, 2).map((a) => ({ AlarmName: a.AlarmName })) },
    },
  });
  assert.deepEqual(input(steps, 'RegisterScalableTarget'), {
    ServiceNamespace: 'sagemaker',
    ResourceId: 'endpoint/reco-shelf/variant/AllTraffic',
    ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    MinCapacity: 3,
    MaxCapacity: 6,
  });
  assert.deepEqual(input(steps, 'PutScalingPolicy'), {
    ServiceNamespace: 'sagemaker',
    ResourceId: 'endpoint/reco-shelf/variant/AllTraffic',
    ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
    PolicyName: 'reco-shelf-AllTraffic-invocations-per-instance',
    PolicyType: 'TargetTrackingScaling',
    TargetTrackingScalingPolicyConfiguration: {
      // 1,000 calls/s at 70 % utilisation, per minute (the metric's unit).
      TargetValue: 42_000,
      PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
      ScaleInCooldown: 300,
      ScaleOutCooldown: 60,
    },
  });
  assert.match(output, /dry run, 9 request\(s\) not sent/);
});

test('a first deployment creates the tagged endpoint, waits for it, then scales it; no canary, no alarms', () => {
  const steps = plan([...newModel, '--create', '--min-instances', '2', '--max-instances', '6']);
  assert.deepEqual(
    steps.map((s) => s.command),
    [
      'CreateModel',
      'CreateEndpointConfig',
      'CreateEndpoint',
      'WaitForEndpoint',
      'RegisterScalableTarget',
      'PutScalingPolicy',
    ],
  );
  assert.deepEqual(input(steps, 'CreateEndpoint'), {
    EndpointName: 'reco-shelf',
    EndpointConfigName: 'reco-shelf-20260102030405',
    Tags: [{ Key: 'reco-shelf:model-version', Value: 'ease-buy-again-all-0badc0de' }],
  });
  assert.equal((input(steps, 'RegisterScalableTarget') as { MaxCapacity: number }).MaxCapacity, 6);
});

test('the model is named from the archive deployed, not from any local artifact', () => {
  const other = archiveOf('item-knn-all-12345678');
  const noArchive = newModel.filter((a, i) => a !== '--archive' && newModel[i - 1] !== '--archive');
  const steps = plan([...noArchive, '--archive', other, '--create']);
  assert.equal((input(steps, 'CreateModel') as { ModelName: string }).ModelName, 'reco-shelf-item-knn-all-12345678');
  assert.throws(() => plan(noArchive), /--archive model\.tar\.gz/);
  assert.throws(() => plan([...noArchive, '--archive', join(scratch, 'none.tar.gz')]), /no archive at/);
});

test('variants carry their own instance type; data capture and the canary follow their options', () => {
  const steps = plan([
    ...newModel,
    '--update',
    '--variant',
    'champion=reco-shelf-old:0.9:ml.c6i.xlarge:2',
    '--variant',
    'challenger=new:0.1:ml.c7i.large',
    '--capture-percent',
    '100',
    '--capture-uri',
    's3://audit/capture',
    '--canary-percent',
    '25',
    '--bake-minutes',
    '5',
    '--alarm',
    'shop-conversion-drop',
    '--no-autoscaling',
  ]);
  const config = input(steps, 'CreateEndpointConfig') as {
    ProductionVariants: { InstanceType: string; InitialInstanceCount: number }[];
    DataCaptureConfig: { InitialSamplingPercentage: number; DestinationS3Uri: string };
  };
  assert.deepEqual(
    config.ProductionVariants.map((v) => [v.InstanceType, v.InitialInstanceCount]),
    [
      ['ml.c6i.xlarge', 2],
      ['ml.c7i.large', 3],
    ],
  );
  assert.equal(config.DataCaptureConfig.InitialSamplingPercentage, 100);
  assert.equal(config.DataCaptureConfig.DestinationS3Uri, 's3://audit/capture');
  const update = input(steps, 'UpdateEndpoint') as {
    DeploymentConfig: {
      BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { CanarySize: { Value: number } } };
      AutoRollbackConfiguration: { Alarms: { AlarmName: string }[] };
    };
  };
  // 25 % of the smaller variant's two instances, rounded down, is none: one whole instance.
  assert.equal(update.DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.CanarySize.Value, 1);
  const rollback = update.DeploymentConfig.AutoRollbackConfiguration.Alarms.map((a) => a.AlarmName);
  assert.equal(rollback.length, 1 + 2 * 2, "the named alarm and the new fleet's two per variant");
  assert.equal(rollback[0], 'shop-conversion-drop');
  assert.equal(steps.filter((s) => s.service === 'application-autoscaling').length, 0);
  assert.equal(
    'DataCaptureConfig' in (input(plan([...newModel, '--no-data-capture']), 'CreateEndpointConfig') as object),
    false,
  );
  assert.throws(() => plan([...newModel, '--capture-percent', '0']), /sampling must be 1\.\.100/);
});

test('--no-canary: an update that adds a variant switches all at once, with no alarms to roll back on', () => {
  const steps = plan([
    ...newModel,
    '--update',
    '--no-canary',
    '--variant',
    'champion=old:9',
    '--variant',
    'challenger=new:1',
  ]);
  assert.deepEqual(input(steps, 'UpdateEndpoint'), {
    EndpointName: 'reco-shelf',
    EndpointConfigName: 'reco-shelf-20260102030405',
  });
  assert.equal(steps.filter((s) => s.command === 'PutMetricAlarm').length, 0);
});

test('--shift-weights rolls traffic over with UpdateEndpointWeightsAndCapacities and waits', () => {
  const steps = plan(['--shift-weights', 'champion=0.2,challenger=0.8']);
  assert.deepEqual(steps[0], {
    service: 'sagemaker',
    command: 'UpdateEndpointWeightsAndCapacities',
    input: {
      EndpointName: 'reco-shelf',
      DesiredWeightsAndCapacities: [
        { VariantName: 'champion', DesiredWeight: 0.2 },
        { VariantName: 'challenger', DesiredWeight: 0.8 },
      ],
    },
  });
  assert.equal(steps[1]?.command, 'WaitForEndpoint');
});

test('--shift-weights refuses a pair without its "=", a repeated name, a non-number and all zeros', () => {
  assert.throws(() => plan(['--shift-weights', 'champion']), /NAME=WEIGHT pairs, got "champion"/);
  assert.throws(() => plan(['--shift-weights', 'champion=1,challenger']), /got "challenger"/);
  assert.throws(() => plan(['--shift-weights', 'a=1,a=2']), /names a twice/);
  assert.throws(() => plan(['--shift-weights', 'a=heavy']), /got "a=heavy"/);
  assert.throws(() => plan(['--shift-weights', 'a=0,b=0']), /no variant a weight above 0/);
});

test('weights set on the endpoint are refused while the proxy pins variants, unless forced (then warned)', () => {
  const pinned = { RECO_VARIANTS: 'champion=9,challenger=1' };
  assert.throws(
    () => plan(['--shift-weights', 'champion=1'], pinned),
    /RECO_VARIANTS in this environment.*TargetVariant/,
  );
  const proxyEnv = join(scratch, 'proxy.env');
  writeFileSync(proxyEnv, 'PROXY_PORT=3000\nexport RECO_VARIANTS="a=1,b=1"\n');
  assert.throws(
    () => plan([...newModel, '--variant', 'a=new:1', '--variant', 'b=old:1', '--proxy-env', proxyEnv]),
    /RECO_VARIANTS in .*proxy\.env \("a=1,b=1"\)/,
  );
  const forced = planFromArgs(['--shift-weights', 'champion=1', '--force-weights'], new Date(), pinned);
  assert.match(forced.warnings[0]!, /WARNING .*overrides them/);
  // One variant: no weights to fight over, so a pinned proxy does not block a canary of AllTraffic.
  assert.doesNotThrow(() => plan([...newModel, '--update'], pinned));
  // RECO_VARIANTS used to be read by hand: a blank one is unset, a misspelt one is refused, named.
  assert.doesNotThrow(() => plan(['--shift-weights', 'champion=1'], { RECO_VARIANTS: '  ' }));
  assert.throws(
    () => plan(['--shift-weights', 'champion=1'], { RECO_VARIANT: 'champion=9,challenger=1' }),
    (error: Error) => error.message === 'deploy: RECO_VARIANT: no process reads it; did you mean RECO_VARIANTS?',
  );
});

test('bad input is refused before anything is sent', () => {
  assert.throws(() => plan([...newModel, '--variant', 'a=new']), /NAME=MODEL:WEIGHT/);
  assert.throws(() => plan([...newModel, '--variant', 'a=new:0']), /weight above 0/);
  assert.throws(() => plan([...newModel, '--model-data', 'https://x']), /s3:\/\//);
  assert.throws(() => plan([...newModel, '--update', '--create']), /contradict/);
  assert.throws(() => plan([...newModel, '--canary-percent', '100']), /canary-percent/);
});

test('a canary is at most half of each variant and one whole instance at least on each side', () => {
  const canaryOf = (args: string[]): number =>
    (
      input(plan([...newModel, '--update', ...args]), 'UpdateEndpoint') as {
        DeploymentConfig: { BlueGreenUpdatePolicy: { TrafficRoutingConfiguration: { CanarySize: { Value: number } } } };
      }
    ).DeploymentConfig.BlueGreenUpdatePolicy.TrafficRoutingConfiguration.CanarySize.Value;
  assert.equal(canaryOf(['--instance-count', '4', '--canary-percent', '50']), 2);
  assert.equal(canaryOf(['--instance-count', '10', '--canary-percent', '20']), 2);
  assert.equal(canaryOf(['--instance-count', '2', '--canary-percent', '5']), 1);
  // AWS takes at most 50 %; the old default accepted 99.
  assert.throws(() => plan([...newModel, '--update', '--canary-percent', '51']), /at most 50/);
  assert.throws(() => plan([...newModel, '--update', '--canary-percent', '99']), /at most 50/);
  // One instance: a "10 %" canary would be the whole new fleet.
  assert.throws(
    () => plan([...newModel, '--update', '--instance-count', '1']),
    /at least 2 instances in every variant \(one whole instance on each side\), got 1/,
  );
  assert.throws(
    () => plan([...newModel, '--update', '--variant', 'a=new:1:ml.c6i.large:1', '--variant', 'b=old:1']),
    /got 1/,
  );
  // Without a canary one instance is allowed (all at once).
  assert.doesNotThrow(() => plan([...newModel, '--update', '--no-canary', '--instance-count', '1']));
});

test('at most ten alarms roll a deployment back', () => {
  const variants = (n: number): string[] => Array.from({ length: n }, (_, i) => ['--variant', `v${i}=new:1`]).flat();
  const rollback = (args: string[]): number =>
    (
      input(plan([...newModel, '--update', ...args]), 'UpdateEndpoint') as {
        DeploymentConfig: { AutoRollbackConfiguration: { Alarms: unknown[] } };
      }
    ).DeploymentConfig.AutoRollbackConfiguration.Alarms.length;
  assert.equal(rollback([...variants(4), '--alarm', 'a', '--alarm', 'b']), 10);
  assert.throws(
    () => plan([...newModel, '--update', ...variants(5), '--alarm', 'a']),
    /11 rollback alarms.*at most 10/,
  );
  assert.throws(() => plan([...newModel, '--update', ...variants(6)]), /12 rollback alarms/);
  assert.equal(rollback([...variants(6), '--no-create-alarms', '--alarm', 'mine']), 1);
});

test("instance counts and the scaling target come from the load test's result, or must be given", () => {
  const missing = join(scratch, 'no-loadtest.json');
  const withoutResult = newModel.map((a) => (a === loadTest ? missing : a));
  assert.throws(
    () => plan([...withoutResult, '--create']),
    /no load test result at .*no-loadtest\.json: run npm run model:loadtest .*--instance-count, --min-instances/,
  );
  const given = plan([
    ...withoutResult,
    ...['--create', '--instance-count', '2', '--min-instances', '2', '--max-instances', '5'],
    ...['--invocations-per-instance', '9000'],
  ]);
  assert.equal((input(given, 'RegisterScalableTarget') as { MaxCapacity: number }).MaxCapacity, 5);
  assert.doesNotThrow(() => plan([...withoutResult, '--create', '--instance-count', '2', '--no-autoscaling']));
  // The committed result (model/image/loadtest-result.json) is the default.
  const committed = readLoadTestResult()!;
  const byDefault = plan(newModel.slice(2).concat('--create'));
  const variant = (
    input(byDefault, 'CreateEndpointConfig') as { ProductionVariants: { InitialInstanceCount: number }[] }
  ).ProductionVariants[0]!;
  assert.equal(variant.InitialInstanceCount, committed.instances);
  assert.equal(
    (input(byDefault, 'PutScalingPolicy') as { TargetTrackingScalingPolicyConfiguration: { TargetValue: number } })
      .TargetTrackingScalingPolicyConfiguration.TargetValue,
    Math.floor(committed.best!.requestsPerSecond * committed.utilisation * 60),
  );
});
