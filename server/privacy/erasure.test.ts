/**
 * Erasure end to end, everything real: two proxies sharing a real `redis-server` and a bucket (the
 * S3 stand-in), each shipping its own event folder. Two customers (and a third for the command) shop
 * at both through HTTP — shelves, clicks, purchases; one segment shipped, one still open — then one
 * customer is erased through `erasureRouter` (mounted on the test's own app, as the admin listener
 * will) at the first proxy. Afterwards every store is searched for them: both folders (every file),
 * the bucket (every object, gunzip'd), Redis (every key and value), both proxies' caches and purchase
 * indexes, and the training export of the folders and of the bucket; none holds them, but the erasure
 * log and Redis's erased set hold their pseudonym. The other customer is untouched, line for line.
 * The third customer is then erased with `npm run erase` while the proxies run.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { pseudonymOf, redisDigester } from '../../contracts/pseudonym.ts';
import { eventsS3Client } from '../events/segment-shipper.ts';
import { bucketSegments, folderSegments, storedEvents, type SegmentSource } from '../events/stored-events.ts';
import type { StoredEvent } from '../events/stored-line.ts';
import { toTrainingCsv } from '../events/training-export.ts';
import { errorHandler } from '../http/api-error.ts';
import type { StartedChild } from '../../workshop/test-support/child.ts';
import { clickEvent } from '../../workshop/test-support/event-store.ts';
import { type RedisProcess, startRedis } from '../../workshop/test-support/redis-process.ts';
import {
  bucketObjects,
  type S3ServerInfo,
  s3rverCredentials,
  startS3Server,
  testS3Client,
} from '../../workshop/test-support/s3-server.ts';
import { startStack, type TestStack } from '../../workshop/test-support/stack.ts';
import { until } from '../../workshop/test-support/until.ts';
import { readErasureLog } from './erasure-log.ts';
import { erasureRouter } from './erasure-router.ts';

const key = 'erasure-test-pseudonym-key-0123456789abcdef';
const serverKey = 'erasure-test-storefront-server-key-0123';
const bucket = 'reco-erasure-test';
// Customer numbers as the shop's (the training export keeps only those and pseudonyms); no timestamp holds them.
const erased = '3141592653';
const kept = '2718281828';
const byCommand = '1618033988';
const customers = [erased, kept, byCommand];
const digest = redisDigester(key);
const json = { 'content-type': 'application/json' };

/** Every file under `dir` with its text. */
function filesUnder(dir: string): Array<{ path: string; text: string }> {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [{ path, text: readFileSync(path, 'utf8') }];
  });
}

/** Every key of Redis with its value, one text per key. */
async function redisEntries(client: Redis): Promise<string[]> {
  const out: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'COUNT', 1000);
    cursor = next;
    for (const k of keys) {
      const type = await client.type(k);
      const value =
        type === 'string'
          ? await client.get(k)
          : type === 'zset'
            ? await client.zrange(k, '0', '-1', 'WITHSCORES')
            : type === 'set'
              ? await client.smembers(k)
              : type === 'hash'
                ? await client.hgetall(k)
                : null;
      out.push(`${k} ${JSON.stringify(value)}`);
    }
  } while (cursor !== '0');
  return out;
}

const count = (texts: readonly string[], needle: string): number =>
  texts.reduce((sum, text) => sum + text.split(needle).length - 1, 0);

/** The ids of the other customer's events found in the folders and the bucket. */
function keptEvents(found: { local: string[]; bucket: string[] }): string[] {
  const ids = new Set<string>();
  const forms = [`"userId":"${kept}"`, `"userId":"${pseudonymOf(kept, key)}"`];
  for (const text of [...found.local, ...found.bucket]) {
    for (const line of text.split('\n')) {
      if (forms.some((form) => line.includes(form))) ids.add((JSON.parse(line) as { id: string }).id);
    }
  }
  return [...ids].sort();
}

async function exported(segments: Iterable<SegmentSource> | AsyncIterable<SegmentSource>): Promise<string> {
  const events: StoredEvent[] = [];
  for await (const event of storedEvents(segments, { dedupHours: 24 })) events.push(event);
  return toTrainingCsv(events, new Set(['click', 'purchase', 'impression', 'add-to-cart']), () => undefined);
}

describe('erasing a customer', { timeout: 180_000 }, () => {
  let redis: RedisProcess;
  let s3: StartedChild<S3ServerInfo>;
  let client: Redis;
  const stacks: TestStack[] = [];
  let admin: { url: string; close(): void };
  let texts: () => Promise<{ local: string[]; bucket: string[]; redis: string[] }>;
  let before1: { local: string[]; bucket: string[]; redis: string[] };

  before(async () => {
    redis = await startRedis();
    client = new Redis(redis.url);
    s3 = await startS3Server(mkdtempSync(join(tmpdir(), 's3rver-erasure-')), bucket);
    // The shipper and the erasure reach the bucket through the AWS provider chain, as in production.
    process.env.AWS_ACCESS_KEY_ID = s3rverCredentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3rverCredentials.secretAccessKey;
    const config = {
      redisUrl: redis.url,
      redisTimeoutMs: 200,
      pseudonymKey: key,
      serverKey,
      eventsS3Bucket: bucket,
      eventsS3Endpoint: s3.info.url,
      cacheFreshMs: 0,
    };
    for (let i = 0; i < 2; i++) stacks.push(await startStack({ config }));
    for (const stack of stacks) await until(() => stack.proxy.redis?.up, Boolean, 'the proxy connected to redis');
    const app = express();
    app.use('/admin/api', erasureRouter({ erase: (id, options) => stacks[0]!.proxy.erasure.erase(id, options) }));
    app.use(errorHandler(pino({ level: 'silent' })));
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    admin = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
    const s3Client = testS3Client(s3.info.url);
    texts = async () => ({
      local: stacks.flatMap((s) => filesUnder(s.proxy.eventLog.dir).map((f) => f.text)),
      bucket: (await bucketObjects(s3Client, bucket)).map((o) => o.text),
      redis: await redisEntries(client),
    });

    let n = 0;
    const shop = async (stack: TestStack) => {
      for (const customer of customers) {
        const shelf = await stack.send(
          'POST',
          '/v1/recommendations',
          JSON.stringify({ placement: 'home', userId: customer }),
          json,
        );
        assert.equal(shelf.body.source, 'model');
        const click = await stack.send(
          'POST',
          '/v1/events',
          JSON.stringify({ events: [clickEvent(`evt-erasure-${++n}`, customer)] }),
          json,
        );
        assert.equal(click.status, 202);
        const purchase = { ...clickEvent(`evt-erasure-${++n}`, customer), type: 'purchase', itemId: '22423' };
        const bought = await stack.send('POST', '/v1/events', JSON.stringify({ events: [purchase] }), {
          ...json,
          authorization: `Bearer ${serverKey}`,
        });
        assert.equal(bought.status, 202);
      }
    };
    // A first round shipped to the bucket, a second one left in each proxy's open segment.
    for (const stack of stacks) await shop(stack);
    for (const stack of stacks) {
      await stack.proxy.eventLog.roll();
      await stack.proxy.shipper!.drained();
    }
    for (const stack of stacks) await shop(stack);
    await until(
      () => redisEntries(client),
      (all) => customers.every((c) => all.some((e) => e.startsWith(`reco:bought:${digest(c)}`))),
      'every purchase in the fleet’s index',
    );
    // A key another part of the proxy keeps by shopper (a sticky arm, say): whatever names them goes too.
    for (const customer of customers) await client.set(`reco:arm:${digest(`u:${customer}`)}`, 'challenger');
    before1 = await texts();
  });

  after(async () => {
    admin?.close();
    for (const stack of stacks) await stack.close();
    client?.disconnect();
    await redis?.stop();
    await s3?.stop();
  });

  const erase = (body: unknown) =>
    fetch(`${admin.url}/admin/api/erasures`, { method: 'POST', headers: json, body: JSON.stringify(body) });

  it('holds the customers everywhere before (the search can find them)', () => {
    for (const customer of [erased, kept]) {
      assert.ok(count(before1.local, `"userId":"${customer}"`) >= 8, `${customer} in both folders`);
      assert.ok(count(before1.bucket, pseudonymOf(customer, key)) >= 4, `${customer} in the bucket`);
      assert.ok(
        before1.redis.some((e) => e.includes(digest(customer))),
        `${customer} in Redis`,
      );
    }
  });

  it('a dry run says what would go and changes nothing', async () => {
    const res = await erase({ customer: erased, dryRun: true });
    assert.equal(res.status, 200);
    const report = await res.json();
    assert.equal(report.dryRun, true);
    assert.ok(report.removed.segments.lines >= 4, JSON.stringify(report));
    assert.ok(report.removed.bucket.lines >= 2, JSON.stringify(report));
    const now = await texts();
    assert.equal(count(now.local, `"userId":"${erased}"`), count(before1.local, `"userId":"${erased}"`));
    assert.equal(count(now.bucket, pseudonymOf(erased, key)), count(before1.bucket, pseudonymOf(erased, key)));
    assert.equal(readErasureLog(stacks[0]!.proxy.eventLog.dir).length, 0, 'a dry run logs nothing');
  });

  it('a request that names no customer is a 400 naming the field', async () => {
    for (const [body, field] of [
      [{}, 'customer'],
      [{ customer: 17 }, 'customer'],
      [{ customer: '' }, 'customer'],
      [{ customer: erased, dryRun: 'yes' }, 'dryRun'],
      [{ customer: erased, everything: true }, 'everything'],
    ] as const) {
      const res = await erase(body);
      assert.equal(res.status, 400, JSON.stringify(body));
      const { error } = await res.json();
      assert.ok(error.message.startsWith(`${field}:`), error.message);
    }
  });

  it('erases every copy at both proxies, in the bucket and Redis; the other customer stays as was', async () => {
    const started = performance.now();
    const res = await erase({ customer: erased });
    const report = await res.json();
    assert.equal(res.status, 200, JSON.stringify(report));
    const erasedAt = performance.now();
    // The other proxy heard it through Redis and erased its own folder and objects.
    await until(
      () => readErasureLog(stacks[1]!.proxy.eventLog.dir),
      (records) => records.some((r) => r.step === 'instance' && r.pseudonym === pseudonymOf(erased, key)),
      'the second proxy’s own erasure',
      30_000,
    );
    const everywhere = performance.now();
    console.log(
      `erasure: ${Math.round(erasedAt - started)} ms at the asked proxy (segments, bucket, Redis), ` +
        `${Math.round(everywhere - started)} ms until the second proxy logged its own copies erased`,
    );
    assert.equal(report.pseudonym, pseudonymOf(erased, key));
    assert.ok(!JSON.stringify(report).includes(erased), 'the report names the pseudonym only');
    assert.equal(report.removed.bucket.verified, true);
    assert.ok(report.removed.redis.keys >= 1);

    const after1 = await texts();
    const pseudonym = pseudonymOf(erased, key);
    // Every file of both folders: the id nowhere; the pseudonym only in the erasure logs.
    for (const stack of stacks) {
      for (const file of filesUnder(stack.proxy.eventLog.dir)) {
        assert.ok(!file.text.includes(erased), `${file.path} holds the erased id`);
        if (!file.path.endsWith('erasure-log.jsonl')) assert.ok(!file.text.includes(pseudonym), file.path);
      }
    }
    for (const text of after1.bucket) assert.ok(!text.includes(pseudonym), 'a bucket object holds the pseudonym');
    for (const entry of after1.redis) {
      const names = [erased, digest(erased), digest(`u:${erased}`)];
      assert.ok(
        names.every((name) => !entry.includes(name)),
        `redis: ${entry.slice(0, 120)}`,
      );
      if (entry.includes(pseudonym)) assert.ok(entry.startsWith('reco:erased '), `redis: ${entry.slice(0, 120)}`);
    }
    for (const stack of stacks) {
      assert.equal(stack.proxy.cache.stale(`u:${erased}`, 'none'), undefined, 'an answer for the erased customer');
      assert.equal(stack.proxy.eventLog.recentlyBought(erased, 30).size, 0);
      assert.ok(stack.proxy.eventLog.recentlyBought(kept, 30).size > 0, 'the other customer’s purchases stay');
    }
    // The training export, of the folders and of the bucket.
    const s3Client = eventsS3Client({ region: 'eu-west-2', eventsS3Endpoint: s3.info.url }, s3rverCredentials);
    const csv = [
      ...(await Promise.all(stacks.map((s) => exported(folderSegments(s.proxy.eventLog.dir))))),
      await exported(bucketSegments(s3Client, { bucket, prefix: 'reco-events/' })),
    ];
    assert.ok(
      csv.every((text) => !text.includes(erased) && !text.includes(pseudonym)),
      'the export holds them',
    );
    assert.ok(csv.every((text) => text.includes(kept) || text.includes(pseudonymOf(kept, key))));

    // The other customer, event for event: the same lines in the folders, the same events in folders and bucket.
    assert.equal(count(after1.local, `"userId":"${kept}"`), count(before1.local, `"userId":"${kept}"`));
    assert.deepEqual(keptEvents(after1), keptEvents(before1));
    assert.ok(after1.redis.some((e) => e.startsWith(`reco:bought:${digest(kept)}`)));
    assert.ok(after1.redis.some((e) => e.startsWith(`reco:arm:${digest(`u:${kept}`)}`)));
  });

  it('serves the erased customer as anonymous at every proxy, and keeps their new events anonymous', async () => {
    for (const stack of stacks) {
      const before = stack.container.received.length;
      await stack.send('POST', '/v1/recommendations', JSON.stringify({ placement: 'home', userId: erased }), json);
      await stack.send('POST', '/v1/recommendations', JSON.stringify({ placement: 'home', userId: kept }), json);
      const asked = stack.container.received.slice(before);
      assert.equal(asked.length, 2);
      assert.equal(asked[0]!.userId, undefined, 'the model was asked with the erased customer');
      assert.equal(asked[1]!.userId, pseudonymOf(kept, key));
      const later = { ...clickEvent('evt-after-erasure-1', erased), sessionId: 'sess-after-erasure' };
      const click = await stack.send('POST', '/v1/events', JSON.stringify({ events: [later] }), json);
      assert.equal(click.status, 202);
      const purchase = { ...clickEvent('evt-after-erasure-2', erased), type: 'purchase', itemId: '22423' };
      const bought = await stack.send('POST', '/v1/events', JSON.stringify({ events: [purchase] }), {
        ...json,
        authorization: `Bearer ${serverKey}`,
      });
      assert.equal(bought.status, 202);
      await stack.proxy.eventLog.roll();
      for (const file of filesUnder(stack.proxy.eventLog.dir)) assert.ok(!file.text.includes(erased), file.path);
    }
  });

  it('`npm run erase` beside the running proxies erases the third customer everywhere', async () => {
    const dir = stacks[0]!.proxy.eventLog.dir;
    // Asynchronously: the proxies run in this process and must go on while the command waits for them.
    const run = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'server/privacy/erase-cli.ts', '--customer', byCommand],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          RECO_EVENTS_DIR: dir,
          RECO_PSEUDONYM_KEY: key,
          RECO_REDIS_URL: redis.url,
          RECO_EVENTS_S3_BUCKET: bucket,
          RECO_EVENTS_S3_ENDPOINT: s3.info.url,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
        timeout: 90_000,
      },
    );
    const report = JSON.parse(run.stdout);
    assert.match(report.folder, /^by proxy pid /);
    assert.ok(report.removed.segments.lines >= 4, run.stdout);
    await until(
      () => readErasureLog(stacks[1]!.proxy.eventLog.dir),
      (records) => records.some((r) => r.step === 'instance' && r.pseudonym === pseudonymOf(byCommand, key)),
      'the second proxy’s own erasure',
      30_000,
    );
    const now = await texts();
    const pseudonym = pseudonymOf(byCommand, key);
    assert.equal(count(now.local, byCommand), 0);
    assert.equal(count(now.bucket, pseudonym), 0);
    assert.ok(now.redis.every((e) => !e.includes(digest(byCommand))));
    assert.equal(count(now.local, `"userId":"${kept}"`), count(before1.local, `"userId":"${kept}"`));
  });
});
