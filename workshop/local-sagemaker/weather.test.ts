import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { FakeContainer } from '../test-support/fake-container.ts';
import { startFakeContainer } from '../test-support/fake-container.ts';
import { rejection, sdkClientFor } from '../test-support/sdk-client.ts';
import type { StartedLocalRuntime } from '../test-support/local-sagemaker.ts';
import { startLocalRuntime } from '../test-support/local-sagemaker.ts';
import { InvalidWeatherSettingError, parseWeatherSetting } from './weather.ts';

/** Polls `check` until it holds or the deadline passes. */
async function eventually(check: () => boolean, deadlineMs = 2000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met before the deadline');
    await new Promise((r) => setImmediate(r));
  }
}

describe('the cloud-weather switch', () => {
  let container: FakeContainer;
  let started: StartedLocalRuntime;
  let client: SageMakerRuntimeClient;

  before(async () => {
    container = await startFakeContainer();
    started = await startLocalRuntime({ variants: [{ name: 'AllTraffic', url: container.url, weight: 1 }] });
    client = sdkClientFor(started);
  });
  after(async () => {
    client.destroy();
    await started.close();
    await container.close();
  });
  afterEach(() => started.runtime.weather.reset());

  const setWeather = async (body: unknown): Promise<Response> =>
    fetch(`${started.url}/_weather`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const invoke = (abortSignal?: AbortSignal) =>
    client.send(
      new InvokeEndpointCommand({
        EndpointName: started.endpointName,
        ContentType: 'application/json',
        Body: '{"userId":"1"}',
      }),
      abortSignal ? { abortSignal } : {},
    );

  test('GET /_weather reports the mode set by POST, with the default latency when none is given', async () => {
    assert.deepEqual(await (await fetch(`${started.url}/_weather`)).json(), { mode: 'normal', latencyMs: 1500 });
    const set = await setWeather({ mode: 'slow', latencyMs: 250 });
    assert.equal(set.status, 200);
    assert.deepEqual(await (await fetch(`${started.url}/_weather`)).json(), { mode: 'slow', latencyMs: 250 });
    await setWeather({ mode: 'error' });
    assert.deepEqual(started.runtime.weather.get(), { mode: 'error', latencyMs: 1500 });
  });

  test('a bad weather setting is a 400 JSON error and leaves the weather unchanged', async () => {
    await setWeather({ mode: 'throttle' });
    for (const bad of [
      { mode: 'stormy' },
      { mode: 'slow', latencyMs: -5 },
      { mode: 'slow', latencyMs: 'fast' },
      { latencyMs: 10 },
      { mode: 'slow', extra: 1 },
    ]) {
      const res = await setWeather(bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'invalid_request');
      assert.match(body.error.message, /^local-sagemaker: invalid weather setting/);
    }
    const notJson = await fetch(`${started.url}/_weather`, { method: 'POST', body: '{mode' });
    assert.equal(notJson.status, 400);
    assert.equal(started.runtime.weather.get().mode, 'throttle');
  });

  test('CORS on /_weather is open to localhost origins only', async () => {
    const pre = await fetch(`${started.url}/_weather`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:8000', 'access-control-request-method': 'POST' },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'http://localhost:8000');
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /content-type/);
    const foreign = await fetch(`${started.url}/_weather`, { headers: { origin: 'https://evil.example' } });
    assert.equal(foreign.headers.get('access-control-allow-origin'), null);
  });

  test('slow delays the answer by at least latencyMs, then answers normally', async () => {
    await setWeather({ mode: 'slow', latencyMs: 300 });
    const t0 = performance.now();
    const out = await invoke();
    const elapsed = performance.now() - t0;
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.ok(elapsed >= 300, `took ${elapsed.toFixed(1)} ms`);
    assert.ok(elapsed < 1500, `took ${elapsed.toFixed(1)} ms`);
  });

  test('slow frees its timer when the client gives up first', async () => {
    await setWeather({ mode: 'slow', latencyMs: 60_000 });
    const before = container.received.length;
    const err = await rejection(() => invoke(AbortSignal.timeout(100)));
    assert.match(err.name, /Abort|Timeout/);
    await eventually(() => started.runtime.weather.heldCount === 0);
    assert.equal(container.received.length, before, 'an abandoned slow call is never forwarded');
  });

  test('hang never answers: the SDK call aborts on its own deadline and the held call is freed', async () => {
    await setWeather({ mode: 'hang' });
    const t0 = performance.now();
    const err = await rejection(() => invoke(AbortSignal.timeout(100)));
    const elapsed = performance.now() - t0;
    assert.match(err.name, /Abort|Timeout/);
    assert.ok(elapsed >= 95 && elapsed < 1000, `aborted after ${elapsed.toFixed(1)} ms`);
    await eventually(() => started.runtime.weather.heldCount === 0);
  });

  test('hang does not stop the server from closing (close() ends hanging sockets)', async () => {
    const own = await startLocalRuntime({ variants: [{ name: 'AllTraffic', url: container.url, weight: 1 }] });
    const ownClient = sdkClientFor(own);
    own.runtime.weather.set({ mode: 'hang', latencyMs: 0 });
    const pending = rejection(() =>
      ownClient.send(
        new InvokeEndpointCommand({ EndpointName: own.endpointName, Body: '{}', ContentType: 'application/json' }),
      ),
    );
    await eventually(() => own.runtime.weather.heldCount === 1);
    await own.close();
    const err = await pending;
    assert.ok(err instanceof Error, 'the hanging call ends with an error once the server closes');
    assert.equal(own.runtime.weather.heldCount, 0);
    ownClient.destroy();
  });

  test('error is a 500 InternalFailure', async () => {
    await setWeather({ mode: 'error' });
    const err = await rejection(() => invoke());
    assert.equal(err.name, 'InternalFailure');
    assert.equal((err.$metadata as { httpStatusCode: number }).httpStatusCode, 500);
  });

  test('throttle is a ThrottlingException with HTTP 400, as SageMaker Runtime sends it', async () => {
    await setWeather({ mode: 'throttle' });
    const err = await rejection(() => invoke());
    assert.equal(err.name, 'ThrottlingException');
    assert.equal((err.$metadata as { httpStatusCode: number }).httpStatusCode, 400);
  });

  test('garbage is a 200 whose body is not valid contract JSON', async () => {
    await setWeather({ mode: 'garbage' });
    const out = await invoke();
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.InvokedProductionVariant, 'AllTraffic');
    const text = out.Body.transformToString();
    assert.throws(() => JSON.parse(text), SyntaxError);
  });

  test('reset drops the connection without an answer', async () => {
    await setWeather({ mode: 'reset' });
    const err = await rejection(() => invoke());
    assert.equal(
      err.$metadata === undefined || (err.$metadata as { httpStatusCode?: number }).httpStatusCode === undefined,
      true,
    );
    // The SDK names ECONNRESET a TimeoutError (TOOLCHAIN.md); the socket-level code tells the truth.
    assert.match(`${err.name} ${String(err.code)} ${err.message}`, /ECONNRESET|socket hang up|TimeoutError/);
  });

  test('weather applies to invocations only; back to normal answers again', async () => {
    await setWeather({ mode: 'reset' });
    assert.equal((await fetch(`${started.url}/_stats`)).status, 200);
    assert.equal((await fetch(`${started.url}/_weather`)).status, 200);
    await setWeather({ mode: 'normal' });
    assert.equal((await invoke()).$metadata.httpStatusCode, 200);
  });

  test('/_stats counts every accepted invocation, whatever the weather did with it', async () => {
    await fetch(`${started.url}/_stats/reset`, { method: 'POST' });
    await setWeather({ mode: 'error' });
    await rejection(() => invoke());
    await setWeather({ mode: 'normal' });
    await invoke();
    const stats = (await (await fetch(`${started.url}/_stats`)).json()) as {
      invocations: number;
      byVariant: Record<string, number>;
    };
    assert.deepEqual(stats, { invocations: 2, byVariant: { AllTraffic: 1 } });
  });
});

describe('parseWeatherSetting', () => {
  test('returns the setting, with the default latency when none is given', () => {
    assert.deepEqual(parseWeatherSetting({ mode: 'slow' }), { mode: 'slow', latencyMs: 1500 });
  });

  test('throws an InvalidWeatherSettingError naming the field at fault', () => {
    for (const [input, field] of [
      [{ mode: 'stormy' }, 'mode'],
      [{ mode: 'slow', latencyMs: -5 }, 'latencyMs'],
      [{ mode: 'slow', extra: 1 }, 'body'],
      ['slow', 'body'],
    ] as const) {
      assert.throws(
        () => parseWeatherSetting(input),
        (error: unknown) =>
          error instanceof InvalidWeatherSettingError &&
          error.field === field &&
          error.message.includes(`invalid weather setting at ${field}:`),
        JSON.stringify(input),
      );
    }
  });
});
