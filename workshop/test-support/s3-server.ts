/** Test support: starts the S3-compatible server (`s3-server-child.ts`) and reads the bucket through the SDK. */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';
import { type StartedChild, startChild } from './child.ts';

/** What the server announced. */
export interface S3ServerInfo {
  url: string;
  port: number;
}

/** Credentials s3rver accepts (it checks signatures against these). */
export const s3rverCredentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** Starts s3rver on `port` (0: any) storing in `dir`, with `bucket` created. */
export function startS3Server(dir: string, bucket: string, port = 0): Promise<StartedChild<S3ServerInfo>> {
  return startChild<S3ServerInfo>('workshop/test-support/s3-server-child.ts', {
    env: { S3_DIR: dir, S3_BUCKET: bucket, S3_PORT: String(port) },
  });
}

/** A client for the test's own reads (path-style, s3rver's credentials). */
export function testS3Client(url: string): S3Client {
  return new S3Client({
    endpoint: url,
    forcePathStyle: true,
    region: 'eu-west-2',
    credentials: s3rverCredentials,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Every object in the bucket with its gunzip'd text. */
export async function bucketObjects(client: S3Client, bucket: string): Promise<Array<{ key: string; text: string }>> {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return Promise.all(
    (listed.Contents ?? []).map(async ({ Key }) => {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: Key! }));
      return { key: Key!, text: gunzipSync(await object.Body!.transformToByteArray()).toString('utf8') };
    }),
  );
}
