/**
 * Issue #20 "every new session × items adds a 24 h cache entry and a billable InvokeEndpoint":
 * one client inventing session ids gets at most RECO_FRESH_SESSIONS_PER_MINUTE of them keyed,
 * and a shelf for every request; the rest are one anonymous shopper. Calls are counted where
 * they land, at the model container behind the local SageMaker runtime.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RedisProcess, startRedis } from '../../workshop/test-support/redis-process.ts';
import { askShelf } from '../../workshop/test-support/shelf-request.ts';
import { startStack, type TestStack } from '../../workshop/test-support/stack.ts';
import { defaults } from '../config.ts';
import { freshSessionGate } from './fresh-sessions.ts';

const perMinute = 10;

describe('fresh session ids per client', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ config: { freshSessionsPerMinute: perMinute, trustProxy: ['loopback'] } });
  });
  after(() => stack.close());

  it('answers 200 new sessions from one client with 200 shelves and at most the bound of model calls', async () => {
    const calls = stack.container.received.length;
    const statuses: number[] = [];
    for (let i = 0; i < 200; i += 20) {
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, k) => askShelf(stack, { placement: 'home', sessionId: `flood-${i + k}` })),
      );
      for (const answer of answers) {
        statuses.push(answer.status);
        assert.equal(answer.body.items.length, 8);
      }
    }
    assert.deepEqual(new Set(statuses), new Set([200]));
    const made = stack.container.received.length - calls;
    // The bound's sessions each miss the cache once; every other request is the one anonymous shopper.
    assert.ok(made >= perMinute && made <= perMinute + 1, `${made} model calls for 200 new sessions`);
  });

  it('keeps a session it admitted, and answers a new one past the bound as the shared anonymous shopper', async () => {
    const calls = () => stack.container.received.length;
    const items = ['22423'];
    const before = calls();
    await askShelf(stack, { placement: 'product', sessionId: 'flood-past-1', items });
    assert.equal(calls(), before + 1, 'the anonymous answer for these items');
    await askShelf(stack, { placement: 'product', sessionId: 'flood-past-2', items });
    assert.equal(calls(), before + 1, 'another new session shares it: no call of its own');
    await askShelf(stack, { placement: 'product', sessionId: 'flood-0', items });
    assert.equal(calls(), before + 2, 'an admitted session is still its own shopper');
  });

  it('counts each client apart: another address behind the balancer has its own bound', async () => {
    const before = stack.container.received.length;
    const other = { 'x-forwarded-for': '203.0.113.9' };
    for (let i = 0; i < 3; i++) {
      const answer = await askShelf(stack, { placement: 'home', sessionId: `other-client-${i}` }, other);
      assert.equal(answer.status, 200);
    }
    assert.equal(stack.container.received.length, before + 3);
  });

  it('counts an IPv6 client by its /64: a new address in it for every request is still one client', async () => {
    const before = stack.container.received.length;
    for (let i = 0; i < 2 * perMinute; i++) {
      const from = { 'x-forwarded-for': `2001:db8:0:7::${(i + 1).toString(16)}` };
      assert.equal((await askShelf(stack, { placement: 'home', sessionId: `v6-${i}` }, from)).status, 200);
    }
    const made = stack.container.received.length - before;
    assert.ok(made <= perMinute + 1, `${made} model calls for ${2 * perMinute} sessions from one /64`);
  });

  it('leaves the sessions of named customers alone', async () => {
    const before = stack.container.received.length;
    for (let i = 0; i < 3; i++) await askShelf(stack, { placement: 'home', userId: `c-${i}`, sessionId: `named-${i}` });
    assert.equal(stack.container.received.length, before + 3);
  });
});

describe('fresh session ids past the bound, with a control arm', () => {
  let stack: TestStack;
  before(async () => {
    // Every shopper with a key is held out: a session past the bound must stay in its arm, not become a model shelf.
    stack = await startStack({ config: { freshSessionsPerMinute: 1, holdoutPercent: 100, trustProxy: ['loopback'] } });
  });
  after(() => stack.close());

  it('answers a dropped session in the arm its events are counted in', async () => {
    const admitted = await askShelf(stack, { placement: 'home', sessionId: 'arm-admitted' });
    assert.equal(admitted.body.fallbackReason, 'holdout');
    const dropped = await askShelf(stack, { placement: 'home', sessionId: 'arm-dropped' });
    assert.equal(dropped.status, 200);
    assert.equal(dropped.body.fallbackReason, 'holdout', 'a held-out session past the bound is still held out');
    assert.match(
      (await stack.admin('/metrics')).text,
      /^reco_fresh_sessions_dropped_total 1$/m,
      'the second session was past the bound',
    );
  });
});

describe('the fresh-session gate', () => {
  it('is on by default, and off at 0', async () => {
    assert.equal(defaults.freshSessionsPerMinute, 60);
    const off = freshSessionGate({ perMinute: 0 });
    for (let i = 0; i < 100; i++) assert.equal(await off('c', `s-${i}`), true);
  });

  it('remembers a bounded number of sessions: one forgotten costs a count again', async () => {
    const gate = freshSessionGate({ perMinute: 3, maxRemembered: 2 });
    for (const s of ['a', 'b', 'c']) assert.equal(await gate('client', s), true);
    assert.equal(await gate('client', 'b'), true, 'remembered');
    assert.equal(await gate('client', 'a'), false, 'forgotten (only two are kept), and the bound is spent');
  });

  let redis: RedisProcess;
  before(async () => {
    redis = await startRedis();
  });
  after(() => redis.stop());

  it('shares the count across proxies on one Redis', async () => {
    const config = {
      freshSessionsPerMinute: 4,
      redisUrl: redis.url,
      redisKeyPrefix: `fresh-${process.pid}:`,
      pseudonymKey: 'test-pseudonym-key-0123456789abcdef',
    };
    const [a, b] = [await startStack({ config }), await startStack({ config })];
    try {
      // Counted from here: a proxy's warm-up calls the model too.
      const fromA = a.container.received.length;
      for (let i = 0; i < 4; i++) await askShelf(a, { placement: 'home', sessionId: `fleet-${i}` });
      assert.equal(a.container.received.length - fromA, 4);
      for (let i = 4; i < 8; i++) await askShelf(b, { placement: 'home', sessionId: `fleet-${i}` });
      // Judged by the gate's own count, not by the model's calls: on a busy machine a call past the budget
      // is not cached, so the one anonymous shopper may be asked again.
      const dropped = async (stack: typeof a) =>
        /^reco_fresh_sessions_dropped_total (\d+)$/m.exec((await stack.admin('/metrics')).text)?.[1];
      assert.equal(await dropped(a), '0');
      assert.equal(
        await dropped(b),
        '4',
        "the fleet's bound was spent on A: B answers all four as one anonymous shopper",
      );
    } finally {
      await a.close();
      await b.close();
    }
  });
});
