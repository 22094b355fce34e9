import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { startStack } from '../workshop/test-support/stack.ts';
import { until } from '../workshop/test-support/until.ts';

const home = (shopper: string): string => `/v1/recommendations?placement=home&sessionId=${shopper}`;

describe('behind a balancer', () => {
  it('keys the rate limit on X-Forwarded-For only when RECO_TRUST_PROXY trusts the hop', async () => {
    for (const trustProxy of [false, ['loopback']] as const) {
      const stack = await startStack({
        config: { rateLimit: 2, trustProxy: trustProxy === false ? false : [...trustProxy] },
      });
      try {
        const from = (client: string) => stack.get(home('rl'), { 'X-Forwarded-For': client });
        assert.equal((await from('203.0.113.1')).status, 200);
        assert.equal((await from('203.0.113.1')).status, 200);
        assert.equal((await from('203.0.113.1')).status, 429);
        // Untrusted, the header is anyone's to forge: every client is the balancer's address.
        assert.equal((await from('203.0.113.2')).status, trustProxy ? 200 : 429, `trust ${String(trustProxy)}`);
      } finally {
        await stack.close();
      }
    }
  });

  it('keeps idle connections longer than a balancer does', async () => {
    const stack = await startStack();
    try {
      assert.ok(stack.proxy.server.keepAliveTimeout > 60_000);
      assert.ok(stack.proxy.server.headersTimeout > stack.proxy.server.keepAliveTimeout);
    } finally {
      await stack.close();
    }
  });

  it('on shutdown answers /readyz 503 for the drain time while still serving, then closes', async () => {
    const stack = await startStack();
    try {
      assert.equal((await stack.get('/readyz')).status, 200);
      const started = performance.now();
      const shutdown = stack.proxy.shutdown(600);
      const ready = await stack.get('/readyz');
      assert.equal(ready.status, 503);
      assert.match(ready.text, /"status":"draining"/);
      const served = await stack.get(home('drain'));
      assert.equal(served.status, 200);
      assert.equal(served.headers.get('connection'), 'close', 'each answer closes its connection while draining');
      await shutdown;
      assert.ok(performance.now() - started >= 590, 'not closed before the drain time');
      await assert.rejects(fetch(`${stack.proxy.url}/healthz`), 'closed after the drain');
    } finally {
      await stack.close();
    }
  });
});

describe('protecting the cloud and the budget', () => {
  it('answers "overloaded" at once beyond RECO_MAX_INFLIGHT calls in flight', async () => {
    const stack = await startStack({ budgetMs: 100, config: { maxInflight: 2, breakerFailures: 1000 } });
    try {
      await stack.weather('hang');
      const answers = await Promise.all(['o1', 'o2', 'o3', 'o4'].map((s) => stack.get(home(s))));
      const reasons = answers.map((a) => a.body.fallbackReason).sort();
      assert.deepEqual(reasons, ['overloaded', 'overloaded', 'timeout', 'timeout']);
      assert.ok(answers.every((a) => a.status === 200 && a.body.items.length > 0));
      assert.equal(stack.proxy.bulkhead.peak, 2);
      assert.match((await stack.admin('/metrics')).text, /reco_upstream_in_flight 2/);
      assert.match((await stack.admin('/metrics')).text, /reason="overloaded"\} 2/);
    } finally {
      await stack.weather('normal');
      await stack.close();
    }
  });

  it('opens the breaker on calls that answer after the budget, though they warm the cache', async () => {
    const stack = await startStack({ budgetMs: 100, config: { breakerFailures: 3, breakerProbeMs: 60_000 } });
    try {
      await stack.weather('slow', 300);
      for (const shopper of ['l1', 'l2', 'l3'])
        assert.equal((await stack.get(home(shopper))).body.fallbackReason, 'timeout');
      await until(
        () => stack.proxy.breaker.state,
        (s) => s === 'open',
        'the late answers to open the breaker',
      );
      assert.equal((await stack.get(home('l4'))).body.fallbackReason, 'circuit-open');
      assert.equal((await stack.get(home('l1'))).body.source, 'cache', 'the late answer still warmed the cache');
    } finally {
      await stack.weather('normal');
      await stack.close();
    }
  });

  it('answers "disabled" from the rules, bypassing cloud and cache, when the rules switch the model off', async () => {
    const stack = await startStack();
    try {
      assert.equal((await stack.get(home('k1'))).body.source, 'model');
      const path = stack.proxy.config.placementsFile;
      const rules = JSON.parse(readFileSync(path, 'utf8')) as { placements: Record<string, Record<string, unknown>> };
      rules.placements.home!.model = false;
      writeFileSync(path, JSON.stringify(rules));
      const before = await stack.invocations();
      const off = await until(
        () => stack.get(home('k1')),
        (r) => r.body.fallbackReason === 'disabled',
        'the switch to take effect',
      );
      assert.equal(off.body.source, 'fallback', 'not the fresh cached answer either');
      assert.ok(!off.body.resolvers.includes('last-model-answer'));
      assert.equal(off.body.items.length, 8);
      assert.equal(await stack.invocations(), before, 'no call while switched off');
      assert.equal(
        (await stack.get('/v1/recommendations?placement=product&items=22423&sessionId=k2')).body.source,
        'model',
      );
      delete rules.placements.home!.model;
      writeFileSync(path, JSON.stringify(rules));
      await until(
        () => stack.get(home('k3')),
        (r) => r.body.source === 'model',
        'the switch back on',
      );
    } finally {
      await stack.close();
    }
  });
});
