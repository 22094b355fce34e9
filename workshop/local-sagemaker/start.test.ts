import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { startFakeContainer } from '../test-support/fake-container.ts';
import { sdkClientFor } from '../test-support/sdk-client.ts';
import type { StartedLocalRuntime } from '../test-support/local-sagemaker.ts';

const START = fileURLToPath(new URL('./start.ts', import.meta.url));

function launch(env: Record<string, string>): { child: ChildProcessWithoutNullStreams; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', START], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  return { child, output: () => out };
}

/** Resolves with the first stdout JSON line whose msg matches, or rejects at the deadline. */
async function lineWithMsg(
  child: ChildProcessWithoutNullStreams,
  msg: string,
  deadlineMs = 15_000,
): Promise<Record<string, unknown>> {
  let buffered = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${msg}" line within ${deadlineMs} ms`)), deadlineMs);
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString();
      for (const line of buffered.split('\n')) {
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.msg === msg) {
            clearTimeout(timer);
            child.stdout.off('data', onData);
            resolve(parsed);
            return;
          }
        } catch {
          // not a complete JSON line yet
        }
      }
    };
    child.stdout.on('data', onData);
  });
}

test('start.ts serves the configured endpoint on 127.0.0.1, never logs the key pair, stops on SIGTERM', async () => {
  const container = await startFakeContainer();
  const secret = 'super-secret-for-test';
  const keyId = 'test-key-id-xyz';
  const { child, output } = launch({
    SAGEMAKER_PORT: '0',
    SAGEMAKER_ENDPOINT_NAME: 'shelf-under-test',
    LOCAL_SAGEMAKER_ACCESS_KEY_ID: keyId,
    LOCAL_SAGEMAKER_SECRET_ACCESS_KEY: secret,
    AWS_REGION: 'us-east-1',
    LOCAL_SAGEMAKER_VARIANTS: `Only=${container.url}@2`,
    LOCAL_SAGEMAKER_LOG_INVOCATIONS: 'true',
  });
  try {
    const listening = await lineWithMsg(child, 'local-sagemaker listening');
    const port = Number(listening.port);
    assert.ok(port > 0);
    const fake = {
      url: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      credentials: { accessKeyId: keyId, secretAccessKey: secret },
    } as StartedLocalRuntime;
    const client = sdkClientFor(fake);
    const logged = lineWithMsg(child, 'invocation');
    const out = await client.send(
      new InvokeEndpointCommand({ EndpointName: 'shelf-under-test', Body: '{}', ContentType: 'application/json' }),
    );
    assert.equal(out.InvokedProductionVariant, 'Only');
    await logged;
    client.destroy();

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
    assert.ok(!output().includes(secret), 'the secret never appears in the output');
    assert.ok(!output().includes(keyId), 'the access key id never appears in the output');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await container.close();
  }
});

test('start.ts refuses a malformed LOCAL_SAGEMAKER_VARIANTS with a clear error and exit code 1', async () => {
  const { child, output } = launch({ SAGEMAKER_PORT: '0', LOCAL_SAGEMAKER_VARIANTS: 'AllTraffic' });
  const [code] = await once(child, 'exit');
  assert.equal(code, 1);
  const line = JSON.parse(output().trim().split('\n').at(-1) ?? '{}') as { msg?: string; err?: { message?: string } };
  assert.equal(line.msg, 'local-sagemaker failed to start');
  assert.equal(
    line.err?.message,
    'local-sagemaker: LOCAL_SAGEMAKER_VARIANTS="AllTraffic": LOCAL_SAGEMAKER_VARIANTS entry "AllTraffic" ' +
      'is not Name=url[@weight]',
  );
});
