/**
 * A placement's fallback chain for one request, as the shelf builder's sources, and the model behind a
 * stale answer, remembered when the last model answer's link runs so it is looked up once. Classes, not
 * closures: a request on the fallback path makes a chain and its links, and a method costs nothing to make.
 */
import type { ShelfSource } from '../shelf-builder.ts';
import type { FallbackName } from '../placement-rules.ts';
import type { FallbackContext } from './fallback.ts';
import { fallbacks } from './index.ts';

/** The model a stale answer came from (`RecommendationAnswer['model']`). */
export type StaleModel = { version: string; variant: string | null } | null;

/** One link of a request's chain: its fallback, asked only when the shelf builder needs it. */
class ChainLink implements ShelfSource {
  constructor(
    readonly name: FallbackName,
    private readonly chain: PlacementChain,
  ) {}

  ids(): readonly string[] {
    return this.chain.rank(this.name);
  }
}

/** The chain of `context.placement` over `context`. */
export class PlacementChain {
  #staleModel: StaleModel = null;

  constructor(private readonly context: FallbackContext) {}

  /** The chain's links in order; `withLastAnswer` false leaves the last model answer out (no call failed). */
  sources(withLastAnswer: boolean): ShelfSource[] {
    const links: ShelfSource[] = [];
    for (const name of this.context.placement.fallback)
      if (withLastAnswer || name !== 'last-model-answer') links.push(new ChainLink(name, this));
    return links;
  }

  /** `name`'s ranked ids over this request. */
  rank(name: FallbackName): readonly string[] {
    const result = fallbacks[name].rank(this.context);
    if (result.model) this.#staleModel = result.model;
    return result.ids;
  }

  /** The model behind the last model answer, once its link has given ids; null before or without. */
  staleModel(): StaleModel {
    return this.#staleModel;
  }
}
