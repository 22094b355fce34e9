/**
 * Erasure in the bucket segments were shipped to: every object is read (gunzip'd), and one holding a
 * line of an erased customer (its `userId` is their pseudonym: shipping pseudonymised it) is written
 * again under the same key without those lines — gzip'd, sent with Content-MD5, its SHA-256 in the
 * metadata as the shipper does — so the old bytes are gone from the key, then verified: HeadObject
 * (length and SHA-256) and the object read back whole, holding none of them. Last the prefix is
 * listed again and every object that is new or changed since the first listing (a proxy shipping
 * meanwhile) is read too, until a listing brings nothing unread.
 *
 * On a versioned bucket an overwrite keeps the old version: see docs/operator-guide.md "Erasure".
 */
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { segmentInstance, segmentStartedAt } from '../events/segment-files.ts';
import { type BucketAddress, failureCause } from '../events/segment-shipper.ts';
import { type ErasedLine, eventKeyOf } from '../events/segment-erasure.ts';

/** What the bucket pass did. */
export interface BucketErasure {
  objectsRead: number;
  objectsRewritten: number;
  lines: number;
  /** Idempotency keys of the events cut. */
  eventKeys: string[];
  /** Every object rewritten read back whole without the customer, and a last listing found nothing unread. */
  verified: boolean;
}

/** The bucket did not take a step of the erasure, or an object does not read back as rewritten. */
export class BucketErasureError extends Error {
  override name = 'BucketErasureError';
}

async function listed(client: S3Client, address: BucketAddress): Promise<Map<string, string>> {
  const objects = new Map<string, string>();
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: address.bucket, Prefix: address.prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) objects.set(object.Key!, object.ETag ?? '');
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

async function readObject(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<{ text: string; meta: Record<string, string> }> {
  const { Body, Metadata } = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = await Body!.transformToByteArray();
  return { text: gunzipSync(bytes).toString('utf8'), meta: Metadata ?? {} };
}

/** Cuts the erased lines out of the bucket's segment objects (of `instance` only, when given). */
export async function eraseFromBucket(
  client: S3Client,
  address: BucketAddress,
  erased: ErasedLine,
  options: { dryRun: boolean; instance?: string },
): Promise<BucketErasure> {
  try {
    return await rewriteBucket(client, address, erased, options);
  } catch (error) {
    if (error instanceof BucketErasureError) throw error;
    const cause = failureCause(error);
    throw new BucketErasureError(`bucket: ${cause.name}: ${cause.message}; run the erasure again`);
  }
}

async function rewriteBucket(
  client: S3Client,
  address: BucketAddress,
  erased: ErasedLine,
  options: { dryRun: boolean; instance?: string },
): Promise<BucketErasure> {
  const result: BucketErasure = { objectsRead: 0, objectsRewritten: 0, lines: 0, eventKeys: [], verified: false };
  const read = new Map<string, string>();
  const isMine = (key: string): boolean => {
    const name = key.slice(key.lastIndexOf('/') + 1).replace(/\.gz$/, '');
    if (segmentStartedAt(name) === undefined) return false;
    return options.instance === undefined || segmentInstance(name) === options.instance;
  };
  const pass = async (objects: Map<string, string>): Promise<number> => {
    let fresh = 0;
    for (const [key, etag] of objects) {
      if (!isMine(key) || read.get(key) === etag) continue;
      fresh++;
      const { text, meta } = await readObject(client, address.bucket, key);
      result.objectsRead++;
      const kept: string[] = [];
      let cut = 0;
      for (const line of text.split('\n')) {
        if (line === '') continue;
        if (!erased(line)) kept.push(line);
        else {
          cut++;
          const eventKey = eventKeyOf(line);
          if (eventKey !== undefined) result.eventKeys.push(eventKey);
        }
      }
      read.set(key, etag);
      if (cut === 0) continue;
      result.lines += cut;
      if (options.dryRun) continue;
      const plain = kept.map((line) => `${line}\n`).join('');
      const body = gzipSync(plain);
      const sha256 = createHash('sha256').update(body).digest('hex');
      const put = await client.send(
        new PutObjectCommand({
          Bucket: address.bucket,
          Key: key,
          Body: body,
          ContentMD5: createHash('md5').update(body).digest('base64'),
          ContentType: 'application/gzip',
          Metadata: { ...meta, sha256 },
        }),
      );
      const head = await client.send(new HeadObjectCommand({ Bucket: address.bucket, Key: key }));
      const back = await readObject(client, address.bucket, key);
      if (head.ContentLength !== body.length || head.Metadata?.sha256 !== sha256 || back.text !== plain)
        throw new BucketErasureError(`bucket: ${key} does not read back as rewritten; run the erasure again`);
      read.set(key, put.ETag ?? head.ETag ?? '');
      result.objectsRewritten++;
    }
    return fresh;
  };
  await pass(await listed(client, address));
  // A proxy may have shipped (or re-shipped) an object meanwhile: list again until nothing is unread.
  for (let round = 0; round < 5; round++) {
    if ((await pass(await listed(client, address))) === 0) {
      result.verified = !options.dryRun || result.lines === 0;
      break;
    }
  }
  return result;
}
