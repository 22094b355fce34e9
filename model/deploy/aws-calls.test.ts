import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { StartedChild } from '../../workshop/test-support/child.ts';
import {
  type S3ServerInfo,
  s3rverCredentials,
  startS3Server,
  testS3Client,
} from '../../workshop/test-support/s3-server.ts';
import { sendSteps } from './aws-calls.ts';

const scratch = mkdtempSync(join(tmpdir(), 'aws-calls-'));
let server: StartedChild<S3ServerInfo>;
before(async () => {
  server = await startS3Server(join(scratch, 's3'), 'reco-models');
});
after(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

test('the PutObject step uploads the archive file, byte for byte, through the S3 wire protocol', async () => {
  const archive = join(scratch, 'model.tar.gz');
  writeFileSync(archive, Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251)));
  const lines: string[] = [];
  await sendSteps(
    [
      {
        service: 's3',
        command: 'PutObject',
        input: { Bucket: 'reco-models', Key: 'flywheel/v1/model.tar.gz', Body: archive },
      },
    ],
    'eu-west-2',
    (line) => lines.push(line),
    {
      s3: {
        endpoint: server.info.url,
        forcePathStyle: true,
        credentials: s3rverCredentials,
        requestChecksumCalculation: 'WHEN_REQUIRED',
      },
    },
  );
  assert.deepEqual(lines, ['deploy: PutObject ok']);
  const client = testS3Client(server.info.url);
  try {
    const object = await client.send(new GetObjectCommand({ Bucket: 'reco-models', Key: 'flywheel/v1/model.tar.gz' }));
    assert.deepEqual(Buffer.from(await object.Body!.transformToByteArray()), readFileSync(archive));
  } finally {
    client.destroy();
  }
});
