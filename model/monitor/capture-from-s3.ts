/**
 * The data capture where the cloud endpoint writes it: the objects under
 * `s3://bucket/prefix/<endpoint>/` whose hour folder can hold calls of the window, copied into a
 * local folder in the same layout (what `aws s3 sync` would do, for only the hours needed), so the
 * monitor reads S3 and a local copy alike. An object already copied with the same size is kept.
 */
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { hourOfCapturePath } from '../../contracts/data-capture.ts';

const HOUR_MS = 3_600_000;

/** Splits `s3://bucket/prefix` into its bucket and its prefix (no trailing slash). */
export function parseCaptureUri(uri: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*?))?\/?$/.exec(uri);
  if (!match) throw new Error(`monitor: --capture-dir must be a folder or s3://bucket[/prefix], got "${uri}"`);
  return { bucket: match[1]!, prefix: match[2] ?? '' };
}

/** Copies the window's capture objects of `endpoint` into `localDir`; returns how many were fetched. */
export async function syncCaptureFromS3(
  client: S3Client,
  uri: string,
  options: { endpoint: string; from: number; to: number; localDir: string },
): Promise<{ listed: number; fetched: number }> {
  const { bucket, prefix } = parseCaptureUri(uri);
  const base = `${prefix ? `${prefix}/` : ''}${options.endpoint}/`;
  let listed = 0;
  let fetched = 0;
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: base, ...(token ? { ContinuationToken: token } : {}) }),
    );
    for (const object of page.Contents ?? []) {
      const rest = object.Key!.slice(base.length).split('/');
      // <variant>/yyyy/mm/dd/hh/<file>.jsonl
      const hour = rest.length === 6 ? hourOfCapturePath(rest.slice(1, 5)) : undefined;
      if (hour === undefined || !rest[5]!.endsWith('.jsonl')) continue;
      if (hour + 2 * HOUR_MS <= options.from || hour >= options.to) continue;
      listed++;
      const local = join(options.localDir, options.endpoint, ...rest);
      if (existsSync(local) && statSync(local).size === object.Size) continue;
      const body = await client.send(new GetObjectCommand({ Bucket: bucket, Key: object.Key! }));
      mkdirSync(dirname(local), { recursive: true });
      writeFileSync(local, await body.Body!.transformToByteArray());
      fetched++;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return { listed, fetched };
}
