import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { FakeContainer } from '../test-support/fake-container.ts';
import { startFakeContainer } from '../test-support/fake-container.ts';
import { rejection, sdkClientFor } from '../test-support/sdk-client.ts';
import type { StartedLocalRuntime } from '../test-support/local-sagemaker.ts';
import { startLocalRuntime } from '../test-support/local-sagemaker.ts';

describe('SigV4 verification', () => {
  let container: FakeContainer;
  let started: StartedLocalRuntime;

  before(async () => {
    container = await startFakeContainer();
    started = await startLocalRuntime({ variants: [{ name: 'AllTraffic', url: container.url, weight: 1 }] });
  });
  after(async () => {
    await started.close();
    await container.close();
  });

  const command = () =>
    new InvokeEndpointCommand({
      EndpointName: started.endpointName,
      ContentType: 'application/json',
      Body: '{"userId":"1"}',
    });

  /** Signs a request for `signedBody` like the SDK would, with optional overrides. */
  async function signedHeaders(
    signedBody: string,
    opts: { date?: Date; service?: string; secret?: string } = {},
  ): Promise<Record<string, string>> {
    const signer = new SignatureV4({
      credentials: {
        accessKeyId: started.credentials.accessKeyId,
        secretAccessKey: opts.secret ?? started.credentials.secretAccessKey,
      },
      region: started.region,
      service: opts.service ?? 'sagemaker',
      sha256: Sha256,
    });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        port: started.port,
        path: `/endpoints/${started.endpointName}/invocations`,
        query: {},
        headers: { host: `127.0.0.1:${started.port}`, 'content-type': 'application/json' },
        body: signedBody,
      },
      { signingDate: opts.date ?? new Date() },
    );
    return signed.headers as Record<string, string>;
  }

  async function rawInvoke(
    headers: Record<string, string>,
    body: string,
  ): Promise<{ status: number; type: string | null; body: string }> {
    const { host: _host, ...rest } = headers;
    const res = await fetch(`${started.url}/endpoints/${started.endpointName}/invocations`, {
      method: 'POST',
      headers: rest,
      body,
    });
    return { status: res.status, type: res.headers.get('x-amzn-errortype'), body: await res.text() };
  }

  test('the SDK with the right key pair is accepted', async () => {
    const client = sdkClientFor(started);
    const out = await client.send(command());
    assert.equal(out.$metadata.httpStatusCode, 200);
    client.destroy();
  });

  test('a wrong secret is a 403 InvalidSignatureException', async () => {
    const client = sdkClientFor(started, {
      credentials: { ...started.credentials, secretAccessKey: 'not-the-secret' },
    });
    const err = await rejection(() => client.send(command()));
    assert.equal(err.name, 'InvalidSignatureException');
    assert.equal((err.$metadata as { httpStatusCode: number }).httpStatusCode, 403);
    assert.match(err.message, /signature we calculated does not match/);
    client.destroy();
  });

  test('an unknown access key is a 403 UnrecognizedClientException', async () => {
    const client = sdkClientFor(started, { credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' } });
    const err = await rejection(() => client.send(command()));
    assert.equal(err.name, 'UnrecognizedClientException');
    assert.equal((err.$metadata as { httpStatusCode: number }).httpStatusCode, 403);
    client.destroy();
  });

  test('a signature made 10 minutes ago is rejected as expired', async () => {
    const client = sdkClientFor(started, { systemClockOffset: -10 * 60 * 1000 });
    const err = await rejection(() => client.send(command()));
    assert.equal(err.name, 'InvalidSignatureException');
    assert.match(err.message, /^Signature expired/);
    client.destroy();
  });

  test('the same request signed now passes raw, proving the raw-signing helper is faithful', async () => {
    const body = '{"userId":"2"}';
    const res = await rawInvoke(await signedHeaders(body), body);
    assert.equal(res.status, 200);
  });

  test('a body swapped after signing is rejected (payload hash no longer matches)', async () => {
    const before = container.received.length;
    const res = await rawInvoke(await signedHeaders('{"userId":"2"}'), '{"userId":"666"}');
    assert.equal(res.status, 403);
    assert.equal(res.type, 'InvalidSignatureException');
    assert.equal(container.received.length, before, 'a tampered call never reaches the container');
  });

  test('a swapped body with a recomputed payload hash header is rejected by the signature', async () => {
    const headers = await signedHeaders('{"userId":"2"}');
    const tampered = '{"userId":"666"}';
    headers['x-amz-content-sha256'] = createHash('sha256').update(tampered).digest('hex');
    const res = await rawInvoke(headers, tampered);
    assert.equal(res.status, 403);
    assert.equal(res.type, 'InvalidSignatureException');
  });

  test('a signature scoped to another service is rejected', async () => {
    const body = '{}';
    const res = await rawInvoke(await signedHeaders(body, { service: 's3' }), body);
    assert.equal(res.status, 403);
    assert.equal(res.type, 'InvalidSignatureException');
    assert.match(res.body, /scoped to correct service: 'sagemaker'/);
  });

  test('a header tampered after signing is rejected', async () => {
    const body = '{}';
    const headers = await signedHeaders(body);
    headers['content-type'] = 'text/csv';
    const res = await rawInvoke(headers, body);
    assert.equal(res.status, 403);
    assert.equal(res.type, 'InvalidSignatureException');
  });

  test('no Authorization header is a 403 MissingAuthenticationTokenException', async () => {
    const res = await rawInvoke({ 'content-type': 'application/json' }, '{}');
    assert.equal(res.status, 403);
    assert.equal(res.type, 'MissingAuthenticationTokenException');
    assert.deepEqual(JSON.parse(res.body), { message: 'Missing Authentication Token' });
  });
});
