/**
 * The one interface behind which every fallback strategy sits: given the
 * request's context, return product ids, best first. Resolvers do not filter;
 * the shelf builder applies the placement's filters to whatever they return.
 */
import type { AnswerStore } from '../answer-cache.ts';
import type { CatalogIndex } from '../catalog-index.ts';
import type { PlacementRules, ResolverName } from '../placement-rules.ts';

/** What a resolver may look at. */
export interface ResolverContext {
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
export interface ResolverResult {
  ids: readonly string[];
  model?: { version: string; variant: string | null };
}

/** A fallback strategy. */
export interface Resolver {
  readonly name: ResolverName;
  resolve(context: ResolverContext): ResolverResult;
}

/** Round-robin merge, so every context item contributes its best ids first. */
export function interleave(lists: ReadonlyArray<readonly string[]>): string[] {
  const merged: string[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) for (const list of lists) if (i < list.length) merged.push(list[i]!);
  return merged;
}
