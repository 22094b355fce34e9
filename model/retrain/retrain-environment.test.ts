/**
 * `npm run retrain` reads its environment through `environment/read-environment.ts` (it used to
 * parse its own zod object, whose errors named no variable, and to read RECO_SHOPPER_TOKEN_SECRET
 * from `process.env` by hand): each variable's bad value stops it, named, as a usage error.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { projectRoot } from '../../workshop/test-support/child.ts';
import { readRetrainEnvironment, retrainDefaults, retrainEnvironment } from './retrain-cli.ts';
import { retrainExitCodes } from './retrain-error.ts';

const key = 'retrain-environment-test-key-0123456789';

/**
 * Each variable the retrain reads, a value it refuses, why, and how the message shows the value (a
 * secret by its length alone); text variables take any non-empty text.
 */
const refused: Record<string, [string, string, string?] | 'any text'> = {
  RECO_PSEUDONYM_KEY: ['k'.repeat(31), 'must be at least 32 bytes', '(31 bytes, not shown)'],
  RECO_SHOPPER_TOKEN_SECRET: ['short', 'must be at least 32 bytes', '(5 bytes, not shown)'],
  RECO_EVENTS_DIR: 'any text',
  SAGEMAKER_PORT: ['0', 'must be at least 1'],
  RECO_MODEL_S3_URI: ['https://bucket/prefix', 'must be an s3://bucket/prefix URI'],
  RECO_MODEL_IMAGE: 'any text',
  RECO_SAGEMAKER_ROLE_ARN: ['role/reco', 'must be an IAM role ARN (arn:…)'],
  SAGEMAKER_ENDPOINT_NAME: 'any text',
  AWS_REGION: 'any text',
};

describe("the retrain's environment", () => {
  it('lists every variable of its table here', () => {
    assert.deepEqual(Object.keys(refused).sort(), Object.keys(retrainEnvironment).sort());
  });

  for (const [name, bad] of Object.entries(refused)) {
    if (bad === 'any text') continue;
    it(`stops on a bad ${name}, naming it, as a usage error`, () => {
      assert.throws(
        () => readRetrainEnvironment({ [name]: bad[0] }),
        (error: Error & { exitCode?: number }) =>
          error.message === `environment: ${name}=${bad[2] ?? JSON.stringify(bad[0])}: ${bad[1]}` &&
          error.exitCode === retrainExitCodes.usage,
      );
    });
  }

  it('counts the pseudonym key in bytes, as the proxy does', () => {
    assert.equal(readRetrainEnvironment({ RECO_PSEUDONYM_KEY: 'é'.repeat(16) }).pseudonymKey, 'é'.repeat(16));
  });

  it("refuses a RECO_* variable no process reads, and takes the proxy's own (its env file is shared)", () => {
    assert.throws(
      () => readRetrainEnvironment({ RECO_EVENT_DIR: '/var/lib/reco/events' }),
      (error: Error) =>
        error.message === 'environment: RECO_EVENT_DIR: no process reads it; did you mean RECO_EVENTS_DIR?',
    );
    const proxyFile = {
      RECO_ALLOWED_ORIGINS: 'https://shop.example',
      RECO_HOLDOUT_PERCENT: '10',
      RECO_PSEUDONYM_KEY: key,
    };
    assert.deepEqual(readRetrainEnvironment(proxyFile), { ...retrainDefaults, pseudonymKey: key });
  });

  it('the CLI ends with the usage exit code and the variable named on stderr', async () => {
    const run = promisify(execFile);
    const result = await run(process.execPath, ['--import', 'tsx', 'model/retrain/retrain-cli.ts'], {
      cwd: projectRoot,
      env: { PATH: process.env.PATH ?? '', RECO_PSEUDONYM_KEY: 'short' },
    }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(result.code, retrainExitCodes.usage);
    assert.equal(
      result.stderr,
      'retrain: environment: RECO_PSEUDONYM_KEY=(5 bytes, not shown): must be at least 32 bytes\n',
    );
  });
});
