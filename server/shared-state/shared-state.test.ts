/**
 * Several proxies sharing state through a real Redis (and, for the rate limit, behind a
 * real HAProxy): the scenarios 1-3 with two in-process proxies A and B, each
 * with its own local runtime, so what B answers can only have come through Redis; and a
 * sick Redis (hung, down, refusing) costing no shelf.
 */
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { after, before, describe, it } from 'node:test';
import { testPseudonymKey } from '../../workshop/test-support/fixtures.ts';
import { startHaproxy } from '../../workshop/test-support/haproxy-process.ts';
import { askShelf } from '../../workshop/test-support/shelf-request.ts';
import { clickEvent, storedEventsIn } from '../../workshop/test-support/event-store.ts';
import { type RedisProcess, startRedis } from '../../workshop/test-support/redis-process.ts';
import { startStack, type TestStack } from '../../workshop/test-support/stack.ts';
import { until } from '../../workshop/test-support/until.ts';
import type { ProxyConfig } from '../config.ts';
import { InProcessRecentlyBought } from '../events/recently-bought.ts';
import { SharedRecentlyBought } from '../events/shared-recently-bought.ts';
import { openRedisConnection } from './redis-connection.ts';
import { redisDigester } from '../../contracts/pseudonym.ts';

/** Instances sharing a Redis share the key of its digests. */
const digest = redisDigester(testPseudonymKey);

const home = (shopper: string): string => `/v1/recommendations?placement=home&sessionId=${shopper}`;
const sharedErrors = async (stack: TestStack): Promise<number> => {
  const text = (await stack.admin('/metrics')).text;
  return [...text.matchAll(/^reco_shared_state_errors_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
};

describe('shared state through Redis', { timeout: 120_000 }, () => {
  let redis: RedisProcess;
  let prefix = 0;
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    await redis?.stop();
  });
  /** Two proxies on one fresh key space. */
  const pair = async (config: Partial<ProxyConfig> = {}, budgetMs?: number): Promise<[TestStack, TestStack]> => {
    const shared = {
      redisUrl: redis.url,
      // Redis holds ids only as digests keyed with it; both instances share one key.
      pseudonymKey: testPseudonymKey,
      redisKeyPrefix: `t${++prefix}:`,
      redisTimeoutMs: 50,
      ...config,
    };
    const a = await startStack({ config: shared, ...(budgetMs ? { budgetMs } : {}) });
    const b = await startStack({ config: shared, ...(budgetMs ? { budgetMs } : {}) });
    await until(() => a.proxy.redis?.up && b.proxy.redis?.up, Boolean, 'both connected to redis');
    return [a, b];
  };

  it('1. slow cloud: the late answer that lands at A serves the shopper next view at B from the cache', async () => {
    const [a, b] = await pair({}, 100);
    try {
      await a.weather('slow', 300);
      const first = await a.get(home('x'));
      assert.equal(first.body.fallbackReason, 'timeout');
      await until(
        async () => (await a.admin('/metrics')).text,
        (t) => /reco_late_answers_total 1/.test(t),
        'the late answer at A',
      );
      const before = await b.invocations();
      const next = await b.get(home('x'));
      assert.equal(next.body.source, 'cache');
      assert.equal(next.body.fallbackReason, null);
      assert.equal(await b.invocations(), before, 'B did not call its cloud');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("2. failing cloud: A opens the fleet's breaker; B answers circuit-open; one probe for the fleet", async () => {
    const [a, b] = await pair({ breakerProbeMs: 800, cacheFreshMs: 0 });
    try {
      await a.weather('error');
      await b.weather('error');
      for (let i = 0; i < 5; i++) assert.equal((await a.get(home(`f${i}`))).body.fallbackReason, 'error');
      assert.equal(a.proxy.breaker.state, 'open');
      await until(
        () => b.proxy.breaker.state,
        (s) => s === 'open',
        'B to hear that the breaker opened',
      );
      const before = await b.invocations();
      assert.equal((await b.get(home('fb'))).body.fallbackReason, 'circuit-open');
      assert.equal(await b.invocations(), before, 'B made none of its own five failures');

      await new Promise((r) => setTimeout(r, 900));
      const calls = (await a.invocations()) + (await b.invocations());
      const burst = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).get(home(`p${i}`))));
      assert.ok(burst.every((r) => r.status === 200));
      assert.equal((await a.invocations()) + (await b.invocations()) - calls, 1, 'one probe for the fleet');
      await until(
        () => [a.proxy.breaker.state, b.proxy.breaker.state].join(),
        (s) => s === 'open,open',
        'the failed probe to re-open the breaker everywhere',
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('3. through the balancer: one client has one limit across A and B; two clients have two', async () => {
    const [a, b] = await pair({ rateLimit: 5, trustProxy: ['loopback'] });
    const balancer = await startHaproxy([new URL(a.proxy.url).port, new URL(b.proxy.url).port].map(Number));
    try {
      const from = (client: string, shopper: string) =>
        fetch(`${balancer.url}${home(shopper)}`, { headers: { 'X-Forwarded-For': client } }).then((r) => r.status);
      const one: number[] = [];
      for (let i = 0; i < 8; i++) one.push(await from('203.0.113.7', `c${i}`));
      assert.deepEqual(one, [200, 200, 200, 200, 200, 429, 429, 429]);
      assert.equal(await from('203.0.113.8', 'other'), 200, 'another client has its own budget');
      const served = async (s: TestStack) =>
        Number(/reco_rate_limited_total (\d+)/.exec((await s.admin('/metrics')).text)?.[1]);
      assert.equal((await served(a)) + (await served(b)), 3);
      assert.ok((await served(a)) > 0 && (await served(b)) > 0, 'both instances refused: the count is global');
    } finally {
      await balancer.stop();
      await a.close();
      await b.close();
    }
  });

  it('4. one event id posted to A and then, as a retry, to B is stored once across the fleet', async () => {
    const [a, b] = await pair();
    try {
      const body = (id: string) => JSON.stringify({ events: [clickEvent(id)] });
      const json = { 'content-type': 'application/json' };
      const first = await a.send('POST', '/v1/events', body('evt-fleet-0001'), json);
      assert.equal(first.status, 202);
      assert.equal((first.body as unknown as { accepted: number }).accepted, 1);
      const retry = await b.send('POST', '/v1/events', body('evt-fleet-0001'), json);
      assert.equal(retry.status, 202);
      assert.deepEqual(
        [
          (retry.body as unknown as { accepted: number }).accepted,
          (retry.body as unknown as { duplicates: number }).duplicates,
        ],
        [0, 1],
      );
      const stored = [...(await storedEventsIn(a.proxy.eventLog.dir)), ...(await storedEventsIn(b.proxy.eventLog.dir))];
      assert.equal(stored.filter((e) => e.id === 'evt-fleet-0001').length, 1);
      // A fresh id at B is B's to store.
      assert.equal(
        ((await b.send('POST', '/v1/events', body('evt-fleet-0002'), json)).body as unknown as { accepted: number })
          .accepted,
        1,
      );
    } finally {
      await a.close();
      await b.close();
    }
  });

  it("a purchase posted to A keeps the item off the shopper's shelf at B; Redis down: shelves served", async () => {
    const serverKey = 'test-storefront-server-key-0123456789';
    const [a, b] = await pair({ serverKey, cacheFreshMs: 0 });
    const shelfAt = (stack: TestStack, customer: string) => askShelf(stack, { placement: 'home', userId: customer });
    const buy = (stack: TestStack, id: string, customer: string, itemId: string) =>
      stack.send(
        'POST',
        '/v1/events',
        JSON.stringify({ events: [{ ...clickEvent(id, customer), type: 'purchase', itemId }] }),
        { 'content-type': 'application/json', authorization: `Bearer ${serverKey}` },
      );
    try {
      const before = await shelfAt(b, 'buyer-1');
      assert.equal(before.body.source, 'model');
      const bought = before.body.items[0]!.id;
      assert.equal((await buy(a, 'evt-buy-fleet-1', 'buyer-1', bought)).status, 202);
      const after = await shelfAt(b, 'buyer-1');
      assert.equal(after.status, 200);
      assert.ok(!after.body.items.some((i) => i.id === bought), `${bought} bought at A is off the shelf at B`);
      assert.ok(b.container.received.at(-1)!.exclude.includes(bought), "B's model call excludes it");
      assert.equal(
        b.proxy.eventLog.recentlyBought('buyer-1', 30).has(bought),
        true,
        "B keeps the fleet's purchase for when Redis is gone",
      );

      // Redis down: A still answers from its own index, B from what it last read; never an error.
      await redis.kill();
      const errors = await sharedErrors(a);
      const down = await shelfAt(a, 'buyer-1');
      assert.equal(down.status, 200);
      assert.equal(down.body.source, 'model');
      assert.ok(!down.body.items.some((i) => i.id === bought), 'A remembers its own purchase');
      assert.ok((await sharedErrors(a)) > errors, 'the failed read is counted');
      assert.equal((await buy(a, 'evt-buy-fleet-2', 'buyer-2', bought)).status, 202, 'a purchase is stored');
      const other = await shelfAt(b, 'buyer-2');
      assert.equal(other.status, 200, 'B serves a shelf without the fleet index');
      assert.equal(other.body.source, 'model');
    } finally {
      await redis.restart();
      await a.close();
      await b.close();
    }
  });

  it('the fleet index keeps each item once at its latest purchase, trims past the horizon and expires', async () => {
    const dayMs = 86_400_000;
    const now = Date.now();
    const keyPrefix = `t${++prefix}:`;
    const open = () =>
      openRedisConnection({
        url: redis.url,
        timeoutMs: 50,
        keyPrefix,
        logger: pino({ level: 'silent' }),
        onError: () => {},
      });
    const writer = open();
    const reader = open();
    try {
      await until(() => writer.up && reader.up, Boolean, 'both connected to redis');
      const atA = new SharedRecentlyBought(new InProcessRecentlyBought(() => 30), writer, digest);
      atA.add('c1', 'old', now - 31 * dayMs);
      atA.add('c1', 'mug', now - 2 * dayMs);
      atA.add('c1', 'mug', now - 5 * dayMs); // an older purchase arriving late never moves the time back
      atA.add('c1', 'tea', now - dayMs);
      const key = writer.key(`bought:${digest('c1')}`);
      await until(
        () => writer.client.zcard(key),
        (n) => n === 2,
        'the writes to land, the old one trimmed',
      );
      assert.equal(Number(await writer.client.zscore(key, 'mug')), now - 2 * dayMs);
      const ttl = await writer.client.pttl(key);
      assert.ok(ttl > 29 * dayMs && ttl <= 30 * dayMs, `expires a horizon after the last write (${ttl} ms)`);

      // Another instance, which saw none of it, reads the fleet's purchases newest first within its look-back.
      const atB = new SharedRecentlyBought(new InProcessRecentlyBought(() => 30), reader, digest);
      assert.deepEqual([...(await atB.fleetRecentlyBought('c1', 30, now))], ['tea', 'mug']);
      assert.deepEqual([...(await atB.fleetRecentlyBought('c1', 1.5, now))], ['tea']);
      assert.deepEqual([...atB.recentlyBought('c1', 30, now)], ['tea', 'mug'], 'kept for when Redis is gone');

      // Hung Redis (stopped, its socket open): each read gives up at the connection's bound and answers
      // from the own index; a read that waited for Redis would never resolve while it is stopped.
      redis.pause();
      try {
        assert.deepEqual([...(await atB.fleetRecentlyBought('c1', 30, now))], ['tea', 'mug']);
        const stranger = new SharedRecentlyBought(new InProcessRecentlyBought(() => 30), reader, digest);
        assert.deepEqual([...(await stranger.fleetRecentlyBought('c1', 30, now))], []);
      } finally {
        redis.resume();
      }
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('a sick Redis (hung, down, refusing): no shelf lost, counted, /readyz stays ready; sharing resumes', async () => {
    const [a, b] = await pair({ redisTimeoutMs: 5, rateLimit: 1000 });
    try {
      const check = async (label: string, shopper: string) => {
        const answer = await a.get(home(shopper));
        assert.equal(answer.status, 200, label);
        assert.equal(answer.body.source, 'model', label);
        const total = Number(/total;dur=([\d.]+)/.exec(answer.headers.get('server-timing') ?? '')?.[1]);
        assert.ok(total < 150, `${label}: ${total} ms is within the budget`);
        assert.equal((await a.get('/readyz')).status, 200, label);
      };
      redis.pause();
      const before = await sharedErrors(a);
      await check('hung', 'h1');
      assert.ok((await sharedErrors(a)) > before, 'the failed calls are counted');
      redis.resume();

      await redis.kill();
      await check('down', 'd1');
      await redis.restart();
      await until(() => a.proxy.redis?.up && b.proxy.redis?.up, Boolean, 'both to reconnect by themselves', 10_000);
      await check('back', 's1');
      await until(
        async () => (await b.get(home('s1'))).body.source,
        (s) => s === 'cache',
        'sharing to resume',
      );

      // Refusing: Redis answers every write with an error (out of memory, nothing to evict).
      const admin = new Redis(redis.url);
      try {
        await admin.config('SET', 'maxmemory-policy', 'noeviction');
        await admin.config('SET', 'maxmemory', '1');
        const refused = await sharedErrors(a);
        await check('refusing', 'r1');
        await until(
          () => sharedErrors(a),
          (n) => n > refused,
          'the refused write to be counted',
        );
        await admin.config('SET', 'maxmemory', '0');
      } finally {
        admin.disconnect();
      }
    } finally {
      redis.resume();
      await a.close();
      await b.close();
    }
  });
});
