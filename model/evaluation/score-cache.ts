/**
 * Per-target scores of a model on a split, cached on disk by (split, model spec, view), so a
 * re-run of `npm run evaluate` fits and scores only what changed (a new model, a new grid point).
 * The key holds every parameter and `scoringVersion`; bump it when a model's code changes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Recommender } from '../recommenders/types.ts';
import { jsonReplacer } from '../training/shipped-config.ts';
import { type Evaluation, type EvaluationRow, evaluateRecommender, type View } from './evaluate-recommender.ts';
import type { TemporalSplit } from './split.ts';

/** Bumped whenever a recommender's or a view's code changes what it scores. */
export const scoringVersion = 1;

interface CacheFile {
  key: string;
  views: Partial<Record<View, { row: EvaluationRow; ndcgPerTarget: number[] }>>;
}

const day = (t: number) => new Date(t).toISOString().slice(0, 10);

/**
 * Scores of the model described by `spec` on `split` in `wanted` views: from the cache in `dir`
 * when present (no fit), else `fit()` once and score. `dir` undefined: no cache.
 */
export function cachedEvaluations(
  dir: string | undefined,
  split: TemporalSplit,
  spec: unknown,
  wanted: readonly View[],
  fit: () => Recommender,
): { evaluations: Map<View, Evaluation>; fitted: boolean } {
  const key = JSON.stringify({ scoringVersion, spec }, jsonReplacer);
  const folder = dir && join(dir, `${day(split.cutoff)}_${day(split.end)}`);
  const path = folder && join(folder, `${createHash('sha256').update(key).digest('hex').slice(0, 24)}.json`);
  const file: CacheFile = path && existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : { key, views: {} };
  if (file.key !== key) file.views = {}; // a hash collision: start over
  const evaluations = new Map<View, Evaluation>();
  const missing = wanted.filter((view) => !file.views[view]);
  let fitted = false;
  if (missing.length > 0) {
    const model = fit();
    fitted = true;
    for (const view of missing) {
      const { row, ndcgPerTarget } = evaluateRecommender(model, split, view);
      file.views[view] = { row, ndcgPerTarget: [...ndcgPerTarget] };
    }
    if (folder && path) {
      mkdirSync(folder, { recursive: true });
      writeFileSync(path, JSON.stringify(file, jsonReplacer));
    }
  }
  for (const view of wanted) {
    const cached = file.views[view]!;
    evaluations.set(view, { row: cached.row, ndcgPerTarget: Float64Array.from(cached.ndcgPerTarget) });
  }
  return { evaluations, fitted };
}
