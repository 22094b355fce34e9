import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { projectRoot } from '../../workshop/test-support/child.ts';
import { writeRetrainWorld } from '../../workshop/test-support/retrain-world.ts';
import { readArtifact } from '../container/artifact.ts';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'training-job-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const world = writeRetrainWorld(join(scratch, 'world'));

/** Lays out SageMaker's /opt/ml tree in a temp folder, as a training job sees it. */
function optMl(name: string, hyperparameters: Record<string, string>, csv: string): string {
  const ml = join(scratch, name);
  mkdirSync(join(ml, 'input', 'config'), { recursive: true });
  mkdirSync(join(ml, 'input', 'data', 'training'), { recursive: true });
  writeFileSync(join(ml, 'input', 'config', 'hyperparameters.json'), JSON.stringify(hyperparameters));
  writeFileSync(join(ml, 'input', 'data', 'training', 'purchases.csv'), csv);
  return ml;
}

/** `docker run IMAGE train`, the tree moved by environment; resolves with the exit code. */
async function train(ml: string): Promise<{ code: number; stderr: string }> {
  const env = {
    ...process.env,
    SM_INPUT_DIR: join(ml, 'input'),
    SM_MODEL_DIR: join(ml, 'model'),
    SM_OUTPUT_DIR: join(ml, 'output'),
  };
  try {
    const { stderr } = await run(process.execPath, ['--import', 'tsx', 'model/image-entry.ts', 'train'], {
      cwd: projectRoot,
      env,
    });
    return { code: 0, stderr };
  } catch (error) {
    return { code: (error as { code: number }).code, stderr: (error as { stderr: string }).stderr };
  }
}

const purchases = readFileSync(world.eventsFile, 'utf8');

test('a training job reads its channel and hyper-parameters and writes the artifact to the model folder', async () => {
  const ml = optMl(
    'ok',
    { algorithm: 'item-knn', params: JSON.stringify({ neighbours: 5, halfLifeDays: 'Infinity' }) },
    purchases,
  );
  const { code, stderr } = await train(ml);
  assert.equal(code, 0, stderr);
  const model = readArtifact(join(ml, 'model'));
  assert.equal(model.manifest.algorithm, 'item-knn');
  assert.equal(model.manifest.params.neighbours, 5);
  assert.equal(existsSync(join(ml, 'output', 'failure')), false);
});

test('a failing job exits 1 and leaves its reason in output/failure, for DescribeTrainingJob', async () => {
  const torn = optMl('torn', {}, `${purchases}Wx,12345,"CUT`);
  assert.equal((await train(torn)).code, 1);
  assert.match(readFileSync(join(torn, 'output', 'failure'), 'utf8'), /quoted field is never closed/);
  const unknown = optMl('unknown-param', { params: '{"depth":3}' }, purchases);
  assert.equal((await train(unknown)).code, 1);
  assert.match(readFileSync(join(unknown, 'output', 'failure'), 'utf8'), /unknown parameter "depth"/);
  const algorithm = optMl('bad-algorithm', { algorithm: 'ials' }, purchases);
  assert.equal((await train(algorithm)).code, 1);
  assert.match(readFileSync(join(algorithm, 'output', 'failure'), 'utf8'), /^hyperparameters: /);
  assert.equal(existsSync(join(algorithm, 'model', 'manifest.json')), false);
});
