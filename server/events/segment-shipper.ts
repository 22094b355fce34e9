/**
 * Ships closed segments to S3: each is gzip'd with its customer ids pseudonymised (the raw
 * ids never leave the premises; the local segment keeps them), uploaded under a key made of
 * its name alone (so a retried upload writes the same object), sent with Content-MD5 (S3
 * refuses a body that arrived damaged) and verified with HeadObject (length and our
 * SHA-256) before the store may move it to `shipped/`. Failures back off and retry; one
 * segment at a time, in small chunks, so shipping never slows a shelf or an event's 202.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { createGzip } from 'node:zlib';
import { HeadObjectCommand, NotFound, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Logger } from 'pino';
import { pseudonymizer } from '../../contracts/pseudonym.ts';
import type { ProxyConfig } from '../config.ts';
import type { EventLog } from './event-log.ts';
import { segmentStartedAt } from './segment-files.ts';
import { lineChunks } from './segment-lines.ts';

/** Where segments go. */
export interface BucketAddress {
  bucket: string;
  /** Key prefix, empty or ending in `/`. */
  prefix: string;
}

/** Counts for metrics. */
export interface ShippingStats {
  uploads: number;
  failures: number;
  /** Failures by the name of their cause (`failureCause`), e.g. `CredentialsProviderError`, `HTTP 403`. */
  failuresByCause: Record<string, number>;
  /** The last failure's step and cause, until an upload succeeds. */
  lastFailure: string | undefined;
  lastUploadAt: number | undefined;
  bytesUploaded: number;
}

/** The object read back after an upload is not what was sent. */
export class SegmentVerificationError extends Error {
  override name = 'SegmentVerificationError';
}

/** An error's name and message as an operator needs them: what failed, not the SDK's wrapper. */
export interface FailureCause {
  name: string;
  message: string;
}

/**
 * The cause of a failed call by its real name: the SDK's `CredentialsProviderError`,
 * `NoSuchBucket`, `ECONNREFUSED`, … A HEAD request's error has no body to name it, so the
 * SDK calls it `Unknown` / `UnknownError`: then the HTTP status is the name, with what it
 * usually means.
 */
export function failureCause(error: unknown): FailureCause {
  if (typeof error !== 'object' || error === null) return { name: 'Error', message: String(error) };
  const e = error as { name?: unknown; message?: unknown; code?: unknown; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if ((e.name === 'Unknown' || e.message === 'UnknownError') && status !== undefined) {
    const meaning: Record<number, string> = {
      301: 'the bucket is in another region (AWS_REGION)',
      400: 'a request the bucket does not accept',
      403: 'access denied: wrong credentials, or no permission on the bucket or prefix',
      404: 'no such bucket',
    };
    return {
      name: `HTTP ${status}`,
      message: `the bucket answered ${status} with no body: ${meaning[status] ?? 'see its logs'}`,
    };
  }
  const name =
    typeof e.name === 'string' && e.name !== 'Error' ? e.name : typeof e.code === 'string' ? e.code : 'Error';
  return { name, message: typeof e.message === 'string' ? e.message : String(error) };
}

/** A running shipper. */
export interface SegmentShipper {
  stats(): ShippingStats;
  /** Resolves once the uploads under way have ended (erasure rewrites the bucket after them). */
  idle(): Promise<void>;
  /** Resolves once nothing closed is waiting (tests); rejects if `stop` is called first. */
  drained(): Promise<void>;
  /** Stops shipping; an upload in flight is abandoned (and redone next start, to the same key). */
  stop(): Promise<void>;
}

/** The S3 client shipping and export use: path-style when an endpoint is given; our own retries. */
export function eventsS3Client(
  config: Pick<ProxyConfig, 'region' | 'eventsS3Endpoint'>,
  /** Fixed credentials (tests); default: the AWS provider chain. */
  credentials?: { accessKeyId: string; secretAccessKey: string },
): S3Client {
  return new S3Client({
    region: config.region,
    ...(credentials ? { credentials } : {}),
    ...(config.eventsS3Endpoint ? { endpoint: config.eventsS3Endpoint, forcePathStyle: true } : {}),
    // One attempt a call: the shipper backs off itself, and never holds a segment hostage to a retry loop.
    maxAttempts: 1,
    // Content-MD5 and our SHA-256 verify the body; S3-compatible servers may lack the newer checksums.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 120_000 }),
  });
}

/** The object key of a segment: `<prefix>YYYY/MM/DD/<segment name>.gz` (UTC day it started). */
export function segmentKey(address: BucketAddress, name: string): string {
  const day = new Date(segmentStartedAt(name) ?? 0).toISOString().slice(0, 10).replace(/-/g, '/');
  return `${address.prefix}${day}/${name}.gz`;
}

const userIdField = /"userId":"((?:[^"\\]|\\.)*)"/g;

/** A segment ready to upload: its gzip'd bytes and their digests. */
export interface ShippableSegment {
  body: Buffer;
  /** Hex SHA-256 of `body`, kept in the object's metadata to verify it. */
  sha256: string;
  /** Base64 MD5 of `body`, for Content-MD5. */
  md5: string;
}

/**
 * The segment's bytes with every `userId` pseudonymised, gzip'd, with their digests. Read in
 * 64 KiB chunks with a turn of the event loop between them, compressed as a stream on
 * libuv's thread pool and hashed piece by piece as the compressed bytes come: no step holds
 * the event loop for the whole segment (joining 64 MiB and hashing the result in one go
 * blocked it for tens of ms, so a shelf or a 202 waited behind a segment).
 */
export async function shippableSegment(path: string, pseudonymize: (id: string) => string): Promise<ShippableSegment> {
  const gzip = createGzip();
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  const compressed: Buffer[] = [];
  gzip.on('data', (piece: Buffer) => {
    sha256.update(piece);
    md5.update(piece);
    compressed.push(piece);
  });
  const ended = once(gzip, 'end');
  const lines = lineChunks(createReadStream(path, { highWaterMark: 64 * 1024 }));
  // Whole lines only, so a field is never cut between two chunks.
  for (let next = await lines.next(); !next.done; next = await lines.next()) {
    const text = next.value.bytes.toString('utf8').replace(userIdField, (_, raw: string) => {
      const id = raw.includes('\\') ? (JSON.parse(`"${raw}"`) as string) : raw;
      return `"userId":${JSON.stringify(pseudonymize(id))}`;
    });
    if (!gzip.write(text)) await once(gzip, 'drain');
    await yieldToEventLoop();
  }
  gzip.end();
  await ended;
  return { body: Buffer.concat(compressed), sha256: sha256.digest('hex'), md5: md5.digest('base64') };
}

/** Options of a shipper. */
export interface ShipperOptions extends BucketAddress {
  client: S3Client;
  store: EventLog;
  logger: Logger;
  pseudonymize: (id: string) => string;
  /** First and longest wait after a failure, in ms. */
  backoffMs?: { first: number; max: number };
}

/** Starts shipping `store`'s closed segments. */
export function shipSegments(options: ShipperOptions): SegmentShipper {
  const { client, store, logger } = options;
  const backoff = options.backoffMs ?? { first: 1000, max: 60_000 };
  const stats: ShippingStats = {
    uploads: 0,
    failures: 0,
    failuresByCause: {},
    lastFailure: undefined,
    lastUploadAt: undefined,
    bytesUploaded: 0,
  };
  /** What `shipOne` is doing, for the failure's log line. */
  let step = 'reading the segment';
  let delay = 0;
  let running: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const abort = new AbortController();
  const waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];

  const settleWaiters = (): void => {
    if (store.unshippedSegments().length > 0) return;
    for (const w of waiters.splice(0)) w.resolve();
  };

  const shipOne = async (name: string, path: string): Promise<void> => {
    const key = segmentKey(options, name);
    step = 'reading the segment';
    const { body, sha256, md5 } = await shippableSegment(path, options.pseudonymize);
    step = 'HeadObject';
    const present = await client
      .send(new HeadObjectCommand({ Bucket: options.bucket, Key: key }), { abortSignal: abort.signal })
      .catch((error: unknown) => {
        if (error instanceof NotFound || (error as { name?: string }).name === 'NotFound') return undefined;
        throw error;
      });
    if (present?.Metadata?.sha256 !== sha256 || present.ContentLength !== body.length) {
      step = 'PutObject';
      await client.send(
        new PutObjectCommand({
          Bucket: options.bucket,
          Key: key,
          Body: body,
          ContentMD5: md5,
          ContentType: 'application/gzip',
          Metadata: { sha256, instance: store.instanceId },
        }),
        { abortSignal: abort.signal },
      );
      step = 'HeadObject after PutObject';
      const head = await client.send(new HeadObjectCommand({ Bucket: options.bucket, Key: key }), {
        abortSignal: abort.signal,
      });
      if (head.ContentLength !== body.length || head.Metadata?.sha256 !== sha256) {
        throw new SegmentVerificationError(
          `${key} reads back as ${head.ContentLength} bytes, sha256 ${head.Metadata?.sha256}`,
        );
      }
      stats.bytesUploaded += body.length;
    }
    step = 'moving it to shipped/';
    await store.markShipped(name);
    stats.uploads++;
    stats.lastFailure = undefined;
    stats.lastUploadAt = Date.now();
    logger.info({ segment: name, key, bytes: body.length }, 'event segment shipped and verified');
  };

  const run = async (): Promise<void> => {
    while (!stopped) {
      const next = store.unshippedSegments()[0];
      if (!next) break;
      try {
        await shipOne(next.name, next.path);
        delay = 0;
      } catch (error) {
        if (stopped) return;
        const cause = failureCause(error);
        stats.failures++;
        stats.failuresByCause[cause.name] = (stats.failuresByCause[cause.name] ?? 0) + 1;
        stats.lastFailure = `${step}: ${cause.name}: ${cause.message}`;
        delay = Math.min(backoff.max, delay ? delay * 2 : backoff.first);
        logger.warn(
          { segment: next.name, step, cause: `${cause.name}: ${cause.message}`, err: error, retryInMs: delay },
          `event segment upload failed (${step}: ${cause.name}); retrying`,
        );
        timer = setTimeout(kick, delay);
        timer.unref();
        return;
      }
    }
    settleWaiters();
  };

  function kick(): void {
    if (stopped || running) return;
    clearTimeout(timer);
    running = run().finally(() => {
      running = undefined;
    });
  }

  store.onSegmentClosed(kick);
  kick();
  return {
    stats: () => ({ ...stats, failuresByCause: { ...stats.failuresByCause } }),
    idle: async () => {
      await running?.catch(() => {});
    },
    drained: () =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ resolve, reject });
        settleWaiters();
        kick();
      }),
    async stop() {
      stopped = true;
      clearTimeout(timer);
      abort.abort();
      await running?.catch(() => {});
      for (const w of waiters.splice(0)) w.reject(new Error('shipper stopped'));
    },
  };
}

/** The shipper the config asks for, or undefined when `RECO_EVENTS_S3_BUCKET` is unset. */
export function startSegmentShipper(config: ProxyConfig, store: EventLog, logger: Logger): SegmentShipper | undefined {
  if (!config.eventsS3Bucket) return undefined;
  // The config refuses a bucket without a key; a config built another way must not ship raw ids either.
  const key = config.pseudonymKey;
  if (!key) throw new Error('events: shipping to RECO_EVENTS_S3_BUCKET needs RECO_PSEUDONYM_KEY');
  return shipSegments({
    client: eventsS3Client(config),
    bucket: config.eventsS3Bucket,
    prefix: config.eventsS3Prefix,
    store,
    logger,
    pseudonymize: pseudonymizer(key),
  });
}
