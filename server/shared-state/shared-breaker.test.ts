/**
 * The fleet's breaker against a real `redis-server`: messages ordered (a stale `closed` never
 * overrides a newer `open`), and a probe released without a verdict gives its lease back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { type RedisProcess, startRedis } from '../../workshop/test-support/redis-process.ts';
import { until } from '../../workshop/test-support/until.ts';
import { openRedisConnection, type RedisConnection } from './redis-connection.ts';
import { SharedBreaker } from './shared-breaker.ts';

describe('the shared breaker through a real Redis', { timeout: 60_000 }, () => {
  let redis: RedisProcess;
  let prefix = 0;
  const opened: Array<{ close(): unknown }> = [];
  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const o of opened) await o.close();
    await redis?.stop();
  });

  /** Instances on one fresh key space, on one test clock; `watch` hears what the fleet publishes. */
  async function fleet(options: { probeLeaseMs: number }) {
    const keyPrefix = `b${++prefix}:`;
    const clock = { now: 1_000_000 };
    const connect = async (): Promise<RedisConnection> => {
      const connection = openRedisConnection({
        url: redis.url,
        timeoutMs: 200,
        keyPrefix,
        logger: pino({ level: 'silent' }),
        onError: () => {},
      });
      opened.push(connection);
      await until(() => connection.up, Boolean, 'connected to redis');
      return connection;
    };
    const instance = async (): Promise<SharedBreaker> => {
      const breaker = new SharedBreaker(await connect(), {
        failures: 1,
        probeMs: 1000,
        now: () => clock.now,
        probeLeaseMs: options.probeLeaseMs,
        logger: pino({ level: 'silent' }),
      });
      breaker.start();
      opened.push(breaker);
      return breaker;
    };
    const heard: string[] = [];
    const watch = new Redis(redis.url);
    opened.push({ close: () => watch.disconnect() });
    watch.on('message', (_channel: string, message: string) => heard.push(message));
    await watch.subscribe(`${keyPrefix}breaker`);
    return { clock, instance, heard, keyPrefix, watch };
  }

  it('a stale "closed" (a probe that began before a newer open) does not override that open', async () => {
    // A 1 ms lease: A's probe outlives it and B probes too, as two probers do when a lease is lost.
    const { clock, instance, heard } = await fleet({ probeLeaseMs: 1 });
    const a = await instance();
    const b = await instance();
    await until(() => heard.length >= 0 && a && b, Boolean, 'both started');
    a.failure();
    await until(
      () => b.state,
      (s) => s === 'open',
      'B to hear that A opened the breaker',
    );
    clock.now += 1000;
    assert.equal(await a.allows(), true, 'A probes');
    assert.equal(a.state, 'half-open');
    // A stops hearing the fleet: B's open below is still on its way to A when A's probe answers.
    a.close();
    // B asks again each 100 ms of its clock after finding the lease taken.
    const bProbes = async () => {
      clock.now += 100;
      return b.allows();
    };
    await until(bProbes, Boolean, 'B to probe once A’s lease lapsed');
    const opens = heard.length;
    b.failure();
    await until(
      () => heard.length,
      (n) => n > opens,
      'B’s failed probe to re-open the breaker for the fleet',
    );
    assert.equal(b.state, 'open');

    a.success(); // A's probe, begun before B's, answers well: its "closed" is older than B's open.
    await until(
      () => a.state,
      (s) => s === 'open',
      'A to be refused and take the newer open instead',
      2000,
    );
    assert.equal(b.state, 'open', 'B stays open');
    assert.ok(!heard.slice(opens).some((m) => /closed/.test(m)), `no closed published after the open: ${heard}`);
    // An instance that starts now takes the fleet's state from Redis: open.
    const c = await instance();
    await until(
      () => c.state,
      (s) => s === 'open',
      'a newcomer to catch up on the open breaker',
    );
  });

  it('a probe released without a verdict gives its lease back: another instance probes at once', async () => {
    const { clock, instance } = await fleet({ probeLeaseMs: 60_000 });
    const a = await instance();
    const b = await instance();
    a.failure();
    await until(
      () => b.state,
      (s) => s === 'open',
      'B to hear the open',
    );
    clock.now += 1000;
    assert.equal(await a.allows(), true, 'A probes');
    assert.equal(await b.allows(), false, 'one probe for the fleet');
    a.release();
    assert.equal(a.state, 'open');
    const bProbes = async () => {
      clock.now += 100; // past B's "ask again later" after finding the lease taken
      return b.allows();
    };
    await until(bProbes, Boolean, 'B to get the lease A gave back (it lasts a minute)', 2000);
    b.success();
    await until(
      () => a.state,
      (s) => s === 'closed',
      'the good probe to close the breaker everywhere',
    );
  });

  it('a probe overtaken by a newer open from the fleet gives its lease back', async () => {
    const { clock, instance, keyPrefix } = await fleet({ probeLeaseMs: 60_000 });
    const a = await instance();
    const b = await instance();
    a.failure();
    await until(
      () => b.state,
      (s) => s === 'open',
      'B to hear the open',
    );
    clock.now += 1000;
    assert.equal(await a.allows(), true, 'A probes');
    // Another prober's failed probe (one whose lease had lapsed) re-opens the breaker: the newer
    // state, as its script writes and publishes it.
    const raw = new Redis(redis.url);
    try {
      const stateKey = `${keyPrefix}breaker:state`;
      const held = (await raw.get(stateKey)) ?? '';
      const generation = BigInt(/^(\d+):/.exec(held)?.[1] ?? '0');
      const newer = `${generation + 1n}:open:${clock.now}`;
      await raw.set(stateKey, newer);
      await raw.publish(`${keyPrefix}breaker`, newer);
    } finally {
      raw.disconnect();
    }
    await until(
      () => a.state,
      (s) => s === 'open',
      'A to take the newer open',
    );
    clock.now += 1000;
    const bProbes = async () => {
      clock.now += 100;
      return b.allows();
    };
    await until(bProbes, Boolean, 'B to probe at the newer open’s time: A’s lease (a minute) was given back', 2000);
  });
});
