/**
 * `npm run train` and the SageMaker training job read their environment through
 * `environment/read-environment.ts`: `train.ts` used to pass `process.env.RECO_PSEUDONYM_KEY` on
 * unchecked, `training-job.ts` parsed its own zod object. A bad value stops them, named.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { InvalidEnvironmentError, readEnvironment } from '../../environment/read-environment.ts';
import { projectRoot } from '../../workshop/test-support/child.ts';
import { trainDefaults, trainEnvironment } from './train.ts';
import { trainingJobDefaults, trainingJobEnvironment } from './training-job.ts';

describe("npm run train's environment", () => {
  it('stops on a RECO_PSEUDONYM_KEY under 32 bytes, naming it', () => {
    assert.deepEqual(Object.keys(trainEnvironment), ['RECO_PSEUDONYM_KEY']);
    assert.throws(
      () => readEnvironment('train', trainDefaults, trainEnvironment, { RECO_PSEUDONYM_KEY: 'k'.repeat(31) }),
      (error: unknown) =>
        error instanceof InvalidEnvironmentError &&
        error.message === 'train: RECO_PSEUDONYM_KEY=(31 bytes, not shown): must be at least 32 bytes',
    );
  });

  it('the CLI exits 1 with the variable named on stderr, before any training', async () => {
    const run = promisify(execFile);
    const result = await run(
      process.execPath,
      ['--import', 'tsx', 'model/training/train.ts', '--out', '/nonexistent'],
      {
        cwd: projectRoot,
        env: { PATH: process.env.PATH ?? '', RECO_PSEUDONYM_KEY: 'short' },
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'train: RECO_PSEUDONYM_KEY=(5 bytes, not shown): must be at least 32 bytes\n');
  });
});

describe("the training job's environment", () => {
  it("moves SageMaker's tree by SM_* paths; an empty one is unset, as everywhere", () => {
    assert.deepEqual(Object.keys(trainingJobEnvironment).sort(), [
      'SM_CHANNEL_TRAINING',
      'SM_INPUT_DIR',
      'SM_MODEL_DIR',
      'SM_OUTPUT_DIR',
    ]);
    const env = { SM_INPUT_DIR: '/tmp/in', SM_MODEL_DIR: '', SM_HPS: '{}', SM_CURRENT_HOST: 'algo-1' };
    assert.deepEqual(readEnvironment('train', trainingJobDefaults, trainingJobEnvironment, env), {
      ...trainingJobDefaults,
      inputDir: '/tmp/in',
    });
  });
});
