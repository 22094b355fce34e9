/**
 * Erasing a customer, store by store, in an order that lets nothing come back:
 * 1. the erasure log gets a `requested` record (durable): from now on the customer is on the
 *    erased list, which this proxy, every proxy of the fleet (through Redis, at once) and the next
 *    retrain read — the proxy serves them as an anonymous shopper and keeps their new events anonymous;
 * 2. this instance's own copies: caches, event folder (`instance-erasure.ts`);
 * 3. the bucket: every shipped object, rewritten and verified (`bucket-erasure.ts`);
 * 4. Redis: their purchases, the marks of their events, the shared answer cache (`redis-erasure.ts`);
 * 5. a `done` record with what each store gave up (counts only, the pseudonym only).
 * Any step that fails stops the erasure with its error and no `done` record; running it again
 * redoes every step (each is idempotent). A dry run counts what would go and changes nothing.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import { maxShopperIdLength, printablePattern } from '../../contracts/ids.ts';
import { pseudonymOf } from '../../contracts/pseudonym.ts';
import type { BucketAddress } from '../events/segment-shipper.ts';
import type { RedisConnection } from '../shared-state/redis-connection.ts';
import { type BucketErasure, eraseFromBucket } from './bucket-erasure.ts';
import type { ErasedCustomers } from './erased-customers.ts';
import { shippedLineErased } from './erased-lines.ts';
import { appendErasureRecord } from './erasure-log.ts';
import type { InstanceErasure } from './instance-erasure.ts';
import { eraseFromRedis, RedisErasureError } from './redis-erasure.ts';

/** The request names no customer the erasure can take. */
export class InvalidErasureError extends Error {
  override name = 'InvalidErasureError';
}

/** The erasure cannot run with this configuration (no pseudonym key). */
export class ErasureUnavailableError extends Error {
  override name = 'ErasureUnavailableError';
}

/** Where an erasure reaches. */
export interface ErasureParts {
  /** The event folder (its erasure log) and its instance id. */
  dir: string;
  instance: string;
  /** `RECO_PSEUDONYM_KEY`. */
  pseudonymKey: string | undefined;
  erased: ErasedCustomers;
  /** Told of the pseudonym before it is logged (the proxy then knows the erasure was asked here). */
  asking?: (pseudonym: string) => void;
  /** Erases (or counts) this instance's own copies of the pseudonym, once it is on the erased list. */
  here: (pseudonym: string, dryRun: boolean) => Promise<InstanceErasure>;
  bucket?: { client: S3Client; address: BucketAddress } | undefined;
  redis?: { connection: RedisConnection; digest: (text: string) => string } | undefined;
  logger?: Logger | undefined;
}

/** What an erasure did, store by store (or would do, in a dry run): counts, and the pseudonym only. */
export interface ErasureReport {
  /** The customer's pseudonym: the report, like the log, never holds the id. */
  pseudonym: string;
  dryRun: boolean;
  at: string;
  ms: number;
  removed: {
    segments: { filesRewritten: number; lines: number };
    caches: InstanceErasure['caches'];
    bucket: Omit<BucketErasure, 'eventKeys'> | 'no bucket (RECO_EVENTS_S3_BUCKET unset)';
    redis: { keys: number } | 'no redis (RECO_REDIS_URL unset)';
  };
  /** Told to the other proxies through Redis (they erase their own folders and caches). */
  fleetTold: boolean;
  /** What stays in the cloud, said plainly. */
  model: string;
}

/** Checks the customer id as the shopper identity does (a printable id of bounded length). */
export function parseErasureCustomer(value: unknown): string {
  if (typeof value !== 'string' || value === '') throw new InvalidErasureError('customer: give the customer id');
  if (value.length > maxShopperIdLength || !printablePattern.test(value)) {
    throw new InvalidErasureError(`customer: not a customer id (printable, at most ${maxShopperIdLength} characters)`);
  }
  return value;
}

/** Erases `customerId` everywhere it reaches (see the top of this file). */
export async function eraseCustomer(
  parts: ErasureParts,
  customerId: string,
  options: { dryRun: boolean; by: string },
): Promise<ErasureReport> {
  const started = performance.now();
  const customer = parseErasureCustomer(customerId);
  const key = parts.pseudonymKey;
  if (!key) {
    throw new ErasureUnavailableError(
      'RECO_PSEUDONYM_KEY is not set: the erasure log and the fleet know a customer only by pseudonym; set it ' +
        '(the same key everywhere) and run again',
    );
  }
  const pseudonym = pseudonymOf(customer, key);
  const { dryRun } = options;
  let fleetTold = false;
  if (!dryRun) {
    parts.asking?.(pseudonym);
    await appendErasureRecord(parts.dir, {
      at: new Date().toISOString(),
      pseudonym,
      step: 'requested',
      instance: parts.instance,
      by: options.by,
    });
    fleetTold = await parts.erased.announce(pseudonym);
    if (parts.redis && !fleetTold) {
      throw new RedisErasureError('redis: the erased set did not take the customer; run the erasure again');
    }
  }
  const here = await parts.here(pseudonym, dryRun);
  const bucket = parts.bucket
    ? await eraseFromBucket(
        parts.bucket.client,
        parts.bucket.address,
        shippedLineErased((p) => p === pseudonym),
        {
          dryRun,
        },
      )
    : undefined;
  const redis = parts.redis
    ? await eraseFromRedis(parts.redis.connection, {
        customerDigest: parts.redis.digest(customer),
        namedBy: [parts.redis.digest(`u:${customer}`), pseudonym],
        eventKeys: [...new Set([...here.eventKeys, ...(bucket?.eventKeys ?? [])])],
        dryRun,
      })
    : undefined;
  const { eventKeys: _keys, ...bucketCounts } = bucket ?? { eventKeys: [] };
  const report: ErasureReport = {
    pseudonym,
    dryRun,
    at: new Date().toISOString(),
    ms: Math.round(performance.now() - started),
    removed: {
      segments: { filesRewritten: here.segments.filesRewritten, lines: here.segments.lines },
      caches: here.caches,
      bucket: bucket ? (bucketCounts as Omit<BucketErasure, 'eventKeys'>) : 'no bucket (RECO_EVENTS_S3_BUCKET unset)',
      redis: redis ?? 'no redis (RECO_REDIS_URL unset)',
    },
    fleetTold,
    model:
      'the model serving now was trained on their history until the next promotion: the proxy no longer asks ' +
      'it for this customer; the next retrain leaves them out (erasure log), and its promotion removes them',
  };
  if (!dryRun) {
    await appendErasureRecord(parts.dir, {
      at: report.at,
      pseudonym,
      step: 'done',
      instance: parts.instance,
      by: options.by,
      removed: report.removed,
    });
  }
  parts.logger?.info({ pseudonym, dryRun, ms: report.ms, removed: report.removed }, 'erasure done');
  return report;
}
