/**
 * The fleet's idempotency window against a real `redis-server`: claims are short leases (renewed
 * while their write runs, gone soon after a crash), the "stored" mark outlasts a slow Redis, and a
 * duplicate is answered only once its original is durable.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { eventLogOptions } from '../../workshop/test-support/event-store.ts';
import { type RedisProcess, startRedis } from '../../workshop/test-support/redis-process.ts';
import { until } from '../../workshop/test-support/until.ts';
import { openRedisConnection, type RedisConnection } from '../shared-state/redis-connection.ts';
import { EventLog } from './event-log.ts';
import { InProcessIdempotencyWindow } from './idempotency-window.ts';
import { claimLeaseMs, SharedIdempotencyWindow } from './shared-idempotency-window.ts';
import type { ShelfEvent } from './shelf-event.ts';
import { EventStoreUnavailableError } from './store-unavailable.ts';

const click = (id: string): ShelfEvent => ({
  id,
  type: 'click',
  placement: 'home',
  itemId: '85123A',
  userId: '17850',
  ts: Date.now(),
});

describe('fleet idempotency window (real Redis)', { timeout: 120_000 }, () => {
  let redis: RedisProcess;
  let admin: Redis;
  let prefix = 0;
  const connections: RedisConnection[] = [];
  before(async () => {
    redis = await startRedis();
    admin = new Redis(redis.url);
  });
  after(async () => {
    for (const c of connections) await c.close();
    admin?.disconnect();
    await redis?.stop();
  });

  /** A proxy's link to Redis, by default with the shipped read timeout (5 ms). */
  const link = async (keyPrefix: string, timeoutMs = 5): Promise<RedisConnection> => {
    const connection = openRedisConnection({
      url: redis.url,
      timeoutMs,
      keyPrefix,
      logger: pino({ level: 'silent' }),
      onError: () => {},
    });
    connections.push(connection);
    await until(() => connection.up, Boolean, 'connected to redis');
    return connection;
  };
  /**
   * Instances' windows on one fresh key space, each with its own in-process window and link, whose
   * read timeouts are `timeouts` (a long one where a test must see what Redis holds, not a timeout).
   */
  const instances = async (
    timeouts: number[],
  ): Promise<Array<{ window: SharedIdempotencyWindow; redis: RedisConnection }>> => {
    const keyPrefix = `w${++prefix}:`;
    const made: Array<{ window: SharedIdempotencyWindow; redis: RedisConnection }> = [];
    for (const timeoutMs of timeouts) {
      const redis = await link(keyPrefix, timeoutMs);
      made.push({ window: new SharedIdempotencyWindow(new InProcessIdempotencyWindow(24), redis), redis });
    }
    return made;
  };
  /** Claims at `window` until it is claimed, refused (503) meanwhile; the ms it took. */
  const claimedWithin = async (window: SharedIdempotencyWindow, key: string, deadlineMs: number): Promise<number> => {
    const started = Date.now();
    for (;;) {
      try {
        const [state] = await window.claim([key], Date.now());
        if (state === 'claimed') return Date.now() - started;
        assert.fail(`${key}: ${state}`);
      } catch (error) {
        if (!(error instanceof EventStoreUnavailableError)) throw error;
      }
      if (Date.now() - started > deadlineMs) assert.fail(`${key} still held after ${deadlineMs} ms`);
    }
  };

  it("a crashed instance's claim is claimable within seconds; a live one's is renewed while it writes", async () => {
    const [writer, crashed, other] = (await instances([1000, 1000, 1000])).map((i) => i.window) as [
      SharedIdempotencyWindow,
      SharedIdempotencyWindow,
      SharedIdempotencyWindow,
    ];
    assert.deepEqual(await writer.claim(['browser:evt-slow-write'], Date.now()), ['claimed']);
    assert.deepEqual(await crashed.claim(['browser:evt-crashed-1'], Date.now()), ['claimed']);
    // The crash: its link is gone with it, nothing confirmed or released.
    await connections.at(-2)!.close();
    // Within seconds, not the dedup window's 24 h: `claimedWithin` fails past its deadline.
    await claimedWithin(other, 'browser:evt-crashed-1', claimLeaseMs + 15_000);
    // Meanwhile the live writer's claim, older than one lease, was renewed: still refused elsewhere.
    await assert.rejects(other.claim(['browser:evt-slow-write'], Date.now()), EventStoreUnavailableError);
    assert.equal(await writer.confirm(['browser:evt-slow-write'], Date.now()), true);
    assert.deepEqual(await other.claim(['browser:evt-slow-write'], Date.now()), ['stored']);
  });

  it('a slow Redis while the "stored" mark is written does not leave the id pending', async () => {
    // Both with the shipped read timeout (5 ms).
    const [a, b] = (await instances([5, 5])).map((i) => i.window) as [SharedIdempotencyWindow, SharedIdempotencyWindow];
    const key = 'browser:evt-slow-mark';
    assert.deepEqual(await a.claim([key], Date.now()), ['claimed']);
    // Redis holds every write for 500 ms: far past the 5 ms a read may take, within a write's 1 s.
    await admin.call('CLIENT', 'PAUSE', '500', 'WRITE');
    assert.equal(await a.confirm([key], Date.now()), true, 'the mark waited for Redis');
    // Acknowledged by A, at once at B: a duplicate (not a 503, not stored twice), for the whole window.
    assert.deepEqual(await b.claim([key], Date.now()), ['stored']);
    assert.equal(await admin.get(`w${prefix}:event:${key}`), 'stored');
    const ttl = await admin.pttl(`w${prefix}:event:${key}`);
    assert.ok(ttl > 23 * 3_600_000, `the mark lasts the window (${ttl} ms)`);
  });

  it('a duplicate during its original’s write waits for it, and fails when it fails', async () => {
    const keyPrefix = `w${++prefix}:`;
    const connection = await link(keyPrefix);
    for (const outcome of ['stored', 'failed'] as const) {
      const dir = join(mkdtempSync(join(tmpdir(), 'events-')), 'events');
      // A bound the first batch cannot fit: its write fails after its claim.
      const log = await EventLog.open(eventLogOptions(dir, outcome === 'failed' ? { maxDiskBytes: 10 } : {}));
      log.shareIdempotency((own) => new SharedIdempotencyWindow(own, connection));
      const order: string[] = [];
      const original = log.append([click(`evt-dup-${outcome}`)]).then(
        (r) => order.push(`original ${r.stored.length}`),
        () => order.push('original failed'),
      );
      // Sent while the original's claim is on its way to Redis.
      const duplicate = log.append([click(`evt-dup-${outcome}`)]).then(
        (r) => order.push(`duplicate ${r.duplicates}`),
        () => order.push('duplicate failed'),
      );
      await Promise.all([original, duplicate]);
      assert.deepEqual(
        order,
        outcome === 'stored' ? ['original 1', 'duplicate 1'] : ['original failed', 'duplicate failed'],
        outcome,
      );
      await log.close();
    }
  });
});
