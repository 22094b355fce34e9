import '../../workshop/test-support/quiet-sdk.ts'; // before any SDK import: hides the Node 22 notice
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { S3Client } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { pseudonymizer } from '../../contracts/pseudonym.ts';
import type { StartedChild } from '../../workshop/test-support/child.ts';
import { eventLogOptions } from '../../workshop/test-support/event-store.ts';
import {
  bucketObjects,
  type S3ServerInfo,
  s3rverCredentials,
  startS3Server,
  testS3Client,
} from '../../workshop/test-support/s3-server.ts';
import { until } from '../../workshop/test-support/until.ts';
import { EventLog } from './event-log.ts';
import { listSegments } from './segment-files.ts';
import { eventsS3Client, shipSegments } from './segment-shipper.ts';
import { bucketSegments, storedEvents } from './stored-events.ts';

const bucket = 'reco-events';
const key = 'k'.repeat(32);
const click = (id: string, userId: string) => ({
  id,
  type: 'click' as const,
  placement: 'home',
  itemId: '85123A',
  userId,
  ts: Date.now(),
});

describe('segment shipping to an S3-compatible server (s3rver, through the SDK)', { timeout: 60_000 }, () => {
  const started: Array<StartedChild<S3ServerInfo>> = [];
  after(async () => {
    await Promise.all(started.map((s) => s.stop()));
  });

  it('ships rolled segments pseudonymised and verified, deletes them after retention, drains a backlog', async () => {
    const s3dir = mkdtempSync(join(tmpdir(), 's3rver-'));
    let s3 = await startS3Server(s3dir, bucket);
    started.push(s3);
    const { port, url } = s3.info;
    const dir = join(mkdtempSync(join(tmpdir(), 'ship-')), 'events');
    // The shortest retention: one hour, a one-hour window, no look-back; the clock moves past it below.
    let clockMs = 0;
    const log = await EventLog.open(
      eventLogOptions(dir, {
        segmentBytes: 64 * 1024,
        retainHours: 1,
        dedupHours: 1,
        purchaseDays: () => 0,
        now: () => Date.now() + clockMs,
      }),
    );
    const shipper = shipSegments({
      client: eventsS3Client({ region: 'eu-west-2', eventsS3Endpoint: url }, s3rverCredentials),
      bucket,
      prefix: 'shop-1/',
      store: log,
      logger: pino({ level: 'silent' }),
      pseudonymize: pseudonymizer(key),
      backoffMs: { first: 100, max: 400 },
    });
    const acknowledged: string[] = [];
    const send = async (round: string, batches: number) => {
      for (let b = 0; b < batches; b++) {
        const events = Array.from({ length: 50 }, (_, i) =>
          click(`${round}-${b}-${String(i).padStart(3, '0')}`, '17850'),
        );
        await log.append(events);
        acknowledged.push(...events.map((e) => e.id));
      }
      await log.roll();
    };

    await send('first', 12);
    await shipper.drained();
    const shippedFirst = await bucketObjects(testS3Client(url), bucket);
    assert.ok(shippedFirst.length >= 2, `${shippedFirst.length} objects`);
    for (const { key: objectKey, text } of shippedFirst) {
      assert.match(objectKey, /^shop-1\/\d{4}\/\d{2}\/\d{2}\/events-\d{8}T\d{9}Z-[a-z0-9-]+\.jsonl\.gz$/);
      assert.ok(!text.includes('"userId":"17850"'), 'the raw customer id left the premises');
      assert.ok(text.includes(`"userId":"${pseudonymizer(key)('17850')}"`));
    }
    clockMs = 2 * 3_600_000;
    await log.housekeep();
    assert.deepEqual(listSegments(dir), [], 'shipped segments are deleted after retention (1 h here)');
    assert.equal(shipper.stats().uploads, shippedFirst.length);

    // The bucket goes away for a while: segments wait locally, uploads fail and back off.
    await s3.stop();
    await send('second', 6);
    await until(
      () => shipper.stats().failures,
      (n) => n >= 2,
      'uploads failing while the bucket is away',
    );
    assert.ok(log.stats().segmentsWaiting >= 1);
    s3 = await startS3Server(s3dir, bucket, port);
    started.push(s3);
    await shipper.drained();
    assert.equal(log.stats().segmentsWaiting, 0);

    // Every acknowledged event is in the bucket exactly once.
    const inBucket: string[] = [];
    const client = testS3Client(url);
    for await (const e of storedEvents(bucketSegments(client, { bucket, prefix: 'shop-1/' }), { dedupHours: 24 })) {
      inBucket.push(e.id);
    }
    assert.equal(inBucket.length, acknowledged.length);
    assert.deepEqual([...inBucket].sort(), [...acknowledged].sort());
    const lines = (await bucketObjects(client, bucket)).flatMap((o) => o.text.split('\n').filter(Boolean));
    assert.equal(lines.length, acknowledged.length, 'no object holds an event twice');
    await shipper.stop();
    await log.close();
  });
});

describe('a shipping failure names its cause', { timeout: 60_000 }, () => {
  const started: Array<StartedChild<S3ServerInfo>> = [];
  after(async () => {
    await Promise.all(started.map((s) => s.stop()));
  });

  /** A store with one closed segment, a shipper using `client`, and the shipper's log lines. */
  async function shipOneSegment(client: S3Client) {
    const dir = join(mkdtempSync(join(tmpdir(), 'ship-cause-')), 'events');
    const log = await EventLog.open(eventLogOptions(dir));
    await log.append([click('cause-0001', '17850')]);
    await log.roll();
    const lines: string[] = [];
    const shipper = shipSegments({
      client,
      bucket,
      prefix: '',
      store: log,
      logger: pino({ level: 'warn' }, { write: (line: string) => lines.push(line) }),
      pseudonymize: pseudonymizer(key),
      backoffMs: { first: 50, max: 100 },
    });
    await until(
      () => shipper.stats().failures,
      (n) => n >= 1,
      'a failed upload',
    );
    await shipper.stop();
    await log.close();
    return { stats: shipper.stats(), lines: lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
  }

  it('no credentials in the environment: CredentialsProviderError, logged and counted by that name', async () => {
    const s3 = await startS3Server(mkdtempSync(join(tmpdir(), 's3rver-')), bucket);
    started.push(s3);
    // The SDK's provider chain finds nothing: no keys, no profile files, no instance metadata.
    const cleared: Record<string, string | undefined> = {
      AWS_ACCESS_KEY_ID: undefined,
      AWS_SECRET_ACCESS_KEY: undefined,
      AWS_SESSION_TOKEN: undefined,
      AWS_PROFILE: undefined,
      AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'no-such-credentials'),
      AWS_CONFIG_FILE: join(tmpdir(), 'no-such-config'),
      AWS_EC2_METADATA_DISABLED: 'true',
    };
    const saved = Object.fromEntries(Object.keys(cleared).map((name) => [name, process.env[name]]));
    const setEnvironment = (values: Record<string, string | undefined>): void => {
      for (const [name, value] of Object.entries(values)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    };
    setEnvironment(cleared);
    try {
      const { stats, lines } = await shipOneSegment(
        eventsS3Client({ region: 'eu-west-2', eventsS3Endpoint: s3.info.url }),
      );
      assert.deepEqual(Object.keys(stats.failuresByCause), ['CredentialsProviderError']);
      assert.match(stats.lastFailure ?? '', /^HeadObject: CredentialsProviderError: Could not load credentials/);
      assert.match(String(lines[0]?.msg), /\(HeadObject: CredentialsProviderError\)/);
      assert.equal(lines[0]?.cause, 'CredentialsProviderError: Could not load credentials from any providers');
    } finally {
      setEnvironment(saved);
    }
  });

  it('wrong credentials: a HEAD answered 403 without a body is named by its status, not UnknownError', async () => {
    const s3 = await startS3Server(mkdtempSync(join(tmpdir(), 's3rver-')), bucket);
    started.push(s3);
    const wrong = { accessKeyId: 'WRONG', secretAccessKey: 'WRONG' };
    const { stats, lines } = await shipOneSegment(
      eventsS3Client({ region: 'eu-west-2', eventsS3Endpoint: s3.info.url }, wrong),
    );
    assert.deepEqual(Object.keys(stats.failuresByCause), ['HTTP 403']);
    assert.match(String(lines[0]?.cause), /^HTTP 403: .*wrong credentials/);
    assert.doesNotMatch(JSON.stringify(lines[0]?.cause), /Unknown/);
  });
});
