/**
 * The one interface behind which every link of the fallback chain sits: given the
 * request's context, return product ids, best first. Fallbacks do not filter;
 * the shelf builder applies the placement's filters to whatever they return.
 */
import type { AnswerStore } from '../answer-cache.ts';
import type { CatalogIndex } from '../catalog-index.ts';
import type { FallbackName, PlacementRules } from '../placement-rules.ts';

/** What a fallback may look at. */
export interface FallbackContext {
  placement: PlacementRules;
  /** `u:<userId>` or `s:<sessionId>`; undefined for a shopper with neither. */
  shopper: string | undefined;
  /** The answer cache key of this shopper, placement and context. */
  cacheKey: string;
  /** Context item ids (the product viewed, the cart). */
  items: readonly string[];
  catalog: CatalogIndex;
  cache: AnswerStore;
}

/** Ranked ids, and the model that produced them when they come from one. */
export interface FallbackResult {
  ids: readonly string[];
  model?: { version: string; variant: string | null };
}

/** One link of the fallback chain. */
export interface Fallback {
  readonly name: FallbackName;
  rank(context: FallbackContext): FallbackResult;
}

/** Round-robin merge, so every context item contributes its best ids first. */
export function interleave(lists: ReadonlyArray<readonly string[]>): string[] {
  const merged: string[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) for (const list of lists) if (i < list.length) merged.push(list[i]!);
  return merged;
}
