/**
 * The baseline is written where training writes the artifact, by the image itself (a SageMaker
 * training job's `train`), in Model Monitor's file shapes, and describes the model it sits beside.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { projectRoot } from '../../workshop/test-support/child.ts';
import { writeRetrainWorld } from '../../workshop/test-support/retrain-world.ts';
import { readArtifact } from '../container/artifact.ts';
import { features } from './baseline.ts';

const scratch = mkdtempSync(join(tmpdir(), 'baseline-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("a training job writes Model Monitor's baseline beside the artifact", async () => {
  const world = writeRetrainWorld(join(scratch, 'world'));
  const ml = join(scratch, 'ml');
  mkdirSync(join(ml, 'input', 'data', 'training'), { recursive: true });
  mkdirSync(join(ml, 'input', 'config'), { recursive: true });
  writeFileSync(join(ml, 'input', 'config', 'hyperparameters.json'), '{}');
  writeFileSync(join(ml, 'input', 'data', 'training', 'purchases.csv'), readFileSync(world.eventsFile));
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'model/image-entry.ts', 'train'], {
    cwd: projectRoot,
    env: {
      ...process.env,
      SM_INPUT_DIR: join(ml, 'input'),
      SM_MODEL_DIR: join(ml, 'model'),
      SM_OUTPUT_DIR: join(ml, 'output'),
    },
  });
  const model = readArtifact(join(ml, 'model'));
  const read = (name: string) => JSON.parse(readFileSync(join(ml, 'model', 'baseline', name), 'utf8'));
  const statistics = read('statistics.json');
  assert.equal(statistics.model_version, model.manifest.modelVersion);
  assert.equal(statistics.dataset.item_count, 2000);
  assert.deepEqual(
    statistics.features.map((f: { name: string }) => f.name),
    features.map((f) => f.name),
  );
  for (const f of statistics.features) {
    const stats = f.numerical_statistics ?? f.string_statistics;
    assert.equal(stats.common.num_present + stats.common.num_missing, 2000, f.name);
    if (f.numerical_statistics) assert.ok(f.numerical_statistics.distribution.kll.buckets.length > 0, f.name);
  }
  const constraints = read('constraints.json');
  assert.deepEqual(
    constraints.features.map((f: { name: string }) => f.name),
    features.filter((f) => f.compared).map((f) => f.name),
  );
  const domain = constraints.features.find((f: { name: string }) => f.name === 'input.context_item');
  assert.deepEqual(domain.string_constraints.domains, model.manifest.itemIds);
  assert.equal(constraints.monitoring_config.distribution_constraints.comparison_threshold, 0.1);
  // Every item the model knows has its popularity bin; the most bought is in the first.
  const bins = read('popularity-bins.json');
  assert.equal(Object.keys(bins.binOf).length, model.manifest.itemCount);
  assert.equal(bins.binOf[model.manifest.itemIds[0]!], 0);
  // The model answered full shelves at training time.
  const fill = statistics.features.find((f: { name: string }) => f.name === 'output.fill_ratio');
  assert.equal(fill.numerical_statistics.mean, 1);
  const quality = read('model-quality-constraints.json');
  assert.deepEqual(quality.popularity_shelf, model.manifest.itemIds.slice(0, 24));
});
