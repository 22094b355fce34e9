/**
 * The loop for a container of any language, end to end as a foreign team would run it: export the
 * training channel, train on its `gate` part (here with the image's own training job, standing in for
 * any trainer), serve the result (the real reference container, on a loopback port), judge it with
 * `npm run gate -- --candidate-url`, then promote it as the challenger through the local runtime's
 * variants. Containers that answer badly, or break the contract, are judged from what they answer.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { pseudonymOf, pseudonymPrefix } from '../../contracts/pseudonym.ts';
import { projectRoot } from '../../workshop/test-support/child.ts';
import { type FakeContainer, startFakeContainer } from '../../workshop/test-support/fake-container.ts';
import { startLocalRuntime } from '../../workshop/test-support/local-sagemaker.ts';
import { worldKey, writeRetrainWorld } from '../../workshop/test-support/retrain-world.ts';
import { sdkClientFor } from '../../workshop/test-support/sdk-client.ts';
import { until } from '../../workshop/test-support/until.ts';
import { freeLoopbackPort } from '../container/loopback-port.ts';
import { cutoffOf } from '../evaluation/evaluate-recommender.ts';
import { readShippedConfig } from '../training/shipped-config.ts';
import { runTrainingJob } from '../training/training-job.ts';
import { gateViews } from './gate.ts';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'foreign-container-'));
const w = writeRetrainWorld(join(scratch, 'world'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs a CLI of model/retrain on the world as its own process; never throws on a non-zero exit. */
async function cli(entry: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = ['--import', 'tsx', `model/retrain/${entry}`, '--history', w.historyDir, '--events', w.eventsFile];
  argv.push('--serving', w.servingDir, '--versions', w.versionsDir, ...args);
  try {
    const { stdout, stderr } = await run(process.execPath, argv, {
      cwd: projectRoot,
      env: { ...process.env, RECO_PSEUDONYM_KEY: worldKey },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The world's window holds a few dozen customers: the gate's minimum is lowered, as in the retrain's tests. */
const small = ['--min-customers', '20'];

describe('a foreign container: exported, trained, gated and promoted', () => {
  const exportDir = join(scratch, 'export');
  let container: ChildProcess;
  let containerUrl: string;

  before(async () => {
    const exported = await cli('retrain-cli.ts', ['--export-only', '--out', exportDir]);
    assert.equal(exported.code, 0, exported.stderr);
    // The foreign trainer: anything that reads the channel; here the image's own job, on the gate part.
    const input = join(scratch, 'job', 'input');
    mkdirSync(join(input, 'config'), { recursive: true });
    const { name, params } = readShippedConfig();
    const hyper = { algorithm: name, params: JSON.stringify(params, (_k, v) => (v === Infinity ? 'Infinity' : v)) };
    writeFileSync(join(input, 'config', 'hyperparameters.json'), JSON.stringify(hyper));
    const modelDir = join(scratch, 'job', 'model');
    const trained = runTrainingJob({
      SM_INPUT_DIR: input,
      SM_MODEL_DIR: modelDir,
      SM_OUTPUT_DIR: join(scratch, 'job', 'output'),
      SM_CHANNEL_TRAINING: join(exportDir, 'gate', 'training'),
    });
    assert.equal(trained, 0);
    const port = await freeLoopbackPort();
    containerUrl = `http://127.0.0.1:${port}`;
    container = spawn(process.execPath, ['--import', 'tsx', 'model/container/serve.ts'], {
      cwd: projectRoot,
      env: { ...process.env, SM_MODEL_DIR: modelDir, SAGEMAKER_BIND_TO_PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: 'ignore',
    });
    await until(
      () =>
        fetch(`${containerUrl}/ping`).then(
          (r) => r.status,
          () => 0,
        ),
      (status) => status === 200,
      'the reference container to answer /ping',
      30_000,
    );
  });
  after(() => {
    container.kill('SIGTERM');
  });

  test('--export-only writes the gate channel (before the cut-off) and the full one, then stops', () => {
    const summary = JSON.parse(readFileSync(join(exportDir, 'export.json'), 'utf8'));
    const cutoff = Date.parse(summary.window.cutoff);
    const rows = (part: string) =>
      gunzipSync(readFileSync(join(exportDir, part, 'training', 'purchases.csv.gz')))
        .toString('utf8')
        .trimEnd()
        .split('\n');
    const gate = rows('gate');
    const full = rows('full');
    assert.equal(gate[0], summary.format.columns);
    assert.equal(gate.length - 1, summary.gate.purchases);
    assert.equal(full.length - 1, summary.full.purchases);
    assert.ok(summary.gate.purchases < summary.full.purchases);
    const time = (row: string) => Date.parse(`${row.split(',')[4]!.replace(' ', 'T')}Z`);
    assert.ok(
      gate.slice(1).every((row) => time(row) < cutoff),
      'nothing of the test window in the gate part',
    );
    assert.ok(full.slice(1).some((row) => time(row) >= cutoff));
    assert.ok(
      full.slice(1).every((row) => row.split(',')[6]!.startsWith(pseudonymPrefix)),
      'customers as pseudonyms only',
    );
    assert.match(summary.gateCommand, /^npm run gate -- --candidate-url URL /);
    // The events travel with the export: the command it prints reads files that outlive the retrain.
    assert.ok(summary.eventFiles.length > 0);
    for (const file of summary.eventFiles) {
      assert.ok(file.startsWith(exportDir) && existsSync(file), file);
      assert.ok(summary.gateCommand.includes(`--events ${file}`));
    }
    assert.equal(existsSync(join(w.versionsDir, 'serving.json')), false, 'nothing promoted');
  });

  test('npm run gate scores the running container black-box: PASSED, exit 0', async () => {
    const { code, stdout, stderr } = await cli('gate-cli.ts', ['--candidate-url', containerUrl, ...small]);
    assert.equal(code, 0, stderr + stdout);
    assert.match(
      stdout,
      new RegExp(`gate: candidate ease-buy-again-all-[0-9a-f]{8} at ${containerUrl} \\(\\d+ calls\\)`),
    );
    assert.match(stdout, /serving ease\+buy-again, re-fitted at the cut-off/);
    assert.match(stdout, /gate: PASSED/);
    // The container learnt what the serving recipe learnt, before the same cut-off: the same lists.
    const ndcg = (name: string, view: string) =>
      new RegExp(`^${name.padEnd(12)}${view.padEnd(8)}\\d+\\s+(\\S+)`, 'm').exec(stdout)![1];
    for (const view of gateViews) assert.equal(ndcg('candidate', view), ndcg('serving', view), view);
  });

  test('below the default minimum (300 test customers), the same container: not enough evidence, exit 11', async () => {
    const { code, stdout } = await cli('gate-cli.ts', ['--candidate-url', containerUrl]);
    assert.equal(code, 11, stdout);
    assert.match(stdout, /gate: NOT ENOUGH EVIDENCE/);
  });

  test("retrain --promote --candidate-url serves it as the challenger through the runtime's variants", async () => {
    const champion = await startFakeContainer();
    const runtime = await startLocalRuntime({ variants: [{ name: 'AllTraffic', url: champion.url, weight: 1 }] });
    const client = sdkClientFor(runtime);
    try {
      const args = ['--candidate-url', containerUrl, '--promote', '--runtime-url', runtime.url, ...small];
      const { code, stdout, stderr } = await cli('retrain-cli.ts', [...args, '--log-dir', join(scratch, 'logs')]);
      assert.equal(code, 0, stderr + stdout);
      assert.match(stdout, /already running/, 'nothing started: the container runs already');
      const variants = runtime.runtime.variants();
      assert.deepEqual(
        variants.map((v) => [v.name.replace(/[0-9a-f]{8}$/, 'HASH'), v.weight, v.url]),
        [
          ['AllTraffic', 90, champion.url],
          ['ease-buy-again-all-HASH', 10, containerUrl],
        ],
      );
      const answer = await client.send(
        new InvokeEndpointCommand({
          EndpointName: runtime.endpointName,
          ContentType: 'application/json',
          TargetVariant: variants[1]!.name,
          Body: JSON.stringify({ userId: pseudonymOf('12000', worldKey), items: [], k: 3, exclude: [] }),
        }),
      );
      assert.equal(answer.InvokedProductionVariant, variants[1]!.name);
      const body = JSON.parse(Buffer.from(answer.Body!).toString('utf8'));
      assert.equal(body.recommendations.length, 3);
      assert.equal(body.modelVersion, variants[1]!.name);
      assert.equal(existsSync(join(w.versionsDir, 'serving.json')), false, 'not the champion without --full');
    } finally {
      client.destroy();
      await runtime.close();
      await champion.close();
    }
  });
});

describe('containers that answer badly are judged on what they answer', () => {
  let fake: FakeContainer;
  before(async () => {
    fake = await startFakeContainer('foreign');
  });
  after(() => fake.close());

  test("the same ten items for everyone: REFUSED, exit 10; asked by pseudonym with the contract's body", async () => {
    const items = Array.from({ length: 10 }, (_, i) => ({ itemId: String(10000 + i), score: 10 - i }));
    fake.answer(() => ({ body: JSON.stringify({ recommendations: items, modelVersion: 'one-list-v1' }) }));
    const { code, stdout } = await cli('gate-cli.ts', ['--candidate-url', fake.url, ...small]);
    assert.equal(code, 10, stdout);
    assert.match(stdout, /FAIL {2}no worse than serving \(all\)/);
    assert.match(stdout, /gate: REFUSED/);
    const bodies = fake.received.map((r) => JSON.parse(r.body));
    assert.ok(bodies.length > 0);
    for (const body of bodies) {
      assert.deepEqual(Object.keys(body).sort(), ['exclude', 'items', 'k', 'placement', 'userId']);
      assert.ok(body.userId.startsWith(pseudonymPrefix), `a pseudonym, not a customer number: ${body.userId}`);
      assert.equal(body.placement, 'home');
    }
    // Each view's questions in turn, one per test customer the table counts, at the view's k (8 in `served`).
    const customers = (view: string) =>
      Number(
        new RegExp(`^${'candidate'.padEnd(12)}${view.padEnd(8)}\\d+\\s+(?:\\S+\\s+){3}(\\d+)$`, 'm').exec(stdout)![1],
      );
    assert.deepEqual(
      bodies.map((b) => b.k),
      gateViews.flatMap((view) => Array<number>(customers(view)).fill(cutoffOf(view))),
    );
    const known = new Set(Array.from({ length: 80 }, (_, c) => pseudonymOf(String(12000 + c), worldKey)));
    assert.ok(bodies.every((b) => known.has(b.userId)));
    assert.ok(
      bodies.some((b) => b.exclude.length > 0),
      'view new excludes what the customer bought',
    );
  });

  test('a container that breaks the contract stops the gate with exit 9, naming what it answered', async () => {
    fake.answer(() => ({ status: 500, body: '{"error":"boom"}' }));
    const failed = await cli('gate-cli.ts', ['--candidate-url', fake.url, ...small]);
    assert.equal(failed.code, 9, failed.stdout);
    assert.match(failed.stderr, /^gate: candidate container: view all, question 1 of \d+: status 500/m);
    fake.answer(() => ({ body: JSON.stringify({ recommendations: [] }) }));
    const noVersion = await cli('gate-cli.ts', ['--candidate-url', fake.url, ...small]);
    assert.equal(noVersion.code, 9);
    assert.match(noVersion.stderr, /the answer has no modelVersion/);
  });
});
