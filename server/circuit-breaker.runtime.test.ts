import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startStack } from '../test-support/stack.ts';
import { until } from '../test-support/until.ts';

describe('circuit breaker against the local runtime', () => {
  it('opens after repeated failures, answers circuit-open without calling, probes, closes on recovery', async () => {
    const stack = await startStack({ config: { breakerFailures: 3, breakerProbeMs: 300, cacheFreshMs: 0 } });
    try {
      await stack.weather('error');
      for (let i = 0; i < 3; i++)
        assert.equal(
          (await stack.get(`/v1/recommendations?placement=home&sessionId=b${i}`)).body.fallbackReason,
          'error',
        );
      assert.equal(stack.proxy.breaker.state, 'open');
      const before = await stack.invocations();
      const open = await stack.get('/v1/recommendations?placement=home&sessionId=b-open');
      assert.equal(open.body.fallbackReason, 'circuit-open');
      assert.equal(open.body.items.length, 8);
      assert.equal(await stack.invocations(), before, 'no call while open');
      assert.match((await stack.admin('/metrics')).text, /reco_breaker_state 2/);

      await stack.weather('normal');
      const probe = await until(
        () => stack.get('/v1/recommendations?placement=home&sessionId=b-probe'),
        (r) => r.body.fallbackReason !== 'circuit-open',
        'the probe',
      );
      assert.equal(probe.body.source, 'model');
      assert.equal(stack.proxy.breaker.state, 'closed');
    } finally {
      await stack.close();
    }
  });

  it('re-opens when the probe fails', async () => {
    const stack = await startStack({ config: { breakerFailures: 1, breakerProbeMs: 200, cacheFreshMs: 0 } });
    try {
      await stack.weather('error');
      await stack.get('/v1/recommendations?placement=home&sessionId=r1');
      assert.equal(stack.proxy.breaker.state, 'open');
      await until(
        () => stack.get('/v1/recommendations?placement=home&sessionId=r2'),
        (r) => r.body.fallbackReason === 'error',
        'the failed probe',
      );
      assert.equal(stack.proxy.breaker.state, 'open');
    } finally {
      await stack.close();
    }
  });
});

describe('A/B over production variants', () => {
  it('keeps each shopper on one variant by weight, sends it as TargetVariant and reports who answered', async () => {
    const stack = await startStack({
      variants: [
        { name: 'model-a', weight: 1 },
        { name: 'model-b', weight: 1 },
      ],
      config: { variants: { 'model-a': 50, 'model-b': 50 }, cacheFreshMs: 0 },
    });
    try {
      const seen = new Map<string, string>();
      for (let round = 0; round < 2; round++) {
        for (let u = 0; u < 20; u++) {
          const { body } = await stack.get(`/v1/recommendations?placement=home&userId=ab-${u}`);
          const variant = body.model!.variant!;
          if (round === 0) seen.set(`ab-${u}`, variant);
          else assert.equal(variant, seen.get(`ab-${u}`), `shopper ab-${u} changed variant`);
        }
      }
      const counts = [...seen.values()].reduce<Record<string, number>>((c, v) => {
        c[v] = (c[v] ?? 0) + 1;
        return c;
      }, {});
      assert.ok((counts['model-a'] ?? 0) > 0 && (counts['model-b'] ?? 0) > 0, JSON.stringify(counts));
      const byVariant = JSON.parse(await fetch(`${stack.runtime.url}/_stats`).then((r) => r.text()))
        .byVariant as Record<string, number>;
      assert.equal(byVariant['model-a'], counts['model-a']! * 2);
    } finally {
      await stack.close();
    }
  });
});

describe('correlation', () => {
  it('sends the requestId upstream as the InferenceId and in CustomAttributes', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const stack = await startStack();
    try {
      stack.runtime.runtime.server.on('request', (req) =>
        logged.push({
          inferenceId: req.headers['x-amzn-sagemaker-inference-id'],
          custom: req.headers['x-amzn-sagemaker-custom-attributes'],
        }),
      );
      const { body } = await stack.get('/v1/recommendations?placement=home&userId=corr-1');
      assert.match(body.requestId, /^[0-9a-f-]{36}$/);
      assert.deepEqual(logged.at(-1), { inferenceId: body.requestId, custom: `requestId=${body.requestId}` });
    } finally {
      await stack.close();
    }
  });
});
