/**
 * The proxy reads a model's answer exactly as the contract's schemas and rules say
 * (contracts/invocation-answer.ts), through the real SDK and the local runtime, and logs the rule
 * that broke with the variant that answered.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { startFakeContainer, type FakeContainer } from '../../workshop/test-support/fake-container.ts';
import { startLocalRuntime, type StartedLocalRuntime } from '../../workshop/test-support/local-sagemaker.ts';
import { createSageMakerEndpoint, type SageMakerEndpoint } from './sagemaker-endpoint.ts';
import { ContractError } from './upstream-errors.ts';

const ask = { items: ['A1'], k: 3, exclude: ['X1'], placement: 'home' };
const rec = (itemId: string, score: number) => ({ itemId, score });

describe('the answer contract, as the proxy reads it', () => {
  let container: FakeContainer;
  let cloud: StartedLocalRuntime;
  let endpoint: SageMakerEndpoint;
  const lines: Array<Record<string, unknown>> = [];

  before(async () => {
    container = await startFakeContainer();
    cloud = await startLocalRuntime({ variants: [{ name: 'Challenger', url: container.url, weight: 1 }] });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
        done();
      },
    });
    endpoint = createSageMakerEndpoint({
      endpointName: cloud.endpointName,
      region: cloud.region,
      endpointUrl: cloud.url,
      credentials: cloud.credentials,
      logger: pino(sink),
    });
  });
  after(async () => {
    endpoint.close();
    await cloud.close();
    await container.close();
  });

  const invoke = (requestId: string) => endpoint.invoke(ask, { requestId, signal: AbortSignal.timeout(5000) });

  it('takes an answer that keeps every rule, fields of its own included', async () => {
    container.answer(() => ({
      body: JSON.stringify({
        recommendations: [rec('P1', 0.9), rec('P2', 0.9), rec('P3', 0.1)],
        modelVersion: 'v1',
        x: 1,
      }),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    }));
    assert.deepEqual(await invoke('ok'), { ids: ['P1', 'P2', 'P3'], modelVersion: 'v1', variant: 'Challenger' });
  });

  const breaches: Array<[string, string, Record<string, string>?]> = [
    ['content-type', JSON.stringify({ recommendations: [], modelVersion: 'v1' }), { 'content-type': 'text/plain' }],
    ['json', '{"recommendations":['],
    ['schema', JSON.stringify({ recommendations: [] })],
    ['schema', JSON.stringify({ recommendations: [{ itemId: 'P1', score: '0.9' }], modelVersion: 'v1' })],
    ['schema', JSON.stringify({ recommendations: [rec('', 1)], modelVersion: 'v1' })],
    [
      'at-most-k',
      JSON.stringify({ recommendations: [rec('P1', 4), rec('P2', 3), rec('P3', 2), rec('P4', 1)], modelVersion: 'v1' }),
    ],
    ['no-duplicates', JSON.stringify({ recommendations: [rec('P1', 2), rec('p1', 1)], modelVersion: 'v1' })],
    ['best-first', JSON.stringify({ recommendations: [rec('P1', 0.1), rec('P2', 0.9)], modelVersion: 'v1' })],
  ];
  for (const [i, [rule, body, headers]] of breaches.entries()) {
    it(`refuses an answer breaking "${rule}" (${i}) and logs the rule with the variant`, async () => {
      container.answer(() => ({ body, ...(headers ? { headers } : {}) }));
      const requestId = `breach-${i}`;
      await assert.rejects(
        invoke(requestId),
        (error: unknown) => error instanceof ContractError && error.rule === rule && error.variant === 'Challenger',
      );
      const line = lines.find((l) => l.requestId === requestId);
      // A rule already logged within the minute is counted, not logged again.
      if (breaches.findIndex(([r]) => r === rule) === i) {
        assert.equal(line?.rule, rule);
        assert.equal(line?.variant, 'Challenger');
        assert.equal(line?.level, 40);
      } else assert.equal(line, undefined);
    });
  }

  it('holds a batch answer to one entry per shelf, each to its own k', async () => {
    const batch = {
      shelves: [
        { ...ask, k: 1 },
        { ...ask, k: 2 },
      ],
    };
    container.answer(() => ({
      body: JSON.stringify({ shelves: [{ recommendations: [rec('P1', 1)] }], modelVersion: 'v1' }),
    }));
    const call = () => endpoint.invokeBatch!(batch, { requestId: 'b', signal: AbortSignal.timeout(5000) });
    await assert.rejects(call(), (error: unknown) => error instanceof ContractError && error.rule === 'shelf-count');
    container.answer(() => ({
      body: JSON.stringify({
        shelves: [{ recommendations: [rec('P1', 1), rec('P2', 0)] }, { recommendations: [] }],
        modelVersion: 'v1',
      }),
    }));
    await assert.rejects(call(), (error: unknown) => error instanceof ContractError && error.rule === 'at-most-k');
  });
});
