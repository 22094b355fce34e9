/**
 * The serving model, made comparable with a candidate fitted before the cut-off. The artifact now
 * serving learnt from everything up to its own retrain, which may reach into the test window: scored
 * as is, it would be graded on purchases it has seen (and its buy-again part would find them), and
 * every candidate would look worse than it. So its configuration (algorithm and parameters, from its
 * manifest) is re-fitted on the candidate's training data; only a model we cannot re-fit is scored
 * as is, and only when its data provably ends before the window (its retrain report says so).
 */
import type { LoadedModel } from '../container/artifact.ts';
import type { TemporalSplit } from '../evaluation/split.ts';
import type { Recommender } from '../recommenders/types.ts';
import { fitModel, type ModelParams, shippableModels } from '../training/candidates.ts';
import { reviveParams } from '../training/shipped-config.ts';
import { artifactRecommender } from './artifact-recommender.ts';
import { RetrainError } from './retrain-error.ts';

/** The serving model as the gate scores it, and how it was made comparable (for the report). */
export interface ServingAtCutoff {
  recommender: Recommender;
  how: 're-fitted at the cut-off' | 'as is (its data ends before the window)';
  algorithm: string;
}

/**
 * A manifest's parameters as the models take them (`"Infinity"` revived, the blend's optional parts
 * kept, missing required ones the defaults): the serving recipe re-fitted whole, not without its new parts.
 */
export function manifestParams(raw: Record<string, unknown>): ModelParams {
  return reviveParams(raw);
}

/**
 * The serving model for the gate, named `serving`. `learntUpTo` is the newest event its retrain
 * learnt from (undefined when no retrain report sits beside it).
 */
export function servingAtCutoff(
  serving: LoadedModel,
  split: TemporalSplit,
  learntUpTo: number | undefined,
): ServingAtCutoff {
  const { algorithm } = serving.manifest;
  if ((shippableModels as readonly string[]).includes(algorithm)) {
    const model = fitModel(split.train, algorithm, manifestParams(serving.manifest.params));
    return {
      recommender: { name: 'serving', recommend: (q) => model.recommend(q) },
      how: 're-fitted at the cut-off',
      algorithm,
    };
  }
  if (learntUpTo !== undefined && learntUpTo < split.cutoff)
    return {
      recommender: artifactRecommender(serving, split.train, 'serving'),
      how: 'as is (its data ends before the window)',
      algorithm,
    };
  throw new RetrainError(
    'servingNotComparable',
    `the serving model (${serving.manifest.modelVersion}, algorithm "${algorithm}") cannot be re-fitted here and ` +
      `its data may reach into the test window from ${new Date(split.cutoff).toISOString()}: scored as is it would ` +
      'be graded on purchases it learnt from, so no fair verdict is possible',
  );
}
