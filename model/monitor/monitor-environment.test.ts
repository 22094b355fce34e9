/**
 * `npm run monitor` reads its environment through `environment/read-environment.ts` (it used to
 * filter `process.env` into its own zod object by hand, and counted the pseudonym key's characters
 * while saying bytes): each variable's bad value stops it, named.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { InvalidEnvironmentError } from '../../environment/read-environment.ts';
import { projectRoot } from '../../workshop/test-support/child.ts';
import { monitorDefaults, monitorEnvironment, readMonitorEnvironment } from './monitor-environment.ts';

/**
 * Each variable the monitor reads, a value it refuses, why, and how the message shows the value (a
 * secret by its length alone); a folder takes any non-empty text.
 */
const refused: Record<string, [string, string, string?] | 'any text'> = {
  RECO_EVENTS_DIR: 'any text',
  RECO_EVENTS_DEDUP_HOURS: ['721', 'must be at most 720'],
  RECO_EVENTS_SEGMENT_SECONDS: ['1.5', 'must be a whole number'],
  RECO_PSEUDONYM_KEY: ['é'.repeat(15), 'must be at least 32 bytes', '(30 bytes, not shown)'],
  SAGEMAKER_ENDPOINT_NAME: ['reco_shelf', 'must be a SageMaker endpoint name'],
};

describe("the monitor's environment", () => {
  it('lists every variable of its table here', () => {
    assert.deepEqual(Object.keys(refused).sort(), Object.keys(monitorEnvironment).sort());
  });

  for (const [name, bad] of Object.entries(refused)) {
    if (bad === 'any text') continue;
    it(`stops on a bad ${name}, naming it`, () => {
      assert.throws(
        () => readMonitorEnvironment({ [name]: bad[0] }),
        (error: unknown) =>
          error instanceof InvalidEnvironmentError &&
          error.message === `monitor: ${name}=${bad[2] ?? JSON.stringify(bad[0])}: ${bad[1]}`,
      );
    });
  }

  it('counts the pseudonym key in bytes (it counted characters, and refused this 32-byte key)', () => {
    assert.equal(readMonitorEnvironment({ RECO_PSEUDONYM_KEY: 'é'.repeat(16) }).pseudonymKey, 'é'.repeat(16));
  });

  it("refuses a RECO_* variable no process reads, and takes the proxy's own (its env file is shared)", () => {
    assert.throws(
      () => readMonitorEnvironment({ RECO_EVENTS_DEDUP_HOUR: '24' }),
      (error: Error) =>
        error.message === 'monitor: RECO_EVENTS_DEDUP_HOUR: no process reads it; did you mean RECO_EVENTS_DEDUP_HOURS?',
    );
    assert.deepEqual(readMonitorEnvironment({ RECO_ALLOW_RAW_USER_IDS: 'true', RECO_EVENTS_DEDUP_HOURS: '' }), {
      ...monitorDefaults,
    });
  });

  it('the CLI exits 2 with the variable named on stderr', async () => {
    const run = promisify(execFile);
    const result = await run(process.execPath, ['--import', 'tsx', 'model/monitor/main.ts'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', RECO_EVENTS_SEGMENT_SECONDS: '0' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'monitor: RECO_EVENTS_SEGMENT_SECONDS="0": must be at least 1\n');
  });
});
