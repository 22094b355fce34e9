/**
 * The cloud roll-out judges the model its gate job trained before anything is deployed: the archive
 * is fetched from the S3 stand-in (s3rver, the S3 wire protocol), scored on the window, and the deploy
 * phase is sent only on a pass. The jobs are stood in for by the image's own training job run here on
 * the exported `gate` channel; the AWS sends are recorded, not sent.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { StartedChild } from '../../workshop/test-support/child.ts';
import { worldKey, writeRetrainWorld } from '../../workshop/test-support/retrain-world.ts';
import {
  type S3ServerInfo,
  s3rverCredentials,
  startS3Server,
  testS3Client,
} from '../../workshop/test-support/s3-server.ts';
import type { DeployStep } from '../deploy/plan.ts';
import type { ModelParams, ShippableModel } from '../training/candidates.ts';
import { packageModel, tarGz } from '../training/package.ts';
import { readShippedConfig } from '../training/shipped-config.ts';
import { runTrainingJob } from '../training/training-job.ts';
import { gateCloudModel, rollOutInCloud } from './cloud-gate.ts';
import type { CloudPlan } from './cloud-rollout.ts';
import { exportTrainingChannel } from './export-channel.ts';
import { defaultGateRules } from './gate.ts';
import { openTestWindow, type TestWindow } from './gate-window.ts';

const scratch = mkdtempSync(join(tmpdir(), 'cloud-gate-'));
const w = writeRetrainWorld(join(scratch, 'world'));
const bucket = 'reco-models';
const shipped = readShippedConfig();
// The world's window holds a few dozen customers: the gate's minimum is lowered, as in the retrain's tests.
const rules = { ...defaultGateRules, minCustomers: 20 };
let server: StartedChild<S3ServerInfo>;
let window: TestWindow;

/** What a cloud training job on the gate channel writes: the image's job, packed as SageMaker packs it. */
function trainedArchive(name: string, model: { name: ShippableModel; params: ModelParams }): Buffer {
  const job = join(scratch, name);
  mkdirSync(join(job, 'input', 'config'), { recursive: true });
  const params = JSON.stringify(model.params, (_k, v) => (v === Infinity ? 'Infinity' : v));
  writeFileSync(
    join(job, 'input', 'config', 'hyperparameters.json'),
    JSON.stringify({ algorithm: model.name, params }),
  );
  const code = runTrainingJob({
    SM_INPUT_DIR: join(job, 'input'),
    SM_MODEL_DIR: join(job, 'model'),
    SM_OUTPUT_DIR: join(job, 'output'),
    SM_CHANNEL_TRAINING: join(scratch, 'export', 'gate', 'training'),
  });
  assert.equal(code, 0);
  packageModel(join(job, 'model'), join(job, 'model.tar.gz'));
  return readFileSync(join(job, 'model.tar.gz'));
}

async function upload(key: string, body: Buffer): Promise<string> {
  const client = testS3Client(server.info.url);
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  } finally {
    client.destroy();
  }
  return `s3://${bucket}/${key}`;
}

const s3 = () => ({
  endpoint: server.info.url,
  forcePathStyle: true,
  region: 'eu-west-2',
  credentials: s3rverCredentials,
});

/** A plan whose phases are recognisable; the sends are recorded. */
function planFor(gateModelData: string): {
  plan: CloudPlan;
  sent: string[];
  send: (s: readonly DeployStep[]) => Promise<void>;
} {
  const step = (command: string): DeployStep => ({ service: 'sagemaker', command, input: {} }) as unknown as DeployStep;
  const sent: string[] = [];
  return {
    plan: {
      beforeGate: [step('CreateTrainingJob'), step('WaitForTrainingJob')],
      gateModelData,
      afterGate: [step('CreateTrainingJob'), step('WaitForTrainingJob'), step('CreateModel'), step('UpdateEndpoint')],
    },
    sent,
    send: async (steps) => {
      for (const s of steps) sent.push(s.command);
    },
  };
}

before(async () => {
  server = await startS3Server(join(scratch, 's3'), bucket);
  const options = {
    historyDir: w.historyDir,
    eventFiles: [w.eventsFile],
    pseudonymKey: worldKey,
    rebaseHistory: true,
    windowDays: 14,
  };
  exportTrainingChannel({ ...options, outDir: join(scratch, 'export') });
  window = openTestWindow({ ...options, servingDir: w.servingDir });
});
after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

describe('a cloud roll-out with --train-in-cloud', () => {
  test('the shipped recipe trained in the cloud passes, and then the deploy phase is sent', async () => {
    const uri = await upload('v/training-output/job-gate/output/model.tar.gz', trainedArchive('good', shipped));
    const { plan, sent, send } = planFor(uri);
    const lines: string[] = [];
    const gate = (u: string) => gateCloudModel(u, window, shipped.params, rules, s3());
    const code = await rollOutInCloud(plan, send, gate, (line) => lines.push(line));
    assert.equal(code, 0, lines.join('\n'));
    assert.match(lines.join('\n'), /gate: PASSED/);
    assert.deepEqual(sent, [
      ...['CreateTrainingJob', 'WaitForTrainingJob'],
      ...['CreateTrainingJob', 'WaitForTrainingJob', 'CreateModel', 'UpdateEndpoint'],
    ]);
  });

  test('a worse model trained in the cloud is refused, exit 10, and nothing is deployed', async () => {
    // Popularity's recipe in EASE's clothes: one history item, no buy-again, a matrix that says nothing.
    const weak = { name: 'ease' as const, params: { ...shipped.params, lambda: 1e12, repeatWeight: 0, historyCap: 1 } };
    const uri = await upload('v/training-output/weak-gate/output/model.tar.gz', trainedArchive('weak', weak));
    const { plan, sent, send } = planFor(uri);
    const lines: string[] = [];
    const gate = (u: string) => gateCloudModel(u, window, shipped.params, rules, s3());
    const code = await rollOutInCloud(plan, send, gate, (line) => lines.push(line));
    assert.equal(code, 10, lines.join('\n'));
    assert.match(lines.join('\n'), /gate: REFUSED/);
    assert.match(lines.join('\n'), /nothing deployed \(4 AWS request\(s\) not sent\)/);
    assert.deepEqual(sent, ['CreateTrainingJob', 'WaitForTrainingJob'], 'only the gate job ran');
  });

  test("a foreign image's archive stops the roll-out with exit 9 and the way to judge it", async () => {
    const foreign = tarGz([{ name: 'model.pkl', data: Buffer.from('not ours') }]);
    const uri = await upload('v/training-output/foreign-gate/output/model.tar.gz', foreign);
    const { plan, sent, send } = planFor(uri);
    const gate = (u: string) => gateCloudModel(u, window, shipped.params, rules, s3());
    await assert.rejects(
      rollOutInCloud(plan, send, gate, () => {}),
      (error: Error & { exitCode: number }) => {
        assert.equal(error.exitCode, 9);
        assert.match(error.message, /not a reco-shelf artifact .*npm run gate -- --candidate-url/);
        return true;
      },
    );
    assert.deepEqual(sent, ['CreateTrainingJob', 'WaitForTrainingJob']);
  });
});
