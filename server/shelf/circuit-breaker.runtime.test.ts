import assert from 'node:assert/strict';
import { askShelf } from '../../workshop/test-support/shelf-request.ts';
import { describe, it } from 'node:test';
import { startStack, type TestStack } from '../../workshop/test-support/stack.ts';
import { until } from '../../workshop/test-support/until.ts';
import { variantAssigner } from '../shoppers/variant-assignment.ts';

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

describe('configuration errors against the local runtime', () => {
  const configErrors = async (stack: TestStack, kind: string): Promise<number> =>
    Number(
      new RegExp(`^reco_upstream_config_errors_total\\{kind="${kind}"\\} (\\d+)`, 'm').exec(
        await stack.proxy.metrics.registry.metrics(),
      )?.[1] ?? 0,
    );

  it('a wrong endpoint name is counted and opens the breaker (no doomed call a shelf); shelves served', async () => {
    const stack = await startStack({
      config: { endpointName: 'reco-shelf-typo', breakerFailures: 3, breakerProbeMs: 300, cacheFreshMs: 0 },
    });
    try {
      for (let i = 0; i < 3; i++) {
        const shelf = await stack.get(`/v1/recommendations?placement=home&sessionId=typo${i}`);
        assert.equal(shelf.status, 200);
        assert.equal(shelf.body.fallbackReason, 'error');
        assert.ok(shelf.body.items.length > 0);
      }
      assert.equal(await configErrors(stack, 'endpoint-not-found'), 3);
      assert.equal(stack.proxy.breaker.state, 'open');
      const open = await stack.get('/v1/recommendations?placement=home&sessionId=typo-open');
      assert.equal(open.body.fallbackReason, 'circuit-open');
      assert.equal(await configErrors(stack, 'endpoint-not-found'), 3, 'no call while open');
      // The probe finds the name still wrong and re-opens the breaker.
      await until(
        () => stack.get('/v1/recommendations?placement=home&sessionId=typo-probe'),
        (r) => r.body.fallbackReason === 'error',
        'the probe',
      );
      assert.equal(await configErrors(stack, 'endpoint-not-found'), 4);
      assert.equal(stack.proxy.breaker.state, 'open');
    } finally {
      await stack.close();
    }
  });

  it('a probe meeting a rolled-back variant releases the breaker; the next shopper probes and closes it', async () => {
    const weights = { gone: 50, AllTraffic: 50 };
    const stack = await startStack({
      config: { variants: weights, breakerFailures: 3, breakerProbeMs: 300, cacheFreshMs: 0 },
    });
    const assign = variantAssigner(weights);
    const shopperOn = (variant: string, from: number) => {
      for (let i = from; ; i++) if (assign(`s:v${i}`) === variant) return `v${i}`;
    };
    try {
      await stack.weather('error');
      for (let i = 0; i < 3; i++)
        await stack.get(`/v1/recommendations?placement=home&sessionId=${shopperOn('AllTraffic', i * 10)}`);
      assert.equal(stack.proxy.breaker.state, 'open');
      await stack.weather('normal');
      // The first shopper after the wait is on the variant the endpoint no longer has.
      const goneShopper = shopperOn('gone', 0);
      await until(
        () => stack.get(`/v1/recommendations?placement=home&sessionId=${goneShopper}`),
        (r) => r.body.fallbackReason === 'error',
        'the probe on the removed variant',
      );
      assert.equal(await configErrors(stack, 'variant-not-found'), 1);
      assert.notEqual(stack.proxy.breaker.state, 'half-open');
      const next = await stack.get(`/v1/recommendations?placement=home&sessionId=${shopperOn('AllTraffic', 100)}`);
      assert.equal(next.body.source, 'model', 'the next shopper probed');
      assert.equal(stack.proxy.breaker.state, 'closed');
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
          const { body } = await askShelf(stack, { placement: 'home', userId: `ab-${u}` });
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
      const { body } = await askShelf(stack, { placement: 'home', userId: 'corr-1' });
      assert.match(body.requestId, /^[0-9a-f-]{36}$/);
      assert.deepEqual(logged.at(-1), { inferenceId: body.requestId, custom: `requestId=${body.requestId}` });
    } finally {
      await stack.close();
    }
  });
});
