import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { type FakeContainer, startFakeContainer } from '../test-support/fake-container.ts';
import { type StartedLocalRuntime, startLocalRuntime } from '../test-support/local-sagemaker.ts';
import { sdkClientFor } from '../test-support/sdk-client.ts';

describe('POST /_variants replaces the production variants of a running runtime', () => {
  let champion: FakeContainer;
  let challenger: FakeContainer;
  let started: StartedLocalRuntime;
  let client: SageMakerRuntimeClient;
  // Weighted routing is driven by this value, so the test decides which bucket each call lands in.
  let nextRandom = 0;

  before(async () => {
    champion = await startFakeContainer();
    challenger = await startFakeContainer();
    started = await startLocalRuntime({
      variants: [{ name: 'AllTraffic', url: champion.url, weight: 1 }],
      random: () => nextRandom,
    });
    client = sdkClientFor(started);
  });
  after(async () => {
    client.destroy();
    await started.close();
    await champion.close();
    await challenger.close();
  });

  const post = (body: unknown): Promise<Response> =>
    fetch(`${started.url}/_variants`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const invoke = async (): Promise<string | undefined> =>
    (
      await client.send(
        new InvokeEndpointCommand({ EndpointName: started.endpointName, ContentType: 'application/json', Body: '{}' }),
      )
    ).InvokedProductionVariant;

  test('a challenger added at 10 % gets the calls whose draw falls in its share, without a restart', async () => {
    const set = await post({
      variants: [
        { name: 'AllTraffic', url: champion.url, weight: 90 },
        { name: 'challenger-1', url: `${challenger.url}/`, weight: 10 },
      ],
    });
    assert.equal(set.status, 200);
    const listed = (await (await fetch(`${started.url}/_variants`)).json()) as { variants: { url: string }[] };
    assert.equal(listed.variants[1]?.url, challenger.url, 'a trailing slash is trimmed');
    nextRandom = 0.5;
    assert.equal(await invoke(), 'AllTraffic');
    nextRandom = 0.95;
    assert.equal(await invoke(), 'challenger-1');
    assert.equal(challenger.received.length, 1);
    const stats = (await (await fetch(`${started.url}/_stats`)).json()) as { byVariant: Record<string, number> };
    assert.equal(stats.byVariant['challenger-1'], 1);
  });

  test('an unusable list is refused with its reason and changes nothing', async () => {
    const before = started.runtime.variants();
    for (const [body, reason] of [
      [{ variants: [] }, /at least one production variant/],
      [{ variants: [{ name: 'A', url: champion.url, weight: 0 }] }, /weight > 0/],
      [{ variants: [{ name: 'bad_name', url: champion.url, weight: 1 }] }, /invalid variant name/],
      [{ variants: [{ name: 'A', url: champion.url, weight: '1' }] }, /weight must be a number/],
      [{ nothing: true }, /expected \{"variants"/],
    ] as const) {
      const res = await post(body);
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: { message: string } }).error.message, reason);
    }
    assert.deepEqual(started.runtime.variants(), before);
  });
});
