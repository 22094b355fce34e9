/**
 * CloudWatch's PutMetricData on the local runtime, driven by the real `@aws-sdk/client-cloudwatch`:
 * what the SDK sends is recorded as sent, a bad signature or a bad datum is refused the way
 * CloudWatch refuses it, and the SDK names each refusal as it would AWS's.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { type StartedLocalRuntime, startLocalRuntime } from '../test-support/local-sagemaker.ts';

let cloud: StartedLocalRuntime;
const clients: CloudWatchClient[] = [];

/** A CloudWatch client for the local runtime; `override` changes credentials or compression. */
function cloudWatch(override: Partial<ConstructorParameters<typeof CloudWatchClient>[0]> = {}): CloudWatchClient {
  const client = new CloudWatchClient({
    region: cloud.region,
    endpoint: cloud.url,
    credentials: cloud.credentials,
    maxAttempts: 1,
    ...override,
  });
  clients.push(client);
  return client;
}

const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
const datum: MetricDatum = {
  MetricName: 'ModelFallbackPercent',
  Dimensions: [
    { Name: 'EndpointName', Value: 'reco-shelf' },
    { Name: 'VariantName', Value: 'AllTraffic' },
  ],
  Timestamp: minute,
  Unit: 'Percent',
  StatisticValues: { SampleCount: 8, Sum: 300, Minimum: 0, Maximum: 100 },
};

before(async () => {
  cloud = await startLocalRuntime();
});
after(async () => {
  for (const client of clients) client.destroy();
  await cloud.close();
});
beforeEach(async () => {
  await fetch(`${cloud.url}/_metric-data/reset`, { method: 'POST' });
});

describe('PutMetricData on the local runtime', () => {
  test('records a statistic set as the SDK sent it (awsJson1_0, timestamps in epoch seconds)', async () => {
    const output = await cloudWatch().send(new PutMetricDataCommand({ Namespace: 'RecoShelf', MetricData: [datum] }));
    assert.equal(output.$metadata.httpStatusCode, 200);
    const { datums } = (await (await fetch(`${cloud.url}/_metric-data`)).json()) as {
      datums: Array<Record<string, unknown>>;
    };
    assert.equal(datums.length, 1);
    const { receivedAt, ...recorded } = datums[0]!;
    assert.equal(typeof receivedAt, 'number');
    assert.deepEqual(recorded, {
      Namespace: 'RecoShelf',
      MetricName: 'ModelFallbackPercent',
      Dimensions: datum.Dimensions,
      Timestamp: minute.getTime() / 1000,
      Unit: 'Percent',
      StatisticValues: { SampleCount: 8, Sum: 300, Minimum: 0, Maximum: 100 },
    });
    assert.deepEqual(cloud.runtime.metricData.length, 1, 'the same list in process');
  });

  test('takes a gzip-compressed body, signed as compressed, as the SDK sends one from 10 KiB on', async () => {
    const client = cloudWatch({ requestMinCompressionSizeBytes: 0 });
    const encodings: unknown[] = [];
    client.middlewareStack.add(
      (next) => async (args) => {
        encodings.push((args.request as { headers: Record<string, string> }).headers['content-encoding']);
        return next(args);
      },
      { step: 'finalizeRequest', name: 'seeContentEncoding' },
    );
    await client.send(new PutMetricDataCommand({ Namespace: 'RecoShelf', MetricData: [datum, { ...datum }] }));
    assert.deepEqual(encodings, ['gzip']);
    assert.equal(cloud.runtime.metricData.length, 2);
  });

  test('refuses a bad signature, an unknown key and another service scope, recording nothing', async () => {
    const send = (client: CloudWatchClient) =>
      client.send(new PutMetricDataCommand({ Namespace: 'RecoShelf', MetricData: [datum] })).then(
        () => assert.fail('accepted'),
        (error: Error & { $metadata: { httpStatusCode: number } }) => [error.name, error.$metadata.httpStatusCode],
      );
    const { accessKeyId, secretAccessKey } = cloud.credentials;
    assert.deepEqual(await send(cloudWatch({ credentials: { accessKeyId, secretAccessKey: 'wrong' } })), [
      'InvalidSignatureException',
      403,
    ]);
    assert.deepEqual(await send(cloudWatch({ credentials: { accessKeyId: 'stranger', secretAccessKey } })), [
      'UnrecognizedClientException',
      403,
    ]);
    // Signed for SageMaker instead of CloudWatch: a key for one service is not a key for another.
    const wrongScope = cloudWatch();
    wrongScope.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string> };
        request.headers.authorization = request.headers.authorization!.replace('/monitoring/', '/sagemaker/');
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low', name: 'rescope' },
    );
    assert.deepEqual(await send(wrongScope), ['InvalidSignatureException', 403]);
    assert.equal(cloud.runtime.metricData.length, 0);
  });

  test('refuses what CloudWatch refuses, named as the SDK names it', async () => {
    const refusal = (input: { Namespace: string; MetricData: MetricDatum[] }) =>
      cloudWatch()
        .send(new PutMetricDataCommand(input))
        .then(
          () => assert.fail('accepted'),
          (error: Error) => `${error.name}: ${error.message}`,
        );
    assert.match(
      await refusal({ Namespace: 'AWS/SageMaker', MetricData: [datum] }),
      /^InvalidParameterValueException: The value AWS\/ for parameter Namespace is invalid/,
    );
    assert.match(
      await refusal({ Namespace: 'RecoShelf', MetricData: [{ ...datum, Value: 5 }] }),
      /^InvalidParameterCombinationException: The parameters MetricData\.member\.1\.Value and .*StatisticValues/,
    );
    assert.match(
      await refusal({
        Namespace: 'RecoShelf',
        MetricData: [{ ...datum, StatisticValues: { SampleCount: 2, Sum: 100, Minimum: 100, Maximum: 0 } }],
      }),
      /^InvalidParameterValueException: .*Minimum must not exceed Maximum/,
    );
    assert.match(
      await refusal({ Namespace: 'RecoShelf', MetricData: [{ ...datum, Timestamp: new Date('2020-01-01') }] }),
      /^InvalidParameterValueException: .*Timestamp/,
    );
    assert.match(
      await refusal({ Namespace: 'RecoShelf', MetricData: [{ MetricName: 'ModelFallbackPercent' }] }),
      /^MissingRequiredParameterException: The parameter MetricData\.member\.1\.Value is required/,
    );
    assert.equal(cloud.runtime.metricData.length, 0);
  });
});
