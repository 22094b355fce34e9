/**
 * `npm run model:contract` as a team runs it, a child process against a container on a port: the
 * reference container keeps every rule; the deliberately broken one breaks exactly the rules it was
 * built to break, each named on its line; the Python example (model/examples/python-buy-again/),
 * trained on a training channel written as the retrain writes it, keeps every rule and knows a
 * shopper by pseudonym; with TCP_NODELAY off it falls into the Nagle trap, and the latency rule says so.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { pseudonymOf } from '../../contracts/pseudonym.ts';
import { trainingCsvHeader, trainingCsvRecord } from '../../contracts/training-channel.ts';
import { until } from '../../workshop/test-support/until.ts';
import { createInferenceServer } from '../container/app.ts';
import { freeLoopbackPort } from '../container/loopback-port.ts';
import { defaultShipped } from '../training/shipped-config.ts';
import { trainArtifact } from '../training/train.ts';
import { brokenRules, startBrokenContainer } from './broken-container.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'model/contract-test/contract-cli.ts');
const pythonContainer = join(root, 'model/examples/python-buy-again/container.py');
const python = process.env.PYTHON ?? 'python3';
const dir = mkdtempSync(join(tmpdir(), 'reco-contract-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Runs the CLI. The latency target is loose here (a shared test machine's p99 says nothing about a
 * container) but p50 still sits far below the 40 ms a call the Nagle trap costs.
 */
async function contract(url: string, calls = 60): Promise<{ code: number; lines: string[]; failed: string[] }> {
  const args = ['--import', 'tsx', cli, '--url', url, '--p50-ms', '20', '--p99-ms', '1000', '--calls', String(calls)];
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: root }, (error, stdout) => {
      const lines = stdout.split('\n').filter((line) => /^(PASS|FAIL) /.test(line));
      const failed = lines.filter((line) => line.startsWith('FAIL')).map((line) => line.slice(6).split(/ {2,}/)[0]!);
      resolve({ code: error ? ((error as { code?: number }).code ?? -1) : 0, lines, failed });
    });
  });
}

it('refuses to start without --url, with exit 2 and the usage', async () => {
  const code = await new Promise<number | null>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', cli], { cwd: root }, (error) =>
      resolve(error ? (error.code as number) : 0),
    );
  });
  assert.equal(code, 2);
});

it('the reference container keeps every rule', async () => {
  const modelDir = join(dir, 'reference');
  trainArtifact({
    until: '2011-01-01',
    out: modelDir,
    model: { name: 'ease+buy-again', params: { ...defaultShipped.params, topItems: 300 } },
  });
  const { server, ready } = createInferenceServer({ modelDir });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await ready;
  try {
    const { code, lines, failed } = await contract(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    assert.deepEqual(failed, [], lines.join('\n'));
    assert.equal(code, 0);
    assert.ok(lines.length >= 20, `one line per rule:\n${lines.join('\n')}`);
  } finally {
    server.close();
    server.closeAllConnections();
  }
});

it('the broken container breaks exactly its rules, each named, and the exit is 1', async () => {
  const { url, server } = await startBrokenContainer();
  try {
    const { code, lines, failed } = await contract(url, 10);
    assert.equal(code, 1);
    assert.deepEqual([...failed].sort(), [...brokenRules].sort(), lines.join('\n'));
  } finally {
    server.close();
    server.closeAllConnections();
  }
});

describe('the Python example container', () => {
  const key = 'contract-test-pseudonym-key-0123456789';
  const regular = pseudonymOf('17850', key);
  const model = join(dir, 'python-model');
  const children: ChildProcess[] = [];

  before(async () => {
    // The training channel as the retrain writes it: the header, pseudonyms, gzip; one regular buyer.
    const channel = join(dir, 'channel');
    mkdirSync(channel);
    const day = Date.parse('2011-11-01T10:00:00Z');
    const lines = [trainingCsvHeader];
    for (let i = 0; i < 300; i++) {
      const customer = i % 3 === 0 ? '17850' : String(13000 + (i % 40));
      const stockCode = customer === '17850' ? 'REGULAR1' : `P${(i * 7) % 60}`;
      lines.push(
        trainingCsvRecord({
          invoice: String(500000 + i),
          stockCode,
          description: 'A, "quoted" thing',
          quantity: 1,
          time: day + i * 3_600_000,
          unitPrice: i % 10 === 0 ? 0 : 1.25, // a product new to the catalog comes at price 0, and stays
          customerId: pseudonymOf(customer, key),
          country: 'United Kingdom',
        }),
      );
    }
    writeFileSync(join(channel, 'purchases.csv.gz'), gzipSync(`${lines.join('\n')}\n`));
    await run([pythonContainer, 'train'], { SM_CHANNEL_TRAINING: channel, SM_MODEL_DIR: model });
    const manifest = JSON.parse(readFileSync(join(model, 'manifest.json'), 'utf8')) as { modelVersion: string };
    assert.match(manifest.modelVersion, /^python-buy-again-2011-11-13-[0-9a-f]{8}$/);
  });
  after(() => {
    for (const child of children) child.kill();
  });

  function run(args: string[], env: Record<string, string>): Promise<void> {
    return new Promise((resolve, reject) => {
      execFile(python, args, { env: { ...process.env, ...env } }, (error, _stdout, stderr) => {
        if ((error as NodeJS.ErrnoException | null)?.code === 'ENOENT') {
          reject(new Error(`${python} not found: the Python example needs python3 (CI must install it)`));
        } else if (error) reject(new Error(`${args.join(' ')} failed: ${stderr}`));
        else resolve();
      });
    });
  }

  async function serve(env: Record<string, string> = {}): Promise<string> {
    const port = await freeLoopbackPort();
    const child = spawn(python, [pythonContainer, 'serve'], {
      env: { ...process.env, SM_MODEL_DIR: model, SAGEMAKER_BIND_TO_PORT: String(port), ...env },
      stdio: 'ignore',
    });
    children.push(child);
    const url = `http://127.0.0.1:${port}`;
    await until(
      () =>
        fetch(`${url}/ping`).then(
          (res) => res.status,
          () => 0,
        ),
      (status) => status === 200,
      'the Python container to answer /ping',
      15_000,
    );
    return url;
  }

  it('keeps every rule, and knows the regular by pseudonym, not by customer number', async () => {
    const url = await serve();
    const { code, lines, failed } = await contract(url);
    assert.deepEqual(failed, [], lines.join('\n'));
    assert.equal(code, 0);
    const first = async (userId: string) => {
      const res = await fetch(`${url}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId, k: 3 }),
      });
      return ((await res.json()) as { recommendations: Array<{ itemId: string }> }).recommendations[0]?.itemId;
    };
    assert.equal(await first(regular), 'REGULAR1', 'buy-again for the pseudonym the proxy sends');
    assert.notEqual(await first('17850'), 'REGULAR1', 'the raw customer number is a stranger to the model');
  });

  it('with TCP_NODELAY off falls into the Nagle trap, and only the latency rule breaks', async () => {
    const url = await serve({ EXAMPLE_TCP_NODELAY: 'false' });
    const { code, lines, failed } = await contract(url, 20);
    assert.equal(code, 1);
    assert.deepEqual(failed, ['latency'], lines.join('\n'));
    assert.match(lines.find((line) => line.startsWith('FAIL'))!, /p50 \d+\.\d+ ms/);
  });
});
