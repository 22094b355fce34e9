/**
 * The workshop's own processes read their environment through `environment/read-environment.ts`
 * (each used to read `process.env` by hand: `Number(S3_PORT)`, `JSON.parse(BENCH_CLOUD)`,
 * `Number(FUZZ_SEED)`, so a bad value became NaN or a bare SyntaxError): a bad value now stops
 * the process with the variable named. Path and key variables take any non-empty text.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from './child.ts';

const run = promisify(execFile);

/** Runs `file` with only `env` (and PATH); resolves with its exit code and stderr. */
async function stopped(file: string, env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', file], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 30_000,
  }).then(
    () => ({ code: 0, stderr: '' }),
    (error: { code: number; stderr: string }) => error,
  );
}

const cases: [file: string, name: string, bad: string, message: string][] = [
  [
    'workshop/test-support/s3-server-child.ts',
    'S3_PORT',
    'http',
    's3-server: S3_PORT="http": must be a port number 0..65535',
  ],
  [
    'workshop/test-support/target-process.ts',
    'BENCH_CLOUD',
    '{"ready":',
    `target-process: BENCH_CLOUD="{\\"ready\\":": must be JSON (the cloud process's ready line)`,
  ],
  ['workshop/resilience/fuzz.test.ts', 'FUZZ_SEED', 'x1', 'fuzz: FUZZ_SEED="x1": must be a whole number'],
  ['workshop/resilience/trust-fuzz.test.ts', 'FUZZ_SEED', '-3', 'fuzz: FUZZ_SEED="-3": must be a whole number'],
];

describe("the workshop's processes", () => {
  for (const [file, name, bad, message] of cases) {
    it(`${file} stops on a bad ${name}, naming it`, async () => {
      const result = await stopped(file, { [name]: bad });
      assert.notEqual(result.code, 0);
      assert.ok(result.stderr.includes(message), result.stderr);
    });
  }
});
