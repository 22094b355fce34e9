import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { worldKey, writeRetrainWorld } from '../../workshop/test-support/retrain-world.ts';
import { openTestWindow } from './gate-window.ts';
import { type RetrainError, retrainExitCodes } from './retrain-error.ts';
import { queriesOf } from '../evaluation/evaluate-recommender.ts';
import { fitModel, optionalParamKeys } from '../training/candidates.ts';
import { readShippedConfig } from '../training/shipped-config.ts';
import { manifestParams, servingAtCutoff } from './serving-at-cutoff.ts';

const scratch = mkdtempSync(join(tmpdir(), 'serving-at-cutoff-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const w = writeRetrainWorld(join(scratch, 'world'));
const window = openTestWindow({
  historyDir: w.historyDir,
  eventFiles: [w.eventsFile],
  servingDir: w.servingDir,
  pseudonymKey: worldKey,
  rebaseHistory: true,
  windowDays: 14,
});
// A model whose recipe this project cannot re-fit (a foreign algorithm), with the world's parts.
const foreign = { ...window.serving, manifest: { ...window.serving.manifest, algorithm: 'someone-elses-gbdt' } };

test("a recipe the project knows is re-fitted on the candidate's data", () => {
  assert.equal(servingAtCutoff(window.serving, window.split, undefined).how, 're-fitted at the cut-off');
});

test("the re-fit keeps the recipe's optional parts: it answers as the shipped recipe fitted on the same data", () => {
  const shipped = readShippedConfig();
  const optional = optionalParamKeys.filter((key) => shipped.params[key] !== undefined);
  assert.ok(optional.length > 0, 'the shipped recipe has optional parts (else this test proves nothing)');
  const params = manifestParams(window.serving.manifest.params);
  for (const key of optional) assert.equal(params[key], shipped.params[key], key);
  const refitted = servingAtCutoff(window.serving, window.split, undefined).recommender;
  const recipe = fitModel(window.split.train, shipped.name, shipped.params);
  for (const { query } of queriesOf(window.split, 'all'))
    assert.deepEqual(refitted.recommend(query), recipe.recommend(query));
});

test('a foreign model is scored as is only when its retrain report shows its data ends before the window', () => {
  const before = servingAtCutoff(foreign, window.split, window.cutoff - 1);
  assert.equal(before.how, 'as is (its data ends before the window)');
  for (const learntUpTo of [undefined, window.cutoff, window.cutoff + 86_400_000])
    assert.throws(
      () => servingAtCutoff(foreign, window.split, learntUpTo),
      (error: RetrainError) => {
        assert.equal(error.exitCode, retrainExitCodes.servingNotComparable);
        assert.match(error.message, /algorithm "someone-elses-gbdt"\) cannot be re-fitted here/);
        return true;
      },
    );
});
