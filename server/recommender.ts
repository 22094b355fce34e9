/**
 * The proxy's promise in one place: a shelf within the placement's budget.
 * Fresh cache → answer. Otherwise call the model (identical concurrent calls
 * share one), race it against the budget, and on a late, failed or refused
 * call answer from the fallback chain at once, while a late call runs on to
 * the hard cap and warms the cache for the shopper's next view.
 */
import { randomUUID } from 'node:crypto';
import type { AnswerCache } from './answer-cache.ts';
import type { CatalogIndex, ShelfItem } from './catalog-index.ts';
import type { CircuitBreaker } from './circuit-breaker.ts';
import type { Metrics } from './metrics.ts';
import { rulesFor, type RuleBook } from './placement-rules.ts';
import type { RecommendationRequest } from './recommendation-request.ts';
import { resolvers, type ResolverContext } from './resolvers/index.ts';
import type { ModelAnswer, SageMakerEndpoint } from './sagemaker-endpoint.ts';
import { buildShelf, type ShelfSource } from './shelf-builder.ts';
import { classifyUpstreamError, type FallbackReason, type UpstreamFailure } from './upstream-errors.ts';

/** The 200 body of `/v1/recommendations` (DESIGN.md), plus the sources that filled the shelf. */
export interface RecommendationAnswer {
  requestId: string;
  placement: string;
  source: 'model' | 'cache' | 'fallback';
  fallbackReason: FallbackReason | null;
  model: { version: string; variant: string | null } | null;
  /** The sources that filled the shelf, in order: `model`, `cache` or resolver names. */
  resolvers: string[];
  items: ShelfItem[];
}

/** An answer and how long its parts took, for Server-Timing and logs. */
export interface TimedAnswer {
  answer: RecommendationAnswer;
  upstreamMs: number | null;
  totalMs: number;
  /** The finer failure label, when the model path failed. */
  failureLabel: string | null;
}

/** What the recommender stands on. */
export interface RecommenderDeps {
  catalog: CatalogIndex;
  rules: () => RuleBook;
  cache: AnswerCache;
  breaker: CircuitBreaker;
  endpoint: SageMakerEndpoint | undefined;
  assignVariant: (shopper: string | undefined) => string | undefined;
  recentlyBought: (userId: string | undefined, days: number) => ReadonlySet<string>;
  metrics: Metrics;
  hardCapMs: number;
}

/**
 * The race with the cloud ends this long before the budget: building and sending the
 * answer, and a busy event loop, must fit inside the budget too.
 */
export const answerMarginMs = 10;

class UpstreamCallError extends Error {
  constructor(readonly failure: UpstreamFailure) {
    super(`sagemaker: ${failure.label}`);
  }
}

type Outcome = { answer: ModelAnswer; upstreamMs: number } | { failure: UpstreamFailure; upstreamMs: number | null };

/** Builds the recommender; `recommend` never throws for a sick cloud. */
export function createRecommender(deps: RecommenderDeps) {
  const { catalog, cache, breaker, metrics } = deps;
  const inFlight = new Map<string, Promise<ModelAnswer>>();

  function callModel(
    shopper: string | undefined,
    cacheKey: string,
    request: RecommendationRequest,
    recentlyBought: ReadonlySet<string>,
    k: number,
    requestId: string,
  ): Promise<ModelAnswer> {
    const exclude = [...new Set([...request.items, ...recentlyBought])];
    const body = {
      ...(request.userId ? { userId: request.userId } : {}),
      items: request.items,
      k,
      exclude,
      placement: request.placement,
    };
    const targetVariant = deps.assignVariant(shopper);
    const callKey = JSON.stringify([cacheKey, body.k, targetVariant ?? '']);
    const shared = inFlight.get(callKey);
    if (shared) {
      metrics.coalesced.inc();
      return shared;
    }
    const signal = AbortSignal.timeout(deps.hardCapMs);
    const started = performance.now();
    const call = deps.endpoint!.invoke(body, { requestId, signal, ...(targetVariant ? { targetVariant } : {}) }).then(
      (answer) => {
        inFlight.delete(callKey);
        breaker.success();
        cache.set(shopper, cacheKey, answer);
        metrics.upstreamDuration.observe(
          { outcome: 'ok', variant: answer.variant ?? 'unknown' },
          (performance.now() - started) / 1000,
        );
        return answer;
      },
      (error: unknown) => {
        inFlight.delete(callKey);
        const failure = classifyUpstreamError(error, signal.aborted);
        breaker.failure();
        metrics.upstreamDuration.observe(
          { outcome: failure.label, variant: targetVariant ?? 'unknown' },
          (performance.now() - started) / 1000,
        );
        throw new UpstreamCallError(failure);
      },
    );
    inFlight.set(callKey, call);
    return call;
  }

  /** Waits for the call until the budget runs out; a late call keeps running. */
  function raceBudget(call: Promise<ModelAnswer>, remainingMs: number, started: number): Promise<Outcome> {
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => {
          resolve({ failure: { reason: 'timeout', label: 'budget' }, upstreamMs: null });
          call.then(
            () => metrics.lateAnswers.inc(),
            () => {},
          );
        },
        Math.max(0, remainingMs),
      );
      call.then(
        (answer) => {
          clearTimeout(timer);
          resolve({ answer, upstreamMs: performance.now() - started });
        },
        (error: unknown) => {
          clearTimeout(timer);
          resolve({
            failure: (error as UpstreamCallError).failure ?? { reason: 'error', label: 'unknown' },
            upstreamMs: performance.now() - started,
          });
        },
      );
    });
  }

  /** Answers `request`; `receivedAt` (a `performance.now()` time) is when the budget started. */
  async function recommend(
    request: RecommendationRequest,
    receivedAt: number = performance.now(),
    requestId: string = randomUUID(),
  ): Promise<TimedAnswer> {
    const started = receivedAt;
    const { rules, known } = rulesFor(deps.rules(), request.placement);
    if (!known) metrics.unknownPlacements.inc();
    const limit = request.limit ?? rules.limit;
    const shopper = request.userId ? `u:${request.userId}` : request.sessionId ? `s:${request.sessionId}` : undefined;
    const cacheKey = JSON.stringify([request.placement, shopper ?? '', request.items]);
    const recentlyBought = deps.recentlyBought(request.userId, rules.recentlyBoughtDays);
    const filterContext = { catalog, items: request.items, recentlyBought };
    const resolverContext: ResolverContext = {
      placement: rules,
      shopper,
      cacheKey,
      items: request.items,
      catalog,
      cache,
    };
    // The model behind a stale answer, remembered when its resolver runs, so it is looked up once.
    let staleModel: RecommendationAnswer['model'] = null;
    const chain = (withLastAnswer: boolean): ShelfSource[] =>
      rules.fallback
        .filter((name) => withLastAnswer || name !== 'last-model-answer')
        .map((name) => ({
          name,
          ids: () => {
            const result = resolvers[name].resolve(resolverContext);
            if (result.model) staleModel = result.model;
            return result.ids;
          },
        }));

    let source: RecommendationAnswer['source'];
    let model: RecommendationAnswer['model'] = null;
    let failure: UpstreamFailure | null = null;
    let upstreamMs: number | null = null;
    let primary: ShelfSource[];

    const fresh = cache.fresh(cacheKey);
    metrics.cacheLookups.inc({ result: fresh ? 'hit' : 'miss' });
    if (fresh) {
      source = 'cache';
      model = { version: fresh.modelVersion, variant: fresh.variant };
      primary = [{ name: 'cache', ids: () => fresh.ids }];
    } else {
      if (!deps.endpoint) failure = { reason: 'not-configured', label: 'no-endpoint' };
      else if (!breaker.allows()) failure = { reason: 'circuit-open', label: 'circuit-open' };
      else {
        const callStarted = performance.now();
        const call = callModel(
          shopper,
          cacheKey,
          request,
          recentlyBought,
          Math.min(100, Math.ceil(limit * rules.overfetch)),
          requestId,
        );
        const outcome = await raceBudget(call, rules.budgetMs - answerMarginMs - (callStarted - started), callStarted);
        upstreamMs = outcome.upstreamMs;
        if ('answer' in outcome) {
          model = { version: outcome.answer.modelVersion, variant: outcome.answer.variant };
          primary = [{ name: 'model', ids: () => outcome.answer.ids }];
        } else failure = outcome.failure;
      }
      source = failure ? 'fallback' : 'model';
      primary ??= [];
    }

    const shelf = buildShelf(rules, limit, [...primary, ...chain(failure !== null)], filterContext);
    if (failure && shelf.filledBy[0] === 'last-model-answer') {
      source = 'cache';
      model = staleModel;
    }
    const fallbackReason: FallbackReason | null = failure?.reason ?? (shelf.items.length < limit ? 'too-few' : null);
    const answer: RecommendationAnswer = {
      requestId,
      placement: request.placement,
      source,
      fallbackReason,
      model,
      resolvers: shelf.filledBy,
      items: shelf.items,
    };
    const totalMs = performance.now() - started;
    metrics.requests.inc({
      placement: known ? request.placement : 'unknown',
      source,
      reason: fallbackReason ?? 'none',
    });
    metrics.requestDuration.observe({ source }, totalMs / 1000);
    return { answer, upstreamMs, totalMs, failureLabel: failure?.label ?? null };
  }

  return { recommend };
}

/** The recommendation service. */
export type Recommender = ReturnType<typeof createRecommender>;
