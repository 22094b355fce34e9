/**
 * `POST /v1/events` over real HTTP: ids keyed by who may send them (a page cannot shadow the
 * storefront server's purchase), a body limit that fits the largest batch the schema allows,
 * JSON and text/plain alike, and a per-client limit on events (not requests).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { clickEvent, everyStoredId } from '../../../workshop/test-support/event-store.ts';
import { startRedis } from '../../../workshop/test-support/redis-process.ts';
import { startStack, type TestStack } from '../../../workshop/test-support/stack.ts';
import { until } from '../../../workshop/test-support/until.ts';
import { maxBatchBytes, maxBatchSize, maximalEvent } from '../../events/shelf-event.ts';

const serverKey = 'test-storefront-server-key-0123456789';
const json = { 'content-type': 'application/json' };
const fromServer = { ...json, authorization: `Bearer ${serverKey}` };
const batch = (...events: Array<Record<string, unknown>>): string => JSON.stringify({ events });

describe('events route', { timeout: 120_000 }, () => {
  describe('namespaces', () => {
    let stack: TestStack;
    before(async () => {
      stack = await startStack({ config: { serverKey } });
    });
    after(async () => {
      await stack?.close();
    });

    it("a page's event with the id of the server's purchase does not make the purchase a duplicate", async () => {
      const id = 'order-1001-22423';
      const page = await stack.send('POST', '/v1/events', batch({ ...clickEvent(id), type: 'impression' }), json);
      assert.equal(page.status, 202);
      assert.equal(page.body.accepted, 1);
      const purchase = { ...clickEvent(id, 'buyer-ns-1'), type: 'purchase', itemId: '22423' };
      const bought = await stack.send('POST', '/v1/events', batch(purchase), fromServer);
      assert.equal(bought.status, 202);
      assert.deepEqual([bought.body.accepted, bought.body.duplicates], [1, 0], 'the purchase is stored');
      assert.equal(stack.proxy.eventLog.recentlyBought('buyer-ns-1', 30).has('22423'), true, 'and counted');
      // Each namespace still recognises its own retries.
      const pageRetry = await stack.send('POST', '/v1/events', batch({ ...clickEvent(id), type: 'impression' }), json);
      assert.deepEqual([pageRetry.body.accepted, pageRetry.body.duplicates], [0, 1]);
      const serverRetry = await stack.send('POST', '/v1/events', batch(purchase), fromServer);
      assert.deepEqual([serverRetry.body.accepted, serverRetry.body.duplicates], [0, 1]);
      assert.deepEqual(everyStoredId(stack.proxy.eventLog.dir), [id, id]);
    });
  });

  describe('body limit', () => {
    let stack: TestStack;
    before(async () => {
      stack = await startStack();
    });
    after(async () => {
      await stack?.close();
    });

    it(`reads ${maxBatchSize} longest events, JSON or text/plain; a byte more is a 413 naming the limit`, async () => {
      const body = batch(...Array.from({ length: maxBatchSize }, () => maximalEvent));
      const padded = body.replace('{"events":', `{"events":${' '.repeat(maxBatchBytes - Buffer.byteLength(body))}`);
      assert.equal(Buffer.byteLength(padded), maxBatchBytes);
      for (const contentType of ['application/json', 'text/plain']) {
        const read = await stack.send('POST', '/v1/events', padded, { 'content-type': contentType });
        // Read and judged event by event (the longest product id is no catalog product): not a 413.
        assert.equal(read.status, 400, `${contentType}: ${read.text.slice(0, 200)}`);
        assert.match(read.body.error.message, /^events\[0\]\.itemId: /);
        const over = await stack.send('POST', '/v1/events', `${padded} `, { 'content-type': contentType });
        assert.equal(over.status, 413, contentType);
        assert.equal(over.body.error.code, 'payload_too_large');
        assert.match(over.body.error.message, new RegExp(`^body: larger than ${maxBatchBytes} bytes`));
      }
    });
  });

  describe('events a minute', () => {
    let stack: TestStack;
    before(async () => {
      stack = await startStack({ config: { serverKey, eventsPerMinute: 10 } });
    });
    after(async () => {
      await stack?.close();
    });

    it('counts events, not requests: past the limit 429 with Retry-After and nothing stored', async () => {
      const clicks = (from: number, count: number) =>
        batch(...Array.from({ length: count }, (_, i) => clickEvent(`evt-limit-${from + i}`)));
      const first = await stack.send('POST', '/v1/events', clicks(0, 6), json);
      assert.deepEqual([first.status, first.body.accepted], [202, 6]);
      // One request more, but 12 events: refused whole.
      const second = await stack.send('POST', '/v1/events', clicks(6, 6), json);
      assert.equal(second.status, 429);
      assert.equal(second.body.error.code, 'rate_limited');
      assert.match(second.body.error.message, /more than 10 events a minute/);
      assert.ok(Number(second.headers.get('retry-after')) >= 1);
      // Nothing left this minute: refused before the body is read, as text/plain too.
      const third = await stack.send('POST', '/v1/events', clicks(12, 1), { 'content-type': 'text/plain' });
      assert.equal(third.status, 429);
      assert.ok(Number(third.headers.get('retry-after')) >= 1);
      assert.equal(everyStoredId(stack.proxy.eventLog.dir).length, 6, 'nothing of the refused batches stored');
      // The storefront's server is not limited by the shoppers' allowance.
      const purchase = { ...clickEvent('order-limit-1', 'buyer-limit-1'), type: 'purchase', itemId: '22423' };
      const bought = await stack.send('POST', '/v1/events', batch(purchase), fromServer);
      assert.deepEqual([bought.status, bought.body.accepted], [202, 1]);
    });
  });

  describe('sharing Redis', () => {
    it('a client keeps its limit while Redis is hung: what the fleet admitted is counted here too', async () => {
      const redis = await startRedis();
      const config = {
        redisUrl: redis.url,
        redisTimeoutMs: 50,
        pseudonymKey: 'test-pseudonym-key-0123456789abcdef',
        eventsPerMinute: 10,
      };
      const stack = await startStack({ config });
      try {
        await until(() => stack.proxy.redis?.up, Boolean, 'connected to redis');
        const clicks = (from: number) =>
          batch(...Array.from({ length: 6 }, (_, i) => clickEvent(`evt-hung-limit-${from + i}`)));
        assert.equal((await stack.send('POST', '/v1/events', clicks(0), json)).status, 202);
        redis.pause();
        const whileHung = await stack.send('POST', '/v1/events', clicks(6), json);
        redis.resume();
        assert.equal(whileHung.status, 429, whileHung.text);
        assert.equal(everyStoredId(stack.proxy.eventLog.dir).length, 6);
      } finally {
        redis.resume();
        await stack.close();
        await redis.stop();
      }
    });

    it("one client's events a minute are counted across the fleet", async () => {
      const redis = await startRedis();
      const config = {
        redisUrl: redis.url,
        redisTimeoutMs: 50,
        pseudonymKey: 'test-pseudonym-key-0123456789abcdef',
        eventsPerMinute: 10,
      };
      const a = await startStack({ config });
      const b = await startStack({ config });
      try {
        await until(() => a.proxy.redis?.up && b.proxy.redis?.up, Boolean, 'both connected to redis');
        const clicks = (from: number) =>
          batch(...Array.from({ length: 6 }, (_, i) => clickEvent(`evt-fleet-limit-${from + i}`)));
        assert.equal((await a.send('POST', '/v1/events', clicks(0), json)).status, 202);
        const atB = await b.send('POST', '/v1/events', clicks(6), json);
        assert.equal(atB.status, 429, 'B knows of the 6 events A took');
        assert.deepEqual(everyStoredId(b.proxy.eventLog.dir), []);
      } finally {
        await a.close();
        await b.close();
        await redis.stop();
      }
    });

    it('an id acknowledged by A while Redis is slow to write is, posted at once to B, a duplicate there', async () => {
      const redis = await startRedis();
      const admin = new Redis(redis.url);
      // The shipped read timeout (5 ms); a key for the digests that Redis needs.
      const config = {
        redisUrl: redis.url,
        redisTimeoutMs: 5,
        pseudonymKey: 'test-pseudonym-key-0123456789abcdef',
      };
      const a = await startStack({ config });
      const b = await startStack({ config });
      try {
        await until(() => a.proxy.redis?.up && b.proxy.redis?.up, Boolean, 'both connected to redis');
        // Redis holds every write for 500 ms: the claim and the "stored" mark wait, a 5 ms read would not.
        await admin.call('CLIENT', 'PAUSE', '500', 'WRITE');
        const first = await a.send('POST', '/v1/events', batch(clickEvent('evt-slow-redis-1')), json);
        assert.deepEqual([first.status, first.body.accepted], [202, 1]);
        const retry = await b.send('POST', '/v1/events', batch(clickEvent('evt-slow-redis-1')), json);
        assert.equal(retry.status, 202, retry.text);
        assert.deepEqual([retry.body.accepted, retry.body.duplicates], [0, 1]);
        const stored = [...everyStoredId(a.proxy.eventLog.dir), ...everyStoredId(b.proxy.eventLog.dir)];
        assert.deepEqual(stored, ['evt-slow-redis-1']);
      } finally {
        await a.close();
        await b.close();
        admin.disconnect();
        await redis.stop();
      }
    });
  });
});
