import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { developmentPseudonymKey } from '../../environment/development-keys.ts';
import { EventLog } from '../../server/events/event-log.ts';
import type { ShelfEvent } from '../../server/events/shelf-event.ts';
import { writeStackFile } from '../../workshop/local-stack/stack-lifetime.ts';
import { eventLogOptions } from '../../workshop/test-support/event-store.ts';
import { sdkClientFor } from '../../workshop/test-support/sdk-client.ts';
import { projectRoot } from '../../workshop/test-support/child.ts';
import { type FakeContainer, startFakeContainer } from '../../workshop/test-support/fake-container.ts';
import { type StartedLocalRuntime, startLocalRuntime } from '../../workshop/test-support/local-sagemaker.ts';
import { type RetrainWorld, worldKey, writeRetrainWorld } from '../../workshop/test-support/retrain-world.ts';
import { stopPromotedContainers } from './local-promotion.ts';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'retrain-cli-'));

/** Runs `npm run retrain` on the world, as a separate process; never throws on a non-zero exit. */
async function retrainCli(
  w: RetrainWorld,
  args: string[],
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = ['--import', 'tsx', 'model/retrain/retrain-cli.ts', '--history', w.historyDir, '--events', w.eventsFile];
  // The world's window holds a few dozen customers; the gate's minimum is lowered unless a test sets it.
  const minimum = args.includes('--min-customers') ? [] : ['--min-customers', '20'];
  argv.push('--serving', w.servingDir, '--versions', w.versionsDir, ...minimum, ...args);
  try {
    const { stdout, stderr } = await run(process.execPath, argv, {
      cwd: projectRoot,
      env: { ...process.env, RECO_PSEUDONYM_KEY: worldKey, ...extraEnv },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('npm run retrain -- --promote, against a running local runtime', () => {
  let champion: FakeContainer;
  let runtime: StartedLocalRuntime;
  let client: SageMakerRuntimeClient;
  const w = writeRetrainWorld(join(scratch, 'promote'));
  const logDir = join(scratch, 'promote-logs');

  before(async () => {
    champion = await startFakeContainer();
    runtime = await startLocalRuntime({ variants: [{ name: 'AllTraffic', url: champion.url, weight: 1 }] });
    client = sdkClientFor(runtime);
    // This test process stands for the stack: a challenger it leaves behind ends with it.
    mkdirSync(logDir, { recursive: true });
    writeStackFile(logDir, { sagemaker: runtime.url });
  });
  after(async () => {
    stopPromotedContainers(logDir);
    client.destroy();
    await runtime.close();
    await champion.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('ships the version, starts its container and routes 10 % to it beside the champion', async () => {
    const { code, stdout, stderr } = await retrainCli(w, [
      '--promote',
      '--runtime-url',
      runtime.url,
      '--log-dir',
      logDir,
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /gate: PASSED/);
    assert.match(stdout, /\(pid \d+\)/);
    assert.match(stdout, new RegExp(`the challenger stops with the stack \\(launcher pid ${process.pid}\\)`));
    const variants = runtime.runtime.variants();
    assert.deepEqual(
      variants.map((v) => [v.name.replace(/[0-9a-f]{8}$/, 'HASH'), v.weight]),
      [
        ['AllTraffic', 90],
        ['ease-buy-again-all-HASH', 10],
      ],
    );
    // The challenger is a real model container serving the new artifact.
    const answer = await client.send(
      new InvokeEndpointCommand({
        EndpointName: runtime.endpointName,
        ContentType: 'application/json',
        TargetVariant: variants[1]!.name,
        Body: JSON.stringify({ k: 3 }),
      }),
    );
    assert.equal(answer.InvokedProductionVariant, variants[1]!.name);
    const body = JSON.parse(Buffer.from(answer.Body!).toString('utf8')) as {
      recommendations: unknown[];
      modelVersion: string;
    };
    assert.equal(body.recommendations.length, 3);
    assert.equal(body.modelVersion, variants[1]!.name, 'the variant is named after the version it serves');
  });

  test('--promote --full makes it the champion on the same container, the old one kept at weight 0', async () => {
    // No shopper has seen the challenger yet: refused (the gate's exit code), champion vs challenger shown.
    const refused = await retrainCli(w, ['--promote', '--full', '--runtime-url', runtime.url, '--log-dir', logDir]);
    assert.equal(refused.code, 10, refused.stderr);
    assert.match(refused.stdout, /not enough evidence: 0 of 300 shoppers/);
    assert.match(refused.stderr, /--full refused without enough online evidence/);
    const { code, stdout, stderr } = await retrainCli(w, [
      ...['--promote', '--full', '--force', '--runtime-url', runtime.url, '--log-dir', logDir],
    ]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /already built/);
    assert.match(stdout, /already running/);
    assert.deepEqual(
      runtime.runtime.variants().map((v) => v.weight),
      [0, 100],
    );
  });

  test('stopping the stack stops the containers --promote started', async () => {
    const url = runtime.runtime.variants()[1]!.url;
    assert.equal(stopPromotedContainers(logDir), 1);
    const deadline = Date.now() + 10_000;
    while (
      await fetch(`${url}/ping`).then(
        (r) => r.ok,
        () => false,
      )
    ) {
      assert.ok(Date.now() < deadline, 'the challenger still answers');
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(stopPromotedContainers(logDir), 0, 'and forgets them');
  });
});

test('the CLI ends a planned stop with its exit code and a one-line reason on stderr', async () => {
  const w = writeRetrainWorld(join(scratch, 'corrupt'));
  truncateSync(join(w.servingDir, 'manifest.json'), 5);
  const { code, stderr } = await retrainCli(w, []);
  assert.equal(code, 5);
  assert.match(stderr, /^retrain: the serving artifact .* cannot be read/);
  assert.equal((await retrainCli(w, ['--full'])).code, 2, '--full without --promote is a usage error');
});

test('too few test customers for the default minimum: exit 11, "not enough evidence", nothing built', async () => {
  const w = writeRetrainWorld(join(scratch, 'tiny'));
  const { code, stdout, stderr } = await retrainCli(w, ['--min-customers', '300']);
  assert.equal(code, 11, stderr);
  assert.match(stdout, /FAIL {2}≥ 300 test customers \(all\): \d+ customers/);
  assert.match(stdout, /gate: NOT ENOUGH EVIDENCE/);
  assert.match(stdout, /nothing shipped, nothing refused/);
});

/** The JSON requests a dry run printed, in order. */
const printedSteps = (stdout: string): { service: string; command: string; input: Record<string, unknown> }[] =>
  [...stdout.matchAll(/^\{\n[\s\S]*?^\}$/gm)].map((m) => JSON.parse(m[0]));

describe('npm run retrain -- --cloud --dry-run prints every AWS request and sends none', () => {
  // No credentials and a dead endpoint: a request actually sent would fail the run.
  const noAws = { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'eu-west-1' };
  const cloud = [
    '--cloud',
    '--dry-run',
    '--s3-uri',
    's3://reco-models/flywheel',
    '--image',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/reco-shelf-model:8',
    '--role',
    'arn:aws:iam::123456789012:role/SageMaker',
  ];

  test('upload the archive, create the model named from it, roll it out as a guarded canary', async () => {
    const w = writeRetrainWorld(join(scratch, 'cloud'));
    const { code, stdout, stderr } = await retrainCli(w, cloud, noAws);
    assert.equal(code, 0, stderr);
    const steps = printedSteps(stdout);
    const version = /built (ease-buy-again-all-[0-9a-f]{8})/.exec(stdout)![1]!;
    assert.deepEqual(steps[0], {
      service: 's3',
      command: 'PutObject',
      input: {
        Bucket: 'reco-models',
        Key: `flywheel/${version}/model.tar.gz`,
        Body: join(w.versionsDir, version, 'model.tar.gz'),
      },
    });
    assert.deepEqual(
      steps.map((s) => s.command),
      ['PutObject', 'CreateModel', 'CreateEndpointConfig', 'PutMetricAlarm', 'PutMetricAlarm', 'PutMetricAlarm'].concat(
        ['UpdateEndpoint', 'WaitForEndpoint', 'RegisterScalableTarget', 'PutScalingPolicy'],
      ),
    );
    assert.equal(steps[1]!.input.ModelName, `reco-shelf-${version}`);
    assert.match(stdout, /dry run, 10 AWS request\(s\) not sent/);
  });

  test("refuses without the shop's own RECO_PSEUDONYM_KEY, before anything is built or sent", async () => {
    const w = writeRetrainWorld(join(scratch, 'cloud-no-key'));
    const unset = await retrainCli(w, cloud, { ...noAws, RECO_PSEUDONYM_KEY: undefined });
    assert.equal(unset.code, 2, unset.stderr);
    assert.match(unset.stderr, /^retrain: --cloud needs RECO_PSEUDONYM_KEY/);
    assert.equal(printedSteps(unset.stdout).length, 0, 'no AWS request printed');
    assert.doesNotMatch(unset.stdout, /using the demo key/);
    assert.equal(existsSync(w.versionsDir), false, 'nothing built');
    const demo = await retrainCli(w, cloud, { ...noAws, RECO_PSEUDONYM_KEY: developmentPseudonymKey });
    assert.equal(demo.code, 2, demo.stderr);
    assert.match(demo.stderr, /refuses the demo RECO_PSEUDONYM_KEY/);
    // A local run keeps the convenience: the demo key, said so.
    const local = await retrainCli(w, [], { RECO_PSEUDONYM_KEY: undefined });
    assert.match(local.stdout, /RECO_PSEUDONYM_KEY is not set; using the demo key/);
  });

  test('--train-in-cloud: a gate job on the data before the window, judged, then the job that deploys', async () => {
    const w = writeRetrainWorld(join(scratch, 'train-in-cloud'));
    const { code, stdout, stderr } = await retrainCli(w, [...cloud, '--train-in-cloud', '--create'], noAws);
    assert.equal(code, 0, stderr);
    const steps = printedSteps(stdout);
    type Job = {
      TrainingJobName: string;
      HyperParameters: Record<string, string>;
      InputDataConfig: { DataSource: { S3DataSource: { S3Uri: string } } }[];
      OutputDataConfig: { S3OutputPath: string };
    };
    assert.deepEqual(
      steps.slice(0, 6).map((s) => s.command),
      ['PutObject', 'CreateTrainingJob', 'WaitForTrainingJob', 'PutObject', 'CreateTrainingJob', 'WaitForTrainingJob'],
    );
    const [gateData, gateJob, , data, job] = steps.map((s) => s.input) as [
      Record<string, unknown>,
      Job,
      unknown,
      Record<string, unknown>,
      Job,
    ];
    const base = /^flywheel\/ease-buy-again-all-[0-9a-f]{8}\//;
    assert.match(String(gateData.Key), new RegExp(`${base.source}training-gate/purchases\\.csv\\.gz$`));
    assert.match(String(data.Key), new RegExp(`${base.source}training/purchases\\.csv\\.gz$`));
    assert.equal(gateJob.TrainingJobName, `${job.TrainingJobName}-gate`);
    for (const [channel, j] of [
      [gateData, gateJob],
      [data, job],
    ] as const)
      assert.equal(
        j.InputDataConfig[0]!.DataSource.S3DataSource.S3Uri,
        `s3://reco-models/${String(channel.Key).replace(/purchases\.csv\.gz$/, '')}`,
      );
    // The gate sits between the two jobs: the printed plan names the archive it judges.
    const gateArchive = `${gateJob.OutputDataConfig.S3OutputPath}/${gateJob.TrainingJobName}/output/model.tar.gz`;
    const gateLine = `retrain: gate — ${gateArchive}`;
    const at = stdout.indexOf(gateLine);
    assert.ok(at > 0, stdout);
    assert.ok(at > stdout.indexOf('WaitForTrainingJob') && at < stdout.lastIndexOf('CreateTrainingJob'));
    assert.equal(job.HyperParameters.algorithm, 'ease+buy-again');
    assert.equal(typeof JSON.parse(job.HyperParameters.params!).lambda, 'number');
    const model = steps.find((s) => s.command === 'CreateModel')!.input as {
      ModelName: string;
      PrimaryContainer: { ModelDataUrl: string };
    };
    assert.equal(model.ModelName, job.TrainingJobName);
    assert.equal(
      model.PrimaryContainer.ModelDataUrl,
      `${job.OutputDataConfig.S3OutputPath}/${job.TrainingJobName}/output/model.tar.gz`,
    );
    assert.ok(
      steps.some((s) => s.command === 'CreateEndpoint'),
      '--create: a first deployment',
    );
  });
});

describe('npm run retrain reading the event folder itself', () => {
  test("its scratch export of the shoppers' purchases is gone when the command ends", async () => {
    const w = writeRetrainWorld(join(scratch, 'scratch-export'));
    const eventsDir = join(scratch, 'scratch-export-events');
    const store = await EventLog.open(eventLogOptions(eventsDir));
    const purchase = (n: number): ShelfEvent => ({
      id: `scratch-${String(n).padStart(4, '0')}`,
      type: 'purchase',
      placement: 'home',
      itemId: '85123A',
      userId: `1200${n}`,
      ts: Date.now() - 1000,
    });
    await store.append([purchase(1), purchase(2)]);
    await store.close();
    const out = join(scratch, 'scratch-export-out');
    const argv = ['--import', 'tsx', 'model/retrain/retrain-cli.ts', '--history', w.historyDir];
    argv.push('--events-dir', eventsDir, '--versions', w.versionsDir, '--export-only', '--out', out);
    const env = { ...process.env, RECO_PSEUDONYM_KEY: worldKey, RECO_ALLOW_RAW_USER_IDS: 'true' };
    await run(process.execPath, argv, { cwd: projectRoot, env });
    assert.ok(existsSync(join(out, 'export.json')), 'the export ran on the exported events');
    assert.deepEqual(readdirSync(join(w.versionsDir, '.exports')), []);
  });
});

describe('npm run retrain when nothing ships', () => {
  test('names the folder of its report, which holds the report', async () => {
    const w = writeRetrainWorld(join(scratch, 'unshipped'));
    const { code, stdout, stderr } = await retrainCli(w, ['--min-customers', '100000']);
    assert.equal(code, 11, stderr);
    const named = /Report: (\S+)\/$/m.exec(stdout)?.[1];
    assert.ok(named, stdout);
    assert.match(named, /not-enough-evidence-\d{4}-/);
    assert.ok(existsSync(join(named, 'retrain-report.json')));
  });
});
