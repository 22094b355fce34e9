/**
 * An erasure announced by one instance is heard by the others on Redis's channel at once, not
 * only at their next re-read of the fleet's set. The subscription used to be sent while the link
 * was still connecting, which a client without an offline queue refuses: it never took effect.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { type RedisProcess, startRedis } from '../../workshop/test-support/redis-process.ts';
import { until } from '../../workshop/test-support/until.ts';
import { openRedisConnection } from '../shared-state/redis-connection.ts';
import { ErasedCustomers } from './erased-customers.ts';

describe('erased customers across the fleet', { timeout: 60_000 }, () => {
  let redis: RedisProcess;
  let dir: string;
  before(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'reco-erased-'));
  });
  after(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('hears an announced erasure on the channel, and again after Redis comes back', async () => {
    const open = () =>
      openRedisConnection({
        url: redis.url,
        timeoutMs: 200,
        keyPrefix: 'erased-test:',
        logger: pino({ level: 'silent' }),
        onError: () => {},
      });
    const announcerLink = open();
    const followerLink = open();
    const observer = new Redis(redis.url);
    const subscribers = async (): Promise<number> => {
      const reply = (await observer.pubsub('NUMSUB', 'erased-test:erasures').catch(() => [])) as [string, number];
      return Number(reply[1] ?? 0);
    };
    const announcer = new ErasedCustomers(undefined);
    announcer.useRedis(announcerLink);
    const follower = new ErasedCustomers(undefined);
    // Re-reads an hour apart: within this test, only the channel (or a reconnection's catch-up) can tell it.
    follower.follow(dir, followerLink, { logMs: 3_600_000, fleetMs: 3_600_000 });
    try {
      await until(subscribers, (n) => n === 1, 'the follower subscribed');
      await until(() => announcerLink.up, Boolean, 'the announcer connected (its write link too)');
      assert.equal(await announcer.announce('p_first'), true);
      await until(() => follower.hasPseudonym('p_first'), Boolean, 'the erasure heard on the channel');

      await redis.kill();
      await redis.restart();
      await until(subscribers, (n) => n === 1, 'the follower subscribed again after the restart', 10_000);
      await until(() => announcerLink.up, Boolean, 'the announcer reconnected', 10_000);
      assert.equal(await announcer.announce('p_second'), true);
      await until(() => follower.hasPseudonym('p_second'), Boolean, 'the erasure heard after the restart');
    } finally {
      follower.stop();
      observer.disconnect();
      await announcerLink.close();
      await followerLink.close();
    }
  });
});
