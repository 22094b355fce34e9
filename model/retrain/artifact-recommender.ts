/**
 * The artifact now serving, asked the evaluation's questions. The artifact numbers items and
 * customers its own way; the split numbers them by the candidate's training data. This adapter
 * translates both ways by id, so the two models are scored on exactly the same customers and
 * ground truth.
 */
import type { LoadedModel } from '../container/artifact.ts';
import type { Interactions } from '../recommenders/interactions.ts';
import { servedRecommender } from '../container/served-model.ts';
import type { Query, Recommender } from '../recommenders/types.ts';

/**
 * A recommender in `train`'s numbering that answers with `model`. An item the split's training
 * data never sold cannot be relevant in the test period (the split counts those lines apart),
 * so it comes back as a distinct negative number: a miss that still takes its place in the list.
 */
export function artifactRecommender(model: LoadedModel, train: Interactions, name: string): Recommender {
  const inner = servedRecommender(model.parts);
  const toModel = (items: Iterable<number>): number[] => {
    const out: number[] = [];
    for (const item of items) {
      const index = model.itemIndex.get(train.itemIds[item]!);
      if (index !== undefined) out.push(index);
    }
    return out;
  };
  return {
    name,
    recommend(query: Query) {
      const user = query.user === undefined ? undefined : model.userIndex.get(train.userIds[query.user]!);
      const context = query.context ? toModel(query.context) : [];
      const exclude = query.exclude ? new Set(toModel(query.exclude)) : undefined;
      const asked: Query = {
        k: query.k,
        ...(user === undefined ? {} : { user }),
        ...(context.length > 0 ? { context } : {}),
        ...(exclude ? { exclude } : {}),
      };
      return inner.recommend(asked).map(({ item, score }) => ({
        item: train.itemIndex.get(model.manifest.itemIds[item]!) ?? -1 - item,
        score,
      }));
    },
  };
}
