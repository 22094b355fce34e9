/**
 * What one proxy erases of its own: its answer cache and recently-bought index (in this process),
 * every line of its event folder naming the customer (`server/events/segment-erasure.ts`, under the
 * store's commit rules while it runs), the idempotency marks of those events in Redis, and — when
 * the erasure was asked elsewhere — its own objects in the bucket, once its shipper has no upload under
 * way (one begun before the rewrite may carry the old lines). Done, it appends an `instance` record
 * to its erasure log.
 *
 * Started for every pseudonym new to the process (`ErasedCustomers.onErased`): asked here, told by
 * the fleet through Redis, or appended to the log by `npm run erase`; at start, for every erased
 * pseudonym this folder's log has no `instance` record of. One pass at a time, each for every
 * pseudonym waiting, so a burst of erasures reads the folder once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from 'pino';
import type { EventLog } from '../events/event-log.ts';
import { eraseFromFolder, eraseFromStore, type StoreErasure } from '../events/segment-erasure.ts';
import type { BucketAddress, SegmentShipper } from '../events/segment-shipper.ts';
import type { AnswerStore } from '../shelf/answer-cache.ts';
import type { RedisConnection } from '../shared-state/redis-connection.ts';
import { type BucketErasure, eraseFromBucket } from './bucket-erasure.ts';
import type { ErasedCustomers } from './erased-customers.ts';
import { localLineErased, shippedLineErased } from './erased-lines.ts';
import { appendErasureRecord, readErasureLog } from './erasure-log.ts';
import { eraseFromRedis } from './redis-erasure.ts';

/** What a proxy (or `npm run erase` on a stopped proxy's folder) erases its own copies with. */
export interface InstanceParts {
  /** The event folder, and its instance id. */
  dir: string;
  instance: string;
  /** The running store; without one the folder is rewritten directly (nothing else writes it). */
  store?: EventLog | undefined;
  cache?: AnswerStore | undefined;
  pseudonymOf: (customerId: string) => string;
  erased: ErasedCustomers;
  bucket?: { client: S3Client; address: BucketAddress; shipper: () => SegmentShipper | undefined } | undefined;
  redis?: RedisConnection | undefined;
  /** How long a shelf may still be answering for a shopper identified before the erasure (the hard cap). */
  settleMs: number;
  logger?: Logger | undefined;
}

/** What one pass erased here. */
export interface InstanceErasure {
  segments: { filesRewritten: number; lines: number };
  caches: { answersCleared: boolean; purchaseCustomers: number };
  redis: { keys: number };
  /** This instance's own objects (only when the erasure was asked elsewhere). */
  bucket?: BucketErasure;
  eventKeys: string[];
}

/** Erases one instance's copies of the customers named, now (or counts them, in a dry run). */
export async function eraseInstanceCopies(
  parts: InstanceParts,
  pseudonyms: ReadonlySet<string>,
  options: { dryRun: boolean; ownBucket: boolean },
): Promise<InstanceErasure> {
  const named = (pseudonym: string): boolean => pseudonyms.has(pseudonym);
  const customer = (userId: string): boolean => named(parts.pseudonymOf(userId));
  const clearCaches = (): InstanceErasure['caches'] => {
    if (options.dryRun) return { answersCleared: false, purchaseCustomers: 0 };
    parts.cache?.clear();
    return {
      answersCleared: parts.cache !== undefined,
      purchaseCustomers: parts.store?.forgetPurchases(customer) ?? 0,
    };
  };
  const started = Date.now();
  let caches = clearCaches();
  // A batch admitted before the customer was erased is handed to the store without a wait: let it get there.
  await new Promise((resolve) => setImmediate(resolve));
  const lines = localLineErased(named, parts.pseudonymOf);
  const segments: StoreErasure = parts.store
    ? await eraseFromStore(parts.store, lines, options.dryRun)
    : await eraseFromFolder(parts.dir, lines, options.dryRun);
  const redis =
    parts.redis && segments.eventKeys.length > 0
      ? await eraseFromRedis(parts.redis, { eventKeys: segments.eventKeys, dryRun: options.dryRun, answers: false })
      : { keys: 0 };
  let bucket: BucketErasure | undefined;
  if (options.ownBucket && parts.bucket) {
    await parts.bucket.shipper()?.idle();
    bucket = await eraseFromBucket(parts.bucket.client, parts.bucket.address, shippedLineErased(named), {
      dryRun: options.dryRun,
      instance: parts.instance,
    });
  }
  // A shelf asked for before the erasure may still be answering (and caching): clear again after it.
  const left = parts.settleMs - (Date.now() - started);
  if (!options.dryRun && parts.cache && left > 0) await sleep(left);
  const again = clearCaches();
  caches = { ...caches, purchaseCustomers: caches.purchaseCustomers + again.purchaseCustomers };
  return { segments, caches, redis, ...(bucket ? { bucket } : {}), eventKeys: segments.eventKeys };
}

/** What a pass removed, as logged (counts only). */
export function instanceCounts(result: InstanceErasure): Record<string, unknown> {
  const { eventKeys: _keys, bucket, ...counts } = result;
  if (!bucket) return counts;
  const { eventKeys: _bucketKeys, ...bucketCounts } = bucket;
  return { ...counts, bucket: bucketCounts };
}

/** Runs `eraseInstanceCopies` for each pseudonym new to this process, one pass at a time. */
export class InstanceErasures {
  readonly #waiting = new Map<string, (result: InstanceErasure | Error) => void>();
  /** The pass each pseudonym waits for (or is in). */
  readonly #promised = new Map<string, Promise<InstanceErasure>>();
  /** Pseudonyms asked for here: the asker rewrites the whole bucket itself. */
  readonly #askedHere = new Set<string>();
  #running: Promise<void> | undefined;
  readonly #done: Set<string>;

  constructor(private readonly parts: InstanceParts) {
    const records = readErasureLog(parts.dir);
    this.#done = new Set(
      records.filter((r) => r.step !== 'requested' && r.instance === parts.instance).map((r) => r.pseudonym),
    );
    parts.erased.onErased((pseudonym) => {
      if (!this.#done.has(pseudonym)) void this.erase(pseudonym).catch(() => {});
    });
  }

  /** Marks `pseudonym` as asked for here, before it is added to the erased set. */
  askedHere(pseudonym: string): void {
    this.#askedHere.add(pseudonym);
  }

  /** This instance's copies of `pseudonym` erased (the pass under way, or the next one). */
  erase(pseudonym: string): Promise<InstanceErasure> {
    const under = this.#promised.get(pseudonym);
    if (under) return under;
    const promise = new Promise<InstanceErasure>((resolve, reject) => {
      this.#waiting.set(pseudonym, (result) => (result instanceof Error ? reject(result) : resolve(result)));
      this.#running ??= this.#run();
    });
    this.#promised.set(pseudonym, promise);
    const forget = (): void => {
      this.#promised.delete(pseudonym);
    };
    promise.then(forget, forget);
    return promise;
  }

  async #run(): Promise<void> {
    while (this.#waiting.size > 0) {
      const batch = new Map(this.#waiting);
      this.#waiting.clear();
      const pseudonyms = new Set(batch.keys());
      const ownBucket = [...pseudonyms].some((p) => !this.#askedHere.has(p));
      let result: InstanceErasure | Error;
      try {
        result = await eraseInstanceCopies(this.parts, pseudonyms, { dryRun: false, ownBucket });
        for (const pseudonym of pseudonyms) {
          await appendErasureRecord(this.parts.dir, {
            at: new Date().toISOString(),
            pseudonym,
            step: 'instance',
            instance: this.parts.instance,
            removed: instanceCounts(result),
          });
          this.#done.add(pseudonym);
        }
        this.parts.logger?.info(
          { erased: pseudonyms.size, lines: result.segments.lines, files: result.segments.filesRewritten },
          'erasure: this instance’s copies erased',
        );
      } catch (error) {
        result = error as Error;
        this.parts.logger?.error({ err: error }, 'erasure: this instance’s copies could not all be erased');
      }
      for (const settle of batch.values()) settle(result);
    }
    this.#running = undefined;
  }
}
