/**
 * RecoShelf/ModelFallbackPercent: what counts (the tally, by hand), and the whole path for real —
 * shelves through the proxy in a sick cloud, the real CloudWatch SDK, the local runtime's
 * PutMetricData (SigV4 checked) — read back as the deploy's alarm reads it. A failing or hung
 * CloudWatch is logged and counted, and never holds a shelf.
 */
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { pino } from 'pino';
import { fallbackReasonCounts, modelFallbackMetric } from '../../contracts/model-fallback-metric.ts';
import type { RecordedDatum } from '../../workshop/local-sagemaker/put-metric-data.ts';
import { variantAlarms } from '../../model/deploy/plan.ts';
import { freePort } from '../../workshop/test-support/free-port.ts';
import { startStack } from '../../workshop/test-support/stack.ts';
import { FallbackTally, startFallbackMetricPublisher } from './fallback-metric-publisher.ts';
import type { RecommendationAnswer } from './shelf-service.ts';

type Counted = Pick<RecommendationAnswer, 'source' | 'fallbackReason' | 'model'>;
const model = (variant: string | null): Counted => ({
  source: 'model',
  fallbackReason: null,
  model: { version: 'v1', variant },
});
const fellBack = (reason: RecommendationAnswer['fallbackReason']): Counted => ({
  source: 'fallback',
  fallbackReason: reason,
  model: null,
});

describe('the tally: which answers count', () => {
  test('failures of the model count as fallbacks; holdout, kill switch, no endpoint and fresh cache not at all', () => {
    const tally = new FallbackTally();
    tally.record(model('AllTraffic'), undefined);
    tally.record({ ...model('AllTraffic'), fallbackReason: 'too-few' }, undefined);
    for (const reason of ['timeout', 'error', 'throttled', 'circuit-open', 'overloaded'] as const)
      tally.record(fellBack(reason), undefined);
    // A stale cached answer after a failure is still a failure of this call.
    tally.record(
      { source: 'cache', fallbackReason: 'timeout', model: { version: 'v0', variant: 'AllTraffic' } },
      undefined,
    );
    for (const reason of ['holdout', 'disabled', 'not-configured'] as const) tally.record(fellBack(reason), undefined);
    tally.record({ ...model('AllTraffic'), source: 'cache' }, undefined);
    assert.deepEqual(tally.take(), [{ variant: 'AllTraffic', eligible: 8, fallbacks: 6 }]);
    assert.deepEqual(tally.take(), [], 'a new period, nothing in it');
  });

  test('a failed call pinned to a variant counts against it; an unpinned one against each variant seen', () => {
    const pinned = new FallbackTally(['champion', 'challenger']);
    pinned.record(model('champion'), 'champion');
    pinned.record(fellBack('error'), 'challenger');
    assert.deepEqual(pinned.take(), [
      { variant: 'challenger', eligible: 1, fallbacks: 1 },
      { variant: 'champion', eligible: 1, fallbacks: 0 },
    ]);

    const routedByEndpoint = new FallbackTally();
    routedByEndpoint.record(fellBack('timeout'), undefined);
    assert.deepEqual(
      routedByEndpoint.take(),
      [{ variant: 'AllTraffic', eligible: 1, fallbacks: 1 }],
      'before any variant answered: the default variant',
    );
    routedByEndpoint.record(model('champion'), undefined);
    routedByEndpoint.record(model('challenger'), undefined);
    routedByEndpoint.record(fellBack('timeout'), undefined);
    assert.deepEqual(routedByEndpoint.take(), [
      { variant: 'challenger', eligible: 2, fallbacks: 1 },
      { variant: 'champion', eligible: 2, fallbacks: 1 },
    ]);
    for (let i = 0; i < 9; i++) routedByEndpoint.take();
    routedByEndpoint.record(model('champion'), undefined);
    routedByEndpoint.record(fellBack('error'), undefined);
    assert.deepEqual(
      routedByEndpoint.take(),
      [{ variant: 'champion', eligible: 2, fallbacks: 1 }],
      'a variant silent for ten periods is forgotten',
    );
  });

  test('every fallback reason of the contract is classified', () => {
    assert.deepEqual(Object.keys(fallbackReasonCounts).sort(), [
      'circuit-open',
      'disabled',
      'error',
      'holdout',
      'not-configured',
      'overloaded',
      'throttled',
      'timeout',
      'too-few',
    ]);
  });
});

/** Reads the datums the local runtime's PutMetricData accepted. */
async function published(runtimeUrl: string): Promise<RecordedDatum[]> {
  return ((await (await fetch(`${runtimeUrl}/_metric-data`)).json()) as { datums: RecordedDatum[] }).datums;
}

describe('the proxy publishes RecoShelf/ModelFallbackPercent', () => {
  test('the share of model-eligible shelves that fell back, as the rollback alarm reads it', async () => {
    const stack = await startStack({ cloudWatch: 'local' });
    try {
      const answers: RecommendationAnswer[] = [];
      const shelf = async (session: string) => {
        const res = await stack.get(`/v1/recommendations?placement=home&sessionId=${session}`);
        assert.equal(res.status, 200);
        answers.push(res.body);
      };
      for (let i = 0; i < 4; i++) await shelf(`healthy-${i}`);
      await stack.weather('error');
      for (let i = 0; i < 6; i++) await shelf(`sick-${i}`);
      // The first shopper again: a fresh cached model answer, no call made, left out.
      await shelf('healthy-0');
      await stack.proxy.fallbackMetric!.flush();

      const datums = await published(stack.runtime.url);
      assert.equal(datums.length, 1);
      const [datum] = datums;
      // Exactly what the deploy's third alarm watches for this endpoint and variant.
      const alarm = variantAlarms(stack.runtime.endpointName, 'AllTraffic', {
        create: true,
        names: [],
        max5xxPercent: 1,
        maxP99Ms: 250,
        maxFallbackPercent: 5,
      })[2]!;
      assert.equal(datum!.Namespace, alarm.Namespace);
      assert.equal(datum!.MetricName, alarm.MetricName);
      assert.deepEqual(datum!.Dimensions, alarm.Dimensions);
      assert.equal(datum!.Unit, alarm.Unit);
      assert.equal(datum!.Timestamp! % modelFallbackMetric.periodSeconds, 0, 'stamped on its minute');

      const eligible = answers.filter((a) => a.source === 'model' || a.fallbackReason !== null);
      const fallbacks = eligible.filter((a) => a.fallbackReason !== null && a.fallbackReason !== 'too-few');
      assert.ok(fallbacks.length >= 6, 'every call in the error weather fell back');
      assert.equal(eligible.length, 10, 'the cached repeat is left out');
      assert.deepEqual(datum!.StatisticValues, {
        SampleCount: eligible.length,
        Sum: 100 * fallbacks.length,
        Minimum: fallbacks.length < eligible.length ? 0 : 100,
        Maximum: 100,
      });
      const average = datum!.StatisticValues!.Sum / datum!.StatisticValues!.SampleCount;
      assert.ok(average > alarm.Threshold!, `${average} % is above the alarm's ${alarm.Threshold} %`);
      assert.match((await stack.admin('/metrics')).text, /reco_cloudwatch_publishes_total\{outcome="sent"\} 1/);

      // Stopping sends the last, partial period: a scale-in does not drop its last minute.
      await shelf('after-flush');
      await stack.proxy.close();
      const last = (await published(stack.runtime.url)).slice(1);
      assert.deepEqual(
        last.map((d) => d.StatisticValues),
        [{ SampleCount: 1, Sum: 100, Minimum: 100, Maximum: 100 }],
      );
    } finally {
      await stack.close();
    }
  });

  test('nothing is counted or sent when it is off (the default)', async () => {
    const stack = await startStack();
    try {
      assert.equal(stack.proxy.fallbackMetric, undefined);
      await stack.weather('error');
      assert.equal((await stack.get('/v1/recommendations?placement=home&sessionId=off')).status, 200);
      await stack.proxy.close();
      assert.deepEqual(await published(stack.runtime.url), []);
    } finally {
      await stack.close();
    }
  });

  test('a hung CloudWatch holds no shelf; its failure is counted, and the proxy still stops', async () => {
    // Accepts connections and never answers: the worst a CloudWatch endpoint can do.
    const sockets = new Set<Socket>();
    const hung = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    const stack = await startStack({ cloudWatch: `http://127.0.0.1:${(hung.address() as { port: number }).port}` });
    try {
      assert.equal((await stack.get('/v1/recommendations?placement=home&sessionId=a')).body.source, 'model');
      const publishing = stack.proxy.fallbackMetric!.flush();
      // While the publish hangs, shelves are answered as before.
      const during = await stack.get('/v1/recommendations?placement=home&sessionId=b');
      assert.equal(during.status, 200);
      assert.equal(during.body.source, 'model');
      await publishing;
      assert.match((await stack.admin('/metrics')).text, /reco_cloudwatch_publishes_total\{outcome="failed"\} 1/);
    } finally {
      await stack.close();
      for (const socket of sockets) socket.destroy();
      hung.close();
    }
  });

  test('a refused publish is logged with its reason, never thrown', async () => {
    const lines: Array<{ level: number; msg: string; err?: { name: string } }> = [];
    const logger = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    );
    const tally = new FallbackTally();
    tally.record(fellBack('timeout'), undefined);
    const outcomes: string[] = [];
    const publisher = startFallbackMetricPublisher({
      tally,
      endpointName: 'reco-shelf',
      region: 'eu-west-2',
      // Nothing listens here: connection refused.
      endpointUrl: `http://127.0.0.1:${await freePort()}`,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      logger,
      onPublished: (outcome) => outcomes.push(outcome),
    });
    await publisher.stop();
    assert.deepEqual(outcomes, ['failed']);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!.msg, /PutMetricData failed/);
    assert.ok(lines[0]!.err?.name, 'the error is named');
  });
});
