/**
 * Erasure in a running proxy: the erased list it serves by (`ErasedCustomers`, read from the
 * erasure log in its event folder and, with Redis, the fleet's set), the pass that erases this
 * instance's own copies whenever a customer joins that list (`InstanceErasures`), and `erase`, the
 * whole erasure asked here (`erasureRouter`). It marks its folder as held by a live proxy
 * (`erasure-owner.pid`), so `npm run erase` leaves the folder to it.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { pseudonymizer, redisDigester } from '../../contracts/pseudonym.ts';
import type { ProxyConfig } from '../config.ts';
import type { EventLog } from '../events/event-log.ts';
import { eventsS3Client, type SegmentShipper } from '../events/segment-shipper.ts';
import type { AnswerStore } from '../shelf/answer-cache.ts';
import type { RedisConnection } from '../shared-state/redis-connection.ts';
import { ErasedCustomers } from './erased-customers.ts';
import { type ErasureReport, eraseCustomer } from './erasure.ts';
import { eraseInstanceCopies, InstanceErasures } from './instance-erasure.ts';

/** The file naming the process whose proxy holds an event folder. */
export const ownerFileName = 'erasure-owner.pid';

/** What the proxy's erasure is built from. */
export interface ProxyErasureParts {
  config: ProxyConfig;
  eventLog: EventLog;
  cache: AnswerStore;
  redis: RedisConnection | undefined;
  logger: Logger;
}

/** Erasure as a running proxy does it. */
export function startProxyErasure({ config, eventLog, cache, redis, logger }: ProxyErasureParts) {
  const key = config.pseudonymKey;
  const pseudonymOf = key ? pseudonymizer(key) : undefined;
  const erased = new ErasedCustomers(pseudonymOf, logger);
  let shipper: SegmentShipper | undefined;
  const client = config.eventsS3Bucket ? eventsS3Client(config) : undefined;
  const address = { bucket: config.eventsS3Bucket ?? '', prefix: config.eventsS3Prefix };
  const instances = pseudonymOf
    ? new InstanceErasures({
        dir: eventLog.dir,
        instance: eventLog.instanceId,
        store: eventLog,
        cache,
        pseudonymOf,
        erased,
        bucket: client && { client, address, shipper: () => shipper },
        redis,
        settleMs: config.hardCapMs,
        logger,
      })
    : undefined;
  erased.follow(eventLog.dir, redis);
  const ownerFile = join(eventLog.dir, ownerFileName);
  try {
    writeFileSync(ownerFile, `${process.pid}\n`);
  } catch (error) {
    // A full or read-only event disk must not stop the shelves; `npm run erase` then cannot tell
    // that this proxy holds the folder, so the guide says to erase through the admin route.
    logger.warn({ err: error, file: ownerFile }, 'erasure: cannot mark this proxy as the folder owner');
  }
  return {
    erased,
    /** The shipper, once started (the bucket is rewritten after its uploads under way). */
    attachShipper(started: SegmentShipper | undefined): void {
      shipper = started;
    },
    /** Erases `customerId` everywhere (see `erasure.ts`). */
    erase(customerId: string, options: { dryRun: boolean; by: string }): Promise<ErasureReport> {
      return eraseCustomer(
        {
          dir: eventLog.dir,
          instance: eventLog.instanceId,
          pseudonymKey: key,
          erased,
          asking: (pseudonym) => instances?.askedHere(pseudonym),
          here: async (pseudonym, dryRun) => {
            if (dryRun || !instances) {
              // Read only, the folder as it is: a dry run rolls no segment and holds nothing.
              const parts = { dir: eventLog.dir, instance: eventLog.instanceId, erased, settleMs: 0 };
              const only = new Set([pseudonym]);
              return eraseInstanceCopies({ ...parts, pseudonymOf: pseudonymOf! }, only, { dryRun, ownBucket: false });
            }
            const pass = instances.erase(pseudonym);
            erased.add(pseudonym);
            const result = await pass;
            // An upload begun before the rewrite may carry the old lines: the bucket is rewritten after it.
            await shipper?.idle();
            return result;
          },
          bucket: client && { client, address },
          redis: redis && { connection: redis, digest: redisDigester(key) },
          logger,
        },
        customerId,
        options,
      );
    },
    stop(): void {
      erased.stop();
      rmSync(ownerFile, { force: true });
    },
  };
}

/** A running proxy's erasure. */
export type ProxyErasure = ReturnType<typeof startProxyErasure>;
