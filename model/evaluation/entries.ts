/**
 * The rows of the test table: every baseline at its per-view setting, the shipped model at its
 * one setting, and the ablation of the blend (each variant the shipped blend minus one part).
 */
import { type ModelName, type ModelSpec, withoutReranker } from '../training/candidates.ts';
import type { View } from './evaluate-recommender.ts';
import type { Entry } from './rolling-evaluation.ts';
import { tuningViewOf } from './rolling-evaluation.ts';
import { type TuningResult, tunedModels } from './tune.ts';

/** Views where a model has something of its own to say (buy-again: none in `new`, popularity when cold). */
export function viewsOf(name: ModelName): (view: View) => boolean {
  return name === 'buy-again' ? (view) => view === 'all' || view === 'served' : () => true;
}

/**
 * The blend's parts, each taken away in turn (nothing re-tuned): the propensity, the recency decay,
 * the square roots of the repeat part, the whole repeat part (EASE at the blend's λ), the EASE part
 * (the repeat part alone, popularity filling).
 */
export function ablationEntries(shipped: ModelSpec): Entry[] {
  // With a re-ranker, the variants change the blend alone and are compared with it (re-training the
  // re-ranker for each would cost a re-ranker fit per variant and cut-off); its own row is the re-ranker's worth.
  const reranked = Boolean(shipped.params.rerankCandidates);
  const blend: ModelSpec = { ...shipped, params: withoutReranker(shipped.params) };
  const alone = 'blend − re-ranker';
  const variant = (name: string, params: Partial<ModelSpec['params']>): Entry => ({
    name,
    ablation: true,
    ...(reranked && name !== alone ? { versus: alone } : {}),
    specIn: (view) =>
      view === 'all' || view === 'new' || view === 'served'
        ? { name: 'ease+buy-again', params: { ...blend.params, ...params } }
        : undefined,
  });
  return [
    ...(reranked ? [variant(alone, {})] : []),
    ...(blend.params.cycle ? [variant('blend − repurchase cycle', { cycle: 0 })] : []),
    ...(blend.params.trend ? [variant('blend − trend prior', { trend: 0 })] : []),
    ...(blend.params.knnMix ? [variant('blend − item-kNN mix', { knnMix: 0 })] : []),
    ...(blend.params.repeatShift ? [variant('blend − per-customer weight', { repeatShift: 0 })] : []),
    ...(blend.params.neighbourWeight ? [variant('blend − nearest customers', { neighbourWeight: 0 })] : []),
    variant('blend − propensity', { blendPropensity: 0 }),
    variant('blend − recency decay', { blendHalfLifeDays: Infinity }),
    variant('blend − square roots', { blendRoots: 0 }),
    variant('blend − repeat part', { repeatWeight: 0, repeatShift: 0, neighbourWeight: 0 }),
    variant('blend − EASE part', { repeatWeight: 1, repeatShift: 0 }),
  ];
}

/** Baselines per view, the shipped model at its one setting. */
export function evaluationEntries(
  tuned: Pick<TuningResult, 'byView' | 'shipped' | 'shippedSpec' | 'blendSpec'>,
): Entry[] {
  return tunedModels.map((name) => {
    const shown = viewsOf(name);
    const specIn = (view: View): ModelSpec | undefined => {
      if (!shown(view)) return undefined;
      if (name === tuned.shipped) return tuned.shippedSpec;
      return name === 'ease+buy-again' ? tuned.blendSpec : tuned.byView[tuningViewOf(view)][name];
    };
    return { name, specIn };
  });
}
