/**
 * The monitor reads the capture where a cloud endpoint writes it: an S3 prefix (here the S3
 * stand-in, through the real SDK), the window's hours copied into the same layout locally. The
 * files are the local SageMaker stand-in's writer's, uploaded under the capture prefix.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { StartedChild } from '../../workshop/test-support/child.ts';
import { type S3ServerInfo, startS3Server, testS3Client } from '../../workshop/test-support/s3-server.ts';
import { dataCaptureWriter } from '../../workshop/local-sagemaker/data-capture.ts';
import { parseCaptureUri, syncCaptureFromS3 } from './capture-from-s3.ts';
import { readCapturedShelves } from './captured-inferences.ts';

const HOUR = 3_600_000;
const scratch = mkdtempSync(join(tmpdir(), 'capture-s3-'));
let server: StartedChild<S3ServerInfo>;
let client: S3Client;
before(async () => {
  server = await startS3Server(join(scratch, 's3'), 'reco-models');
  client = testS3Client(server.info.url);
});
after(async () => {
  client.destroy();
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** Every file under `dir`, relative. */
const filesIn = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();

test('the window of an S3 capture prefix is copied in its layout and read as a local one', async () => {
  const now = Date.parse('2026-06-30T12:30:00Z');
  const written = join(scratch, 'written');
  for (const hoursAgo of [1, 30]) {
    const write = dataCaptureWriter({ dir: written, now: () => new Date(now - hoursAgo * HOUR) });
    for (let i = 0; i < 3; i++)
      write({
        endpointName: 'reco-shelf',
        variantName: 'AllTraffic',
        inferenceId: `r-${hoursAgo}-${i}`,
        input: { contentType: 'application/json', body: Buffer.from('{"items":[],"k":8,"exclude":[]}') },
        output: { contentType: 'application/json', body: Buffer.from('{"recommendations":[],"modelVersion":"m"}') },
      });
  }
  for (const file of filesIn(written))
    await client.send(
      new PutObjectCommand({
        Bucket: 'reco-models',
        Key: `reco-shelf/v7/data-capture/${file}`,
        Body: readFileSync(join(written, file)),
      }),
    );
  // Not capture: another endpoint's, and a stray object.
  for (const Key of ['reco-shelf/v7/data-capture/other/AllTraffic/2026/06/30/11/x.jsonl', 'reco-shelf/v7/notes.txt'])
    await client.send(new PutObjectCommand({ Bucket: 'reco-models', Key, Body: 'x' }));

  const uri = 's3://reco-models/reco-shelf/v7/data-capture';
  const local = join(scratch, 'local');
  const window = { endpoint: 'reco-shelf', from: now - 6 * HOUR, to: now, localDir: local };
  assert.deepEqual(await syncCaptureFromS3(client, uri, window), { listed: 1, fetched: 1 });
  assert.deepEqual(
    filesIn(local).map((f) => relative('reco-shelf/AllTraffic', f).split('/').slice(0, 4).join('/')),
    ['2026/06/30/11'],
  );
  const shelves = readCapturedShelves(local, 'reco-shelf', window.from, now).shelves;
  // One hour's calls, all three (the same instant here, so in eventId order).
  assert.deepEqual(shelves.map((s) => s.inferenceId).sort(), ['r-1-0', 'r-1-1', 'r-1-2']);
  assert.deepEqual(await syncCaptureFromS3(client, uri, window), { listed: 1, fetched: 0 }, 'kept, not fetched again');
  assert.throws(() => parseCaptureUri('s3:/x'), /--capture-dir must be a folder or s3:\/\/bucket/);
});
