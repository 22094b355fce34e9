/**
 * Redis holds no raw customer or session id: a proxy with a real `redis-server` serves shelves
 * and takes events for a known customer and session, then every key and every value in Redis
 * is read back (SCAN, then GET / ZRANGE / HGETALL / LRANGE / SMEMBERS and DUMP) and neither id,
 * nor a plain (unkeyed) SHA-256 of it, may appear anywhere.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { clickEvent } from '../../workshop/test-support/event-store.ts';
import { type RedisProcess, startRedis } from '../../workshop/test-support/redis-process.ts';
import { startStack, type TestStack } from '../../workshop/test-support/stack.ts';
import { until } from '../../workshop/test-support/until.ts';

const customer = 'cust-5150-quokka';
const session = 'sess-7d3f-wombat';
const serverKey = 'redis-privacy-storefront-server-key-0123';

/** Every form a guessable id could take in Redis: the id, and plain SHA-256 digests of it and of its shopper key. */
function needles(id: string, shopperKey: string): string[] {
  const forms = [id];
  for (const text of [id, shopperKey]) {
    const digest = createHash('sha256').update(text).digest();
    forms.push(digest.toString('hex'), digest.toString('base64'), digest.toString('base64url').slice(0, 32));
  }
  return forms;
}

/** Every key and value under `prefix`, as one text per key (binary DUMPs as latin1). */
async function everything(client: Redis): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const key of keys) {
      const type = await client.type(key);
      const value =
        type === 'string'
          ? await client.get(key)
          : type === 'zset'
            ? await client.zrange(key, '0', '-1', 'WITHSCORES')
            : type === 'hash'
              ? await client.hgetall(key)
              : type === 'list'
                ? await client.lrange(key, 0, -1)
                : type === 'set'
                  ? await client.smembers(key)
                  : null;
      const dump = await client.dumpBuffer(key);
      out.push(`${key} ${type} ${JSON.stringify(value)} ${dump?.toString('latin1') ?? ''}`);
    }
  } while (cursor !== '0');
  return out;
}

describe('what Redis holds', { timeout: 60_000 }, () => {
  let redis: RedisProcess;
  let stack: TestStack;
  let client: Redis;
  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    stack = await startStack({
      config: {
        redisUrl: redis.url,
        redisTimeoutMs: 100,
        pseudonymKey: 'redis-privacy-test-pseudonym-key-0123456789',
        serverKey,
        rateLimit: 1000,
        cacheFreshMs: 0,
      },
    });
    await until(() => stack.proxy.redis?.up, Boolean, 'the proxy connected to redis');
  });
  after(async () => {
    await stack?.close();
    client?.disconnect();
    await redis?.stop();
  });

  /** A shelf as the storefront's back end asks for it: the shopper in a JSON body, never in a URL. */
  const shelfFor = (query: Record<string, string>) =>
    stack.send('POST', '/v1/recommendations', JSON.stringify(query), { 'content-type': 'application/json' });

  it('no raw customer or session id, and no plain hash of one, in any key or value', async () => {
    const byCustomer = await shelfFor({ placement: 'home', userId: customer });
    const bySession = await shelfFor({ placement: 'home', sessionId: session });
    assert.equal(byCustomer.body.source, 'model');
    assert.equal(bySession.body.source, 'model');
    const json = { 'content-type': 'application/json' };
    const purchase = { ...clickEvent('evt-privacy-0001', customer), type: 'purchase', itemId: '22423' };
    const bought = await stack.send('POST', '/v1/events', JSON.stringify({ events: [purchase] }), {
      ...json,
      authorization: `Bearer ${serverKey}`,
    });
    assert.equal(bought.status, 202);
    const { userId: _none, ...anonymous } = clickEvent('evt-privacy-0002');
    const click = await stack.send(
      'POST',
      '/v1/events',
      JSON.stringify({ events: [{ ...anonymous, sessionId: session }] }),
      json,
    );
    assert.equal(click.status, 202);
    // A guest purchase by the session, then its sign-in as the customer (the experiment's memories and the join).
    const guest = { ...anonymous, id: 'evt-privacy-0003', sessionId: session, type: 'purchase', itemId: '22423' };
    const identify = { id: 'evt-privacy-0004', type: 'identify', sessionId: session, userId: customer, ts: Date.now() };
    const signedIn = await stack.send('POST', '/v1/events', JSON.stringify({ events: [guest, identify] }), {
      ...json,
      authorization: `Bearer ${serverKey}`,
    });
    assert.equal(signedIn.status, 202);
    // The writes go out after each answer: wait until the shared cache and the purchase index hold them.
    const held = await until(
      () => everything(client),
      (all) =>
        all.filter((e) => /latest:/.test(e)).length >= 2 &&
        all.filter((e) => /bought:/.test(e)).length >= 2 &&
        ['served:', 'pinned:', 'identified:', 'seen:'].every((name) => all.some((e) => e.includes(name))),
      'the shared cache, the purchase index and the experiment memories to be written',
    );
    for (const [id, shopperKey] of [
      [customer, `u:${customer}`],
      [session, `s:${session}`],
    ] as const) {
      for (const needle of needles(id, shopperKey)) {
        const found = held.find((entry) => entry.includes(needle));
        assert.equal(found, undefined, `"${needle}" (from ${id}) is in Redis: ${found?.slice(0, 200)}`);
      }
    }
  });
});
