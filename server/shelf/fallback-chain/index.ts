/** Every fallback strategy by the name placement rules use. */
import type { ResolverName } from '../placement-rules.ts';
import { bestSellers } from './best-sellers.ts';
import { boughtTogether } from './bought-together.ts';
import { categoryBestSellers } from './category-best-sellers.ts';
import { lastModelAnswer } from './last-model-answer.ts';
import { newArrivals } from './new-arrivals.ts';
import { pinned } from './pinned.ts';
import type { Resolver } from './resolver.ts';

export type { Resolver, ResolverContext, ResolverResult } from './resolver.ts';

export const resolvers: Readonly<Record<ResolverName, Resolver>> = {
  'last-model-answer': lastModelAnswer,
  'bought-together': boughtTogether,
  'category-best-sellers': categoryBestSellers,
  'best-sellers': bestSellers,
  'new-arrivals': newArrivals,
  pinned,
};
