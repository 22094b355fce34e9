import '../../workshop/test-support/quiet-sdk.ts'; // before any SDK import: hides the Node 22 notice
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { pseudonymizer } from '../../contracts/pseudonym.ts';
import { projectRoot, type StartedChild } from '../../workshop/test-support/child.ts';
import { eventLogOptions } from '../../workshop/test-support/event-store.ts';
import { type S3ServerInfo, s3rverCredentials, startS3Server } from '../../workshop/test-support/s3-server.ts';
import { EventLog } from './event-log.ts';
import { eventsS3Client, shipSegments } from './segment-shipper.ts';
import { eventTypes, type ShelfEvent } from './shelf-event.ts';
import type { StoredEvent } from './stored-line.ts';

const bucket = 'reco-events';
const prefix = 'shop-1/';
const key = 'export-test-pseudonym-key-0123456789';
const pseudonym = pseudonymizer(key);
const run = promisify(execFile);
/** One shopper time for every event: the copy on either instance is the same event. */
const ts = Date.now() - 1000;

/** The command `npm run events:export` runs, from package.json: the test runs that entry, nothing else. */
function exportEntry(): string {
  const scripts = (
    JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  ).scripts;
  const [runner, entry, ...rest] = scripts['events:export']!.split(' ');
  assert.equal(runner, 'tsx');
  assert.deepEqual(rest, []);
  return entry!;
}

const event = (n: number, userId: string): ShelfEvent => ({
  id: `export-${String(n).padStart(4, '0')}`,
  type: eventTypes[n % eventTypes.length]!,
  placement: 'home',
  itemId: '85123A',
  userId,
  ts,
});

/** An instance with its own folder that stores `events` (received `agoMs` ago) and rolls them; not shipped yet. */
async function instanceStores(events: ShelfEvent[], agoMs = 0): Promise<string> {
  const dir = join(mkdtempSync(join(tmpdir(), 'export-instance-')), 'events');
  const store = await EventLog.open(eventLogOptions(dir, { now: () => Date.now() - agoMs }));
  for (let i = 0; i < events.length; i += 25) await store.append(events.slice(i, i + 25));
  await store.roll();
  await store.close();
  return dir;
}

/** Ships what the instance in `dir` has stored to the bucket at `url`. */
async function instanceShipsFrom(url: string, dir: string): Promise<string> {
  const store = await EventLog.open(eventLogOptions(dir));
  const shipper = shipSegments({
    client: eventsS3Client({ region: 'eu-west-2', eventsS3Endpoint: url }, s3rverCredentials),
    bucket,
    prefix,
    store,
    logger: pino({ level: 'silent' }),
    pseudonymize: pseudonym,
  });
  await shipper.drained();
  await shipper.stop();
  await store.close();
  return store.instanceId;
}

/** An instance with its own folder that stores `events`, rolls and ships them to the bucket. */
async function instanceShips(url: string, events: ShelfEvent[]): Promise<string> {
  return instanceShipsFrom(url, await instanceStores(events));
}

/** Runs `events:export` with `args` against the bucket at `url`, as an operator would. */
function exportFromBucket(url: string, args: string[]) {
  return run(process.execPath, ['--import', 'tsx', exportEntry(), '--s3', ...args], {
    cwd: projectRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      RECO_EVENTS_S3_BUCKET: bucket,
      RECO_EVENTS_S3_PREFIX: prefix,
      RECO_EVENTS_S3_ENDPOINT: url,
      RECO_PSEUDONYM_KEY: key,
      AWS_REGION: 'eu-west-2',
      AWS_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3rverCredentials.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
}

/** The ids of the JSON lines an export printed. */
const exportedIds = (stdout: string): string[] =>
  stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as StoredEvent).id);

describe('events:export --s3, the real CLI against an S3-compatible server (s3rver)', { timeout: 60_000 }, () => {
  let s3: StartedChild<S3ServerInfo> | undefined;
  after(async () => {
    await s3?.stop();
  });

  it('exports every event shipped by two instances once, all types, as JSON lines', async () => {
    s3 = await startS3Server(mkdtempSync(join(tmpdir(), 's3rver-')), bucket);
    // Instance B got retries of half of A's events (a balancer moved the client): ids 50..99 on both.
    const a = Array.from({ length: 100 }, (_, n) => event(n, `cust-${n % 7}`));
    const b = Array.from({ length: 100 }, (_, n) => event(n + 50, `cust-${(n + 50) % 7}`));
    const instances = [await instanceShips(s3.info.url, a), await instanceShips(s3.info.url, b)];
    assert.notEqual(instances[0], instances[1]);

    const { stdout, stderr } = await exportFromBucket(s3.info.url, ['--format', 'jsonl', '--types', 'all']);
    const exported = stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as StoredEvent);
    const ids = exported.map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'an id exported twice');
    assert.deepEqual(
      ids.sort(),
      Array.from({ length: 150 }, (_, n) => event(n, '').id),
    );
    assert.deepEqual(new Set(exported.map((e) => e.type)), new Set(eventTypes), '--types all');
    for (const e of exported) {
      const sent = (e.id < 'export-0100' ? a[Number(e.id.slice(7))] : b[Number(e.id.slice(7)) - 50])!;
      // Pseudonymised when shipped, and not a second time by the export.
      assert.equal(e.userId, pseudonym(sent.userId!), e.id);
      assert.equal(e.ts, sent.ts);
      assert.equal(typeof e.receivedAt, 'number');
    }
    assert.match(stderr, /events:export: 150 jsonl lines/);
  });

  it('--watermark: a segment another instance ships late is exported in the next run, once', async () => {
    const s3dir = mkdtempSync(join(tmpdir(), 's3rver-'));
    const late = await startS3Server(s3dir, bucket);
    const url = late.info.url;
    try {
      const watermark = join(mkdtempSync(join(tmpdir(), 'export-watermark-')), 'watermark');
      const ids = (from: number, count: number) => Array.from({ length: count }, (_, n) => event(from + n, 'cust-1'));
      // Instance B stored its events ten minutes ago but could not ship them (the bucket was away for it);
      // one of them is the original of a retry instance A stored five minutes ago.
      const bDir = await instanceStores([...ids(200, 20), event(310, 'cust-1')], 10 * 60_000);
      const aDir = await instanceStores(ids(300, 20), 5 * 60_000);
      await instanceShipsFrom(url, aDir);
      const args = ['--format', 'jsonl', '--types', 'all', '--watermark', watermark];

      const first = await exportFromBucket(url, args);
      assert.deepEqual(
        exportedIds(first.stdout).sort(),
        ids(300, 20).map((e) => e.id),
      );

      await instanceShipsFrom(url, bDir);
      const second = await exportFromBucket(url, args);
      assert.deepEqual(
        exportedIds(second.stdout).sort(),
        ids(200, 20).map((e) => e.id),
        "B's late segment, without the retry's original already exported from A",
      );
      assert.match(second.stderr, /20 jsonl lines from 1 segment/);

      const third = await exportFromBucket(url, args);
      assert.deepEqual(exportedIds(third.stdout), [], 'nothing new, nothing exported');
    } finally {
      await late.stop();
    }
  });

  it('--dir --watermark: a segment a proxy is still writing is left for the next run, then exported once', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'export-open-')), 'events');
    const watermark = join(dir, '..', 'watermark');
    const store = await EventLog.open(eventLogOptions(dir, { now: () => Date.now() - 5 * 60_000 }));
    const exportFolder = () =>
      run(
        process.execPath,
        [
          '--import',
          'tsx',
          exportEntry(),
          '--dir',
          dir,
          '--format',
          'jsonl',
          '--types',
          'all',
          '--watermark',
          watermark,
        ],
        {
          cwd: projectRoot,
          env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', RECO_PSEUDONYM_KEY: key },
        },
      );
    try {
      await store.append([event(1, 'cust-1'), event(2, 'cust-1')]);
      await store.roll();
      await store.append([event(3, 'cust-1')]);
      const first = await exportFolder();
      assert.deepEqual(exportedIds(first.stdout), [event(1, '').id, event(2, '').id], 'the open segment waits');
      await store.append([event(4, 'cust-1')]);
      await store.roll();
      // The proxy writes on: its segment of events 3 and 4 is no longer its newest.
      await store.append([event(5, 'cust-1')]);
      const second = await exportFolder();
      assert.deepEqual(exportedIds(second.stdout), [event(3, '').id, event(4, '').id]);
    } finally {
      await store.close();
    }
  });
});
