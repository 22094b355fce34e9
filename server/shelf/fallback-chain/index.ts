/** Every fallback by the name placement rules use; a placement's `fallback` list orders them into its chain. */
import type { FallbackName } from '../placement-rules.ts';
import { bestSellers } from './best-sellers.ts';
import { boughtTogether } from './bought-together.ts';
import { categoryBestSellers } from './category-best-sellers.ts';
import { lastModelAnswer } from './last-model-answer.ts';
import { newArrivals } from './new-arrivals.ts';
import { pinned } from './pinned.ts';
import type { Fallback } from './fallback.ts';

export type { Fallback, FallbackContext, FallbackResult } from './fallback.ts';

export const fallbacks: Readonly<Record<FallbackName, Fallback>> = {
  'last-model-answer': lastModelAnswer,
  'bought-together': boughtTogether,
  'category-best-sellers': categoryBestSellers,
  'best-sellers': bestSellers,
  'new-arrivals': newArrivals,
  pinned,
};
