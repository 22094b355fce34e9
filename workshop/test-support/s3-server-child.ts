/**
 * An S3-compatible server for tests, as its own process: s3rver (npm, pure JavaScript, files
 * on disk), so shipping is tested through the real SDK without Docker or a network. Stopping
 * it and starting it again on the same folder and port is "the bucket unreachable for a while".
 * Env: S3_PORT, S3_DIR, S3_BUCKET. Prints `{"ready":true,"url":…}` once listening.
 */
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';

const port = Number(process.env.S3_PORT ?? 0);
const server = new S3rver({
  address: '127.0.0.1',
  port,
  directory: process.env.S3_DIR,
  silent: true,
  configureBuckets: [{ name: process.env.S3_BUCKET ?? 'reco-events' }],
});
const { port: bound } = (await server.run()) as { port: number };
console.log(JSON.stringify({ ready: true, url: `http://127.0.0.1:${bound}`, port: bound }));
