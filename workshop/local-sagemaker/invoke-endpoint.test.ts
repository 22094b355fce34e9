import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { pino } from 'pino';
import { MAX_PAYLOAD_BYTES } from './defaults.ts';
import type { FakeContainer } from '../test-support/fake-container.ts';
import { startFakeContainer } from '../test-support/fake-container.ts';
import { until } from '../test-support/until.ts';
import { rejection, sdkClientFor } from '../test-support/sdk-client.ts';
import type { StartedLocalRuntime } from '../test-support/local-sagemaker.ts';
import { startLocalRuntime } from '../test-support/local-sagemaker.ts';
import { seeded } from '../../model/recommenders/seeded-random.ts';

describe('InvokeEndpoint through the local runtime', () => {
  let blue: FakeContainer;
  let green: FakeContainer;
  let started: StartedLocalRuntime;
  let client: SageMakerRuntimeClient;
  const logLines: object[] = [];

  before(async () => {
    blue = await startFakeContainer('blue');
    green = await startFakeContainer('green');
    started = await startLocalRuntime({
      variants: [
        { name: 'Blue', url: blue.url, weight: 3 },
        { name: 'Green', url: green.url, weight: 1 },
      ],
      random: seeded(42),
      logger: pino({ level: 'debug' }, { write: (line: string) => void logLines.push(JSON.parse(line)) }),
    });
    client = sdkClientFor(started);
  });
  after(async () => {
    client.destroy();
    await started.close();
    await blue.close();
    await green.close();
  });
  beforeEach(async () => {
    for (const c of [blue, green]) {
      c.received.length = 0;
      c.answer((req) => ({ body: JSON.stringify({ echo: req.body }) }));
    }
    await fetch(`${started.url}/_stats/reset`, { method: 'POST' });
  });

  const invoke = (input: Partial<ConstructorParameters<typeof InvokeEndpointCommand>[0]> = {}) =>
    client.send(
      new InvokeEndpointCommand({
        EndpointName: started.endpointName,
        ContentType: 'application/json',
        Accept: 'application/json',
        Body: JSON.stringify({ userId: '17850', k: 24 }),
        ...input,
      }),
    );

  test('a signed call returns the container body, its content type and the invoked variant', async () => {
    const out = await invoke({ TargetVariant: 'Blue' });
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.InvokedProductionVariant, 'Blue');
    assert.equal(out.ContentType, 'application/json');
    assert.deepEqual(JSON.parse(out.Body.transformToString()), { echo: '{"userId":"17850","k":24}' });
    const got = blue.received[0];
    assert.ok(got);
    assert.equal(got.path, '/invocations');
    assert.equal(got.method, 'POST');
    assert.equal(got.headers['content-type'], 'application/json');
    assert.equal(got.headers.accept, 'application/json');
    assert.equal(got.headers.authorization, undefined, 'credentials must not reach the container');
  });

  test('CustomAttributes reach the container and are echoed only when the container sets them', async () => {
    const silent = await invoke({ TargetVariant: 'Blue', CustomAttributes: 'trace=abc' });
    assert.equal(blue.received[0]?.headers['x-amzn-sagemaker-custom-attributes'], 'trace=abc');
    assert.equal(silent.CustomAttributes, undefined);

    blue.answer(() => ({ body: '{}', headers: { 'X-Amzn-SageMaker-Custom-Attributes': 'model=v7' } }));
    const echoed = await invoke({ TargetVariant: 'Blue', CustomAttributes: 'trace=abc' });
    assert.equal(echoed.CustomAttributes, 'model=v7');
  });

  test('an InferenceId of 64 characters is accepted and logged; 65 is a ValidationError', async () => {
    const id = 'i'.repeat(64);
    await invoke({ InferenceId: id });
    assert.ok(logLines.some((l) => (l as { inferenceId?: string }).inferenceId === id));

    const err = await rejection(() => invoke({ InferenceId: 'i'.repeat(65) }));
    assert.equal(err.name, 'ValidationError');
    assert.equal((err.$metadata as { httpStatusCode: number }).httpStatusCode, 400);
    assert.match(err.message, /inferenceId.*less than or equal to 64/);
  });

  test('TargetVariant routes to that variant; an unknown one is a ValidationError', async () => {
    for (let i = 0; i < 5; i++)
      assert.equal((await invoke({ TargetVariant: 'Green' })).InvokedProductionVariant, 'Green');
    assert.equal(green.received.length, 5);
    assert.equal(blue.received.length, 0);

    const err = await rejection(() => invoke({ TargetVariant: 'Purple' }));
    assert.equal(err.name, 'ValidationError');
    assert.match(err.message, /Variant Purple not found/);
  });

  test('without TargetVariant, traffic splits by weight (3:1) and /_stats counts each variant', async () => {
    const calls = 400;
    for (let i = 0; i < calls; i++) await invoke();
    const stats = (await (await fetch(`${started.url}/_stats`)).json()) as {
      invocations: number;
      byVariant: Record<string, number>;
    };
    assert.equal(stats.invocations, calls);
    assert.equal((stats.byVariant.Blue ?? 0) + (stats.byVariant.Green ?? 0), calls);
    assert.equal(stats.byVariant.Blue, blue.received.length);
    const blueShare = (stats.byVariant.Blue ?? 0) / calls;
    assert.ok(blueShare > 0.68 && blueShare < 0.82, `Blue share ${blueShare} should be near 0.75`);

    const reset = (await (await fetch(`${started.url}/_stats/reset`, { method: 'POST' })).json()) as object;
    assert.deepEqual(reset, { invocations: 0, byVariant: { Blue: 0, Green: 0 } });
  });

  test('a container 400 becomes a 424 ModelError quoting its status and body', async () => {
    blue.answer(() => ({ status: 400, body: 'unable to evaluate payload provided' }));
    const err = await rejection(() => invoke({ TargetVariant: 'Blue' }));
    assert.equal(err.name, 'ModelError');
    assert.equal((err.$metadata as { httpStatusCode: number }).httpStatusCode, 424);
    assert.match(
      err.message,
      /^Received client error \(400\) from primary with message "unable to evaluate payload provided"/,
    );
    assert.equal(err.OriginalStatusCode, 400);
    assert.equal(err.OriginalMessage, 'unable to evaluate payload provided');
    assert.match(
      String(err.LogStreamArn),
      /^arn:aws:logs:eu-west-2:000000000000:log-group:\/aws\/sagemaker\/Endpoints\/reco-shelf$/,
    );
  });

  test('a container 500 is a ModelError worded as a server error', async () => {
    blue.answer(() => ({ status: 500, body: 'boom' }));
    const err = await rejection(() => invoke({ TargetVariant: 'Blue' }));
    assert.equal(err.name, 'ModelError');
    assert.match(err.message, /^Received server error \(500\) from primary/);
  });

  test('an unknown endpoint name is the ValidationError AWS gives for a missing endpoint', async () => {
    const err = await rejection(() => invoke({ EndpointName: 'no-such-endpoint' }));
    assert.equal(err.name, 'ValidationError');
    assert.equal((err.$metadata as { httpStatusCode: number }).httpStatusCode, 400);
    assert.equal(err.message, 'Endpoint no-such-endpoint of account 000000000000 not found.');
  });

  test('a body of exactly 6 MB is accepted; one byte more is answered 413 and never forwarded', async () => {
    blue.answer(() => ({ body: '{"size":"ok"}' }));
    const atLimit = await invoke({
      TargetVariant: 'Blue',
      ContentType: 'application/octet-stream',
      Body: new Uint8Array(MAX_PAYLOAD_BYTES),
    });
    assert.equal(atLimit.$metadata.httpStatusCode, 200);
    assert.equal(blue.received[0]?.body.length, MAX_PAYLOAD_BYTES);

    const err = await rejection(() =>
      invoke({
        TargetVariant: 'Blue',
        ContentType: 'application/octet-stream',
        Body: new Uint8Array(MAX_PAYLOAD_BYTES + 1),
      }),
    );
    assert.equal((err.$metadata as { httpStatusCode: number }).httpStatusCode, 413);
    assert.match(err.message, /HTTP content length exceeded 6291456 bytes/);
    assert.equal(blue.received.length, 1);
  });

  test('requests signed correctly but sent to other paths get a 404', async () => {
    const res = await fetch(`${started.url}/nope`);
    assert.equal(res.status, 404);
    assert.equal(res.headers.get('x-amzn-errortype'), 'UnknownOperationException');
  });
});

describe('InvokeEndpoint when the container is unreachable', () => {
  test('one that was in service and went away: the SDK sees a 503 ServiceUnavailable', async () => {
    const gone = await startFakeContainer();
    const started = await startLocalRuntime({ variants: [{ name: 'AllTraffic', url: gone.url, weight: 1 }] });
    const client = sdkClientFor(started);
    const call = () =>
      client.send(
        new InvokeEndpointCommand({ EndpointName: started.endpointName, Body: '{}', ContentType: 'application/json' }),
      );
    try {
      await call(); // in service: its /ping answered 200
      await gone.close();
      const err = await rejection(call);
      assert.equal(err.name, 'ServiceUnavailable');
      assert.equal((err.$metadata as { httpStatusCode: number }).httpStatusCode, 503);
    } finally {
      client.destroy();
      await started.close();
    }
  });
});

describe('InvokeEndpoint before the container answers /ping with 200', () => {
  test('calls get ModelNotReadyException and never reach it; once /ping is 200 they do', async () => {
    let pingStatus = 503;
    const invocations: string[] = [];
    const container = http.createServer((req, res) => {
      req.resume();
      if (req.url === '/ping') return void res.writeHead(pingStatus).end();
      invocations.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"recommendations":[],"modelVersion":"v"}');
    });
    await new Promise<void>((resolve) => container.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(container.address() as AddressInfo).port}`;
    const started = await startLocalRuntime({ variants: [{ name: 'AllTraffic', url, weight: 1 }] });
    const client = sdkClientFor(started);
    const call = () =>
      client.send(
        new InvokeEndpointCommand({ EndpointName: started.endpointName, Body: '{}', ContentType: 'application/json' }),
      );
    try {
      const err = await rejection(call);
      assert.equal(err.name, 'ModelNotReadyException');
      assert.equal((err.$metadata as { httpStatusCode: number }).httpStatusCode, 429);
      assert.match(err.message, /has not answered GET \/ping with 200/);
      assert.deepEqual(invocations, [], 'a container not in service is never called');
      pingStatus = 200;
      // The stand-in's own rounds (or this call's ping) see the 200; no restart, no wait guessed.
      await until(
        () =>
          call().then(
            () => true,
            () => false,
          ),
        (ok) => ok,
        'the variant to come into service',
      );
      assert.equal(invocations.length, 1);
    } finally {
      client.destroy();
      await started.close();
      container.closeAllConnections();
      await new Promise<void>((resolve) => container.close(() => resolve()));
    }
  });
});

describe('InvokeEndpoint when the container does not answer in time', () => {
  test('the SDK sees a 424 ModelError saying the invocation timed out', async () => {
    const silent = http.createServer((req, res) => {
      // In service (its /ping answers), then accepts each invocation and never answers, like a wedged model.
      if (req.url === '/ping') res.end();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const started = await startLocalRuntime({
      variants: [{ name: 'AllTraffic', url, weight: 1 }],
      containerTimeoutMs: 150,
    });
    const client = sdkClientFor(started);
    try {
      const err = await rejection(() =>
        client.send(
          new InvokeEndpointCommand({
            EndpointName: started.endpointName,
            Body: '{}',
            ContentType: 'application/json',
          }),
        ),
      );
      assert.equal(err.name, 'ModelError');
      assert.equal((err.$metadata as { httpStatusCode: number }).httpStatusCode, 424);
      assert.match(err.message, /^Received server error \(0\) from primary with message "Your invocation timed out/);
    } finally {
      client.destroy();
      await started.close();
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
