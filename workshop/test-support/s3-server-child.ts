/**
 * An S3-compatible server for tests, as its own process: s3rver (npm, pure JavaScript, files
 * on disk), so shipping is tested through the real SDK without Docker or a network. Stopping
 * it and starting it again on the same folder and port is "the bucket unreachable for a while".
 * Env: S3_PORT, S3_DIR, S3_BUCKET. Prints `{"ready":true,"url":…}` once listening.
 */
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';
import { nonEmptyText, port } from '../../environment/parsers.ts';
import { type EnvironmentTable, readEnvironment } from '../../environment/read-environment.ts';

const defaults = { port: 0, directory: undefined as string | undefined, bucket: 'reco-events' };
const fromEnv = {
  S3_PORT: ['port', port],
  S3_DIR: ['directory', nonEmptyText],
  S3_BUCKET: ['bucket', nonEmptyText],
} as const satisfies EnvironmentTable<typeof defaults>;

const settings = readEnvironment('s3-server', defaults, fromEnv);
const server = new S3rver({
  address: '127.0.0.1',
  port: settings.port,
  directory: settings.directory,
  silent: true,
  configureBuckets: [{ name: settings.bucket }],
});
const { port: bound } = (await server.run()) as { port: number };
console.log(JSON.stringify({ ready: true, url: `http://127.0.0.1:${bound}`, port: bound }));
