import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { planFromArgs } from './deploy.ts';

const cli = fileURLToPath(new URL('./deploy.ts', import.meta.url));
const newModel = [
  '--image',
  '123456789012.dkr.ecr.eu-west-1.amazonaws.com/reco-shelf-model:7',
  '--model-data',
  's3://bucket/reco/model.tar.gz',
  '--role',
  'arn:aws:iam::123456789012:role/SageMaker',
  '--model-name',
  'reco-shelf-ease-new',
];

test('--dry-run prints CreateModel, a two-variant weighted CreateEndpointConfig and UpdateEndpoint, sending nothing', () => {
  // No credentials, no region and a dead endpoint URL: any real call would fail the command.
  const output = execFileSync(
    process.execPath,
    [
      '--import',
      'tsx',
      cli,
      '--dry-run',
      ...newModel,
      '--variant',
      'champion=reco-shelf-ease-old:0.9',
      '--variant',
      'challenger=new:0.1',
      '--config-name',
      'reco-shelf-cfg-1',
      '--update',
    ],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
    },
  );
  const steps = [...output.matchAll(/^\{\n[\s\S]*?^\}$/gm)].map(
    (m) => JSON.parse(m[0]) as { command: string; input: Record<string, unknown> },
  );
  assert.deepEqual(
    steps.map((s) => s.command),
    ['CreateModel', 'CreateEndpointConfig', 'UpdateEndpoint'],
  );
  assert.deepEqual(steps[0]!.input, {
    ModelName: 'reco-shelf-ease-new',
    ExecutionRoleArn: 'arn:aws:iam::123456789012:role/SageMaker',
    PrimaryContainer: {
      Image: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/reco-shelf-model:7',
      ModelDataUrl: 's3://bucket/reco/model.tar.gz',
      Mode: 'SingleModel',
    },
  });
  assert.deepEqual(steps[1]!.input, {
    EndpointConfigName: 'reco-shelf-cfg-1',
    ProductionVariants: [
      {
        VariantName: 'champion',
        ModelName: 'reco-shelf-ease-old',
        InstanceType: 'ml.c6i.large',
        InitialInstanceCount: 1,
        InitialVariantWeight: 0.9,
      },
      {
        VariantName: 'challenger',
        ModelName: 'reco-shelf-ease-new',
        InstanceType: 'ml.c6i.large',
        InitialInstanceCount: 1,
        InitialVariantWeight: 0.1,
      },
    ],
  });
  assert.deepEqual(steps[2]!.input, { EndpointName: 'reco-shelf', EndpointConfigName: 'reco-shelf-cfg-1' });
  assert.match(output, /dry run, 3 request\(s\) not sent/);
});

test('a first deployment creates the endpoint with one AllTraffic variant', () => {
  const { steps } = planFromArgs(['--dry-run', ...newModel], new Date('2026-01-02T03:04:05Z'));
  assert.deepEqual(
    steps.map((s) => s.command),
    ['CreateModel', 'CreateEndpointConfig', 'CreateEndpoint'],
  );
  assert.deepEqual(steps[2]!.input, { EndpointName: 'reco-shelf', EndpointConfigName: 'reco-shelf-20260102030405' });
});

test('--shift-weights rolls traffic over with UpdateEndpointWeightsAndCapacities only', () => {
  const { steps } = planFromArgs(['--dry-run', '--shift-weights', 'champion=0.2,challenger=0.8']);
  assert.deepEqual(steps, [
    {
      command: 'UpdateEndpointWeightsAndCapacities',
      input: {
        EndpointName: 'reco-shelf',
        DesiredWeightsAndCapacities: [
          { VariantName: 'champion', DesiredWeight: 0.2 },
          { VariantName: 'challenger', DesiredWeight: 0.8 },
        ],
      },
    },
  ]);
});

test('bad input is refused before anything is sent', () => {
  assert.throws(() => planFromArgs([...newModel, '--variant', 'a=new']), /NAME=MODEL:WEIGHT/);
  assert.throws(() => planFromArgs([...newModel, '--variant', 'a=new:0']), /weight above 0/);
  assert.throws(
    () => planFromArgs([...newModel.slice(0, 2), '--model-data', 'https://x', '--role', 'r', '--model-name', 'm']),
    /s3:\/\//,
  );
});
