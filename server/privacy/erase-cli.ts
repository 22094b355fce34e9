/**
 * `npm run erase -- --customer ID [--dry-run] [--wait-s 60]`: erases a customer everywhere the
 * proxy's env file reaches (`erasure.ts`): the event folder (`RECO_EVENTS_DIR`), the bucket
 * (`RECO_EVENTS_S3_BUCKET`), Redis (`RECO_REDIS_URL`) and so every proxy sharing it. Run it with the
 * proxy's env file. When a proxy is running on the folder (its `erasure-owner.pid` names a live
 * process), the folder is its to rewrite: the request goes into the erasure log it follows, and this
 * command waits (`--wait-s`) for its `instance` record before the bucket and Redis; with no proxy
 * running, it rewrites the folder itself. A command for a person: the report goes to stdout as JSON,
 * errors to stderr, with `console` (CONTRIBUTING.md "Logging"). Exit 0 done, 1 failed (run it
 * again: every step is idempotent), 2 usage.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { pseudonymizer, redisDigester } from '../../contracts/pseudonym.ts';
import { loadConfig } from '../config.ts';
import { instanceIdOf } from '../events/segment-files.ts';
import { eventsS3Client } from '../events/segment-shipper.ts';
import { openRedisConnection } from '../shared-state/redis-connection.ts';
import { ErasedCustomers } from './erased-customers.ts';
import { eraseCustomer, ErasureUnavailableError, InvalidErasureError } from './erasure.ts';
import { appendErasureRecord, readErasureLog } from './erasure-log.ts';
import { eraseInstanceCopies, type InstanceErasure, instanceCounts } from './instance-erasure.ts';
import { ownerFileName } from './proxy-erasure.ts';

const usage = (message: string): never => {
  console.error(`erase: ${message}\nusage: npm run erase -- --customer ID [--dry-run] [--wait-s SECONDS]`);
  process.exit(2);
};

/** The pid of the live proxy holding `dir`, or undefined. */
function liveOwner(dir: string): number | undefined {
  let pid: number;
  try {
    pid = Number(readFileSync(join(dir, ownerFileName), 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

const { values } = parseArgs({
  options: {
    customer: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
    'wait-s': { type: 'string', default: '60' },
  },
});
if (values.customer === undefined) usage('--customer is required');
const waitS = Number(values['wait-s']);
if (!Number.isInteger(waitS) || waitS < 1) usage('--wait-s: a whole number of seconds, at least 1');
const config = loadConfig();
const key = config.pseudonymKey;
const pseudonymOf = key ? pseudonymizer(key) : (id: string) => id;
const dir = config.eventsDir;
const instance = instanceIdOf(dir);
const owner = liveOwner(dir);
const redis = config.redisUrl
  ? openRedisConnection({
      url: config.redisUrl,
      timeoutMs: 1000,
      keyPrefix: config.redisKeyPrefix,
      logger: pino({ level: 'silent' }),
      onError: () => {},
    })
  : undefined;
if (redis) {
  const deadline = Date.now() + 5000;
  while (!redis.up && Date.now() < deadline) await sleep(50);
}
const erased = new ErasedCustomers(key ? pseudonymOf : undefined);
if (redis) erased.useRedis(redis);

/** The running proxy's `instance` record for `pseudonym`, logged after `since`. */
async function proxyErased(pseudonym: string, since: string): Promise<InstanceErasure> {
  const deadline = Date.now() + waitS * 1000;
  for (;;) {
    const record = readErasureLog(dir).find(
      (r) => r.pseudonym === pseudonym && r.step === 'instance' && r.instance === instance && r.at >= since,
    );
    if (record) {
      const removed = (record.removed ?? {}) as Partial<InstanceErasure>;
      return {
        segments: removed.segments ?? { filesRewritten: 0, lines: 0 },
        caches: removed.caches ?? { answersCleared: true, purchaseCustomers: 0 },
        redis: removed.redis ?? { keys: 0 },
        eventKeys: [],
      };
    }
    if (Date.now() > deadline) {
      throw new Error(`the proxy (pid ${owner}) did not log its erasure within ${waitS} s; see its log and run again`);
    }
    await sleep(200);
  }
}

try {
  const since = new Date().toISOString();
  const report = await eraseCustomer(
    {
      dir,
      instance,
      pseudonymKey: key,
      erased,
      here: async (pseudonym, dryRun) => {
        if (owner !== undefined && !dryRun) return proxyErased(pseudonym, since);
        const parts = { dir, instance, pseudonymOf, erased, redis, settleMs: 0 };
        const result = await eraseInstanceCopies(parts, new Set([pseudonym]), { dryRun, ownBucket: false });
        if (!dryRun) {
          const at = new Date().toISOString();
          await appendErasureRecord(dir, {
            at,
            pseudonym,
            step: 'instance',
            instance,
            removed: instanceCounts(result),
          });
        }
        return result;
      },
      bucket: config.eventsS3Bucket
        ? { client: eventsS3Client(config), address: { bucket: config.eventsS3Bucket, prefix: config.eventsS3Prefix } }
        : undefined,
      redis: redis && key ? { connection: redis, digest: redisDigester(key) } : undefined,
    },
    values.customer!,
    { dryRun: values['dry-run']!, by: 'cli' },
  );
  const folder = values['dry-run'] ? 'read here' : owner === undefined ? 'rewritten here' : `by proxy pid ${owner}`;
  console.log(JSON.stringify({ ...report, folder }, null, 2));
} catch (error) {
  if (error instanceof InvalidErasureError || error instanceof ErasureUnavailableError) usage((error as Error).message);
  console.error(`erase: ${(error as Error).name}: ${(error as Error).message}`);
  process.exitCode = 1;
} finally {
  await redis?.close();
}
