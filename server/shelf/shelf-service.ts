/**
 * The proxy's promise in one place: a shelf within the placement's budget.
 * Fresh cache → answer. Otherwise call the model (identical concurrent calls
 * share one), race it against the budget, and on a late, failed or refused
 * call answer from the fallback chain at once, while a late call runs on to
 * the hard cap and warms the cache for the shopper's next view.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { AnswerStore } from './answer-cache.ts';
import type { Bulkhead } from './bulkhead.ts';
import type { CatalogIndex, ShelfItem } from './catalog-index.ts';
import type { Breaker } from './circuit-breaker.ts';
import { boundChildren, type Metrics } from '../operations/metrics.ts';
import { rulesFor, type RuleBook } from './placement-rules.ts';
import type { RecommendationRequest } from './recommendation-request.ts';
import { shopperKey } from '../shoppers/holdout.ts';
import { PlacementChain } from './fallback-chain/placement-chain.ts';
import { BatchRefusedError, type ModelAnswer, type SageMakerEndpoint } from './sagemaker-endpoint.ts';
import type { Shelf, ShelfSource } from './shelf-builder.ts';
import { invocationLimits } from '../../contracts/invocation.ts';
import type { FallbackReason, ShelfSourceName } from '../../contracts/shelf-answer.ts';
import type { UpstreamFailure } from './upstream-errors.ts';
import { createModelCalls, fallbackBuildSlackMs, type Outcome, UpstreamCallError } from './model-calls.ts';

/** The 200 body of `/v1/recommendations` (docs/contracts.md "Widget → proxy"). */
export interface RecommendationAnswer {
  requestId: string;
  placement: string;
  source: ShelfSourceName;
  fallbackReason: FallbackReason | null;
  model: { version: string; variant: string | null } | null;
  /** The sources that filled the shelf, in order: `model`, `cache` or fallback names (an older, public field name). */
  resolvers: string[];
  items: ShelfItem[];
  /** Problems the storefront developer should fix (e.g. `unknown-placement`); absent when there are none. */
  warnings?: Array<{ code: string; message: string }>;
}

/** An answer and how long its parts took, for Server-Timing and logs. */
export interface TimedAnswer {
  answer: RecommendationAnswer;
  upstreamMs: number | null;
  totalMs: number;
  /** The finer failure label, when the model path failed. */
  failureLabel: string | null;
  /** How late the budget timer fired (ms), when it ended the race: the machine's share of `totalMs`. */
  timerLateMs: number | null;
  /** The shelf before the merchandiser's rules (the admin's preview); never sent to a shopper. */
  beforeRules: ShelfItem[];
}

/** The answer to `POST /v1/shelves`: each shelf as `recommend` answers it, in the request's order. */
export interface TimedShelves {
  shelves: TimedAnswer[];
  /** The one model call's round trip (or the longest per-shelf call's), when one was made. */
  upstreamMs: number | null;
  totalMs: number;
  timerLateMs: number | null;
  /** How the model was asked: one batch call, per-shelf calls (the endpoint refused the batch body), or not. */
  call: 'batch' | 'per-shelf' | 'none';
}

/** What the shelf service stands on. */
export interface ShelfServiceDeps {
  catalog: CatalogIndex;
  rules: () => RuleBook;
  /** This process's answer cache, or the fleet's (shared-answer-cache.ts). */
  cache: AnswerStore;
  /** This process's breaker, or the fleet's (shared-breaker.ts). */
  breaker: Breaker;
  /** Caps the upstream calls in flight; a full one answers `overloaded`. */
  bulkhead: Bulkhead;
  endpoint: SageMakerEndpoint | undefined;
  assignVariant: (shopper: string | undefined) => string | undefined;
  /** True for a shopper in the control arm (`RECO_HOLDOUT_PERCENT`): rules only, no model call. */
  inHoldout?: (shopper: string | undefined) => boolean;
  /**
   * Items the customer bought within `days` days, most recent first: at once from this process,
   * or a promise when the fleet's index is asked (shared-recently-bought.ts; never rejects).
   */
  recentlyBought: (userId: string | undefined, days: number) => ReadonlySet<string> | Promise<ReadonlySet<string>>;
  metrics: Metrics;
  hardCapMs: number;
  /** Turns a customer id into what may leave the premises (`contracts/pseudonym.ts`). */
  pseudonym: (customerId: string) => string;
  /** How late this process now runs its timers (ms); the race ends that much earlier. */
  eventLoopDelayMs?: () => number;
  /** Where configuration errors (a wrong endpoint name, bad credentials) are logged, once a minute. */
  logger?: Logger;
  /** Told of the production variant behind each model answer (`InvokedProductionVariant`). */
  variantSeen?: (variant: string) => void;
  /** The clock the merchandising's time windows are judged by (ms since the epoch); default `Date.now`. */
  now?: () => number;
}

/**
 * The race with the cloud ends at least this long before the budget: serialising and
 * sending the answer must fit inside the budget too.
 */
export const answerMarginMs = 10;

/**
 * The race ends earlier still by the event loop's recent delay (its p99 over the last
 * second), so a timer that fires late on a busy machine still fires inside the budget;
 * at most this share of the budget is given up that way.
 */
export const maxDelayShareOfBudget = 0.25;

function unknownPlacementWarning(placement: string): { code: string; message: string } {
  return {
    code: 'unknown-placement',
    message: `placement "${placement}" is not in the placement rules; the defaults were used`,
  };
}

/** Builds the shelf service; `recommend` never throws for a sick cloud. */
export function createShelfService(deps: ShelfServiceDeps) {
  const { catalog, cache, breaker, bulkhead, metrics } = deps;
  const calls = createModelCalls(deps);
  const { timedBuild, callModel, callModelBatch, raceBudget } = calls;
  const requestsBy = boundChildren((...values) => metrics.requests.labels(...values));
  const requestDurationBy = boundChildren((...values) => metrics.requestDuration.labels(...values));
  const cacheLookupsBy = boundChildren((...values) => metrics.cacheLookups.labels(...values));
  /**
   * Answers `request`; `receivedAt` (a `performance.now()` time) is when the budget started. `armShopper`
   * is the shopper key the arm is decided by when the request no longer carries it (a session id the
   * fresh-session bound dropped: answered as anonymous, but its events still name the session's arm).
   */
  async function recommend(
    request: RecommendationRequest,
    receivedAt: number = performance.now(),
    requestId: string = randomUUID(),
    armShopper?: string,
    /** The instant the merchandising is judged at (the admin's preview of a later day); default now. */
    at?: number,
  ): Promise<TimedAnswer> {
    const started = receivedAt;
    const { rules, known } = rulesFor(deps.rules(), request.placement);
    if (!known) metrics.unknownPlacements.inc();
    const limit = request.limit ?? rules.limit;
    const shopper = shopperKey(request.userId, request.sessionId);
    const cacheKey = JSON.stringify([request.placement, shopper ?? '', request.items]);
    // The operator's kill switch: the rules answer alone, neither the cloud nor its cached answers.
    // A holdout shopper, likewise: no model call, no model answer from the cache.
    const holdout = deps.inHoldout?.(shopper ?? armShopper) ?? false;
    const modelOn = rules.model && !holdout;
    // A shared cache brings in what other instances stored (bounded; nothing to wait for in process).
    // It and the fleet's purchases are asked for in the same tick: one round trip to wait for, not two.
    const loading = modelOn ? cache.load?.(shopper, cacheKey) : undefined;
    const bought = deps.recentlyBought(request.userId, rules.recentlyBoughtDays);
    const recentlyBought = bought instanceof Set ? bought : await bought;
    if (loading) await loading;
    const now = at ?? deps.now?.() ?? Date.now();
    const filterContext = { catalog, items: request.items, recentlyBought, now };
    const fallback = new PlacementChain({
      placement: rules,
      shopper,
      cacheKey,
      items: request.items,
      catalog,
      cache,
    });

    let source: RecommendationAnswer['source'];
    let model: RecommendationAnswer['model'] = null;
    let failure: UpstreamFailure | null = null;
    let upstreamMs: number | null = null;
    let timerLateMs: number | null = null;
    let primary: ShelfSource[];
    let shelf: Shelf | undefined;

    const fresh = modelOn ? cache.fresh(cacheKey) : undefined;
    if (modelOn) cacheLookupsBy(fresh ? 'hit' : 'miss').inc();
    if (fresh) {
      source = 'cache';
      model = { version: fresh.modelVersion, variant: fresh.variant };
      primary = [{ name: 'cache', ids: () => fresh.ids }];
    } else {
      // Where every refusal to call is decided: no endpoint, switched off, bulkhead full, breaker open.
      let allowed: boolean | Promise<boolean> = false;
      if (holdout) failure = { reason: 'holdout', label: 'holdout' };
      else if (!deps.endpoint) failure = { reason: 'not-configured', label: 'no-endpoint' };
      else if (!modelOn) failure = { reason: 'disabled', label: 'disabled' };
      else if (bulkhead.inFlight >= bulkhead.limit) failure = { reason: 'overloaded', label: 'bulkhead-full' };
      else allowed = breaker.allows();
      // A sync answer skips the await: `true` (closed), so the bulkhead check and the call stay atomic; `false`
      // (open), so a fallback answer takes no turn of the microtask queue for it.
      if (!failure && allowed !== true && (allowed === false || !(await allowed)))
        failure = { reason: 'circuit-open', label: 'circuit-open' };
      const margin = answerMarginMs + Math.min(deps.eventLoopDelayMs?.() ?? 0, rules.budgetMs * maxDelayShareOfBudget);
      const deadline = started + rules.budgetMs - margin;
      const callStarted = performance.now();
      const call = failure
        ? undefined
        : callModel(
            shopper,
            cacheKey,
            request,
            recentlyBought,
            Math.min(invocationLimits.maxK, Math.ceil(limit * rules.overfetch)),
            requestId,
            deadline,
          );
      if (!failure && !call) {
        failure = { reason: 'overloaded', label: 'bulkhead-full' };
        // A probe the breaker granted but the bulkhead refused never went out: released, not judged.
        if (breaker.state === 'half-open') breaker.release();
      }
      if (call) {
        // The rules' shelf is built only if the race may end without the model: just before the
        // deadline (so a budget that runs out leaves nothing but sending to do), or below, once
        // the call has failed. A call that answers in time (nearly every one) never pays for it.
        let rulesShelf: Shelf | undefined;
        const prepareRulesShelf = (): void => {
          rulesShelf ??= timedBuild(rules, limit, fallback.sources(true), filterContext);
        };
        const outcome = await raceBudget(call, deadline, callStarted, prepareRulesShelf);
        upstreamMs = outcome.upstreamMs;
        if ('answer' in outcome) {
          model = { version: outcome.answer.modelVersion, variant: outcome.answer.variant };
          primary = [{ name: 'model', ids: () => outcome.answer.ids }];
        } else {
          failure = outcome.failure;
          timerLateMs = outcome.timerLateMs ?? null;
          shelf = rulesShelf;
        }
      }
      source = failure ? 'fallback' : 'model';
      primary ??= [];
    }

    // Every build's time sets how early the next lazy one is armed: a model answer's shelf
    // walks the same catalog and filters as the rules' one.
    shelf ??= timedBuild(rules, limit, [...primary, ...fallback.sources(failure !== null && modelOn)], filterContext);
    if (failure && shelf.filledBy[0] === 'last-model-answer') {
      source = 'cache';
      model = fallback.staleModel();
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
      ...(known ? {} : { warnings: [unknownPlacementWarning(request.placement)] }),
    };
    const totalMs = performance.now() - started;
    requestsBy(known ? request.placement : 'unknown', source, fallbackReason ?? 'none').inc();
    requestDurationBy(source).observe(totalMs / 1000);
    return {
      answer,
      upstreamMs,
      totalMs,
      timerLateMs,
      failureLabel: failure?.label ?? null,
      beforeRules: shelf.beforeRules,
    };
  }

  /**
   * Answers several shelves of one page for one shopper (`POST /v1/shelves`). Each shelf keeps its
   * placement's rules (fallback chain, filters, limit, reason); the shopper's arm and purchases are read
   * once; one `InvokeEndpoint` (the batch body) serves every shelf whose placement has the model on and
   * no fresh cached answer; every shelf is answered by the tightest budget among them, a shelf whose
   * model part is late or failed from its own fallback chain. With `distinct`, the shelves are built
   * in order and a later shelf skips what an earlier one shows, refilling from its remaining candidates.
   */
  async function recommendShelves(
    requests: RecommendationRequest[],
    options: { receivedAt?: number; distinct?: boolean; armShopper?: string } = {},
  ): Promise<TimedShelves> {
    const started = options.receivedAt ?? performance.now();
    const distinct = options.distinct ?? true;
    const { userId, sessionId } = requests[0]!;
    const shopper = shopperKey(userId, sessionId);
    const holdout = deps.inHoldout?.(shopper ?? options.armShopper) ?? false;
    const book = deps.rules();
    const parts = requests.map((request) => {
      const { rules, known } = rulesFor(book, request.placement);
      if (!known) metrics.unknownPlacements.inc();
      const limit = request.limit ?? rules.limit;
      const cacheKey = JSON.stringify([request.placement, shopper ?? '', request.items]);
      return { request, rules, known, limit, cacheKey, modelOn: rules.model && !holdout };
    });
    // The shared cache's entries and the purchases in one tick; one read of purchases per window of days.
    const loading = parts.map((p) => (p.modelOn ? cache.load?.(shopper, p.cacheKey) : undefined));
    const boughtBy = new Map<number, ReadonlySet<string> | Promise<ReadonlySet<string>>>();
    for (const { rules } of parts)
      if (!boughtBy.has(rules.recentlyBoughtDays))
        boughtBy.set(rules.recentlyBoughtDays, deps.recentlyBought(userId, rules.recentlyBoughtDays));
    const bought = new Map<number, ReadonlySet<string>>();
    for (const [days, set] of boughtBy) bought.set(days, set instanceof Set ? set : await set);
    for (const load of loading) if (load) await load;

    const margin =
      answerMarginMs +
      Math.min(deps.eventLoopDelayMs?.() ?? 0, Math.min(...parts.map((p) => p.rules.budgetMs)) * maxDelayShareOfBudget);
    const deadline = started + Math.min(...parts.map((p) => p.rules.budgetMs)) - margin;
    const shelves = parts.map((p) => {
      const fresh = p.modelOn ? cache.fresh(p.cacheKey) : undefined;
      if (p.modelOn) cacheLookupsBy(fresh ? 'hit' : 'miss').inc();
      return {
        ...p,
        requestId: randomUUID(),
        recentlyBought: bought.get(p.rules.recentlyBoughtDays)!,
        fresh,
        outcome: undefined as Outcome | undefined,
        failure: null as UpstreamFailure | null,
      };
    });
    const asked = shelves.filter((s) => s.modelOn && !s.fresh);
    let allowed: boolean | Promise<boolean> = false;
    let refusal: UpstreamFailure | null = null;
    if (!deps.endpoint) refusal = { reason: 'not-configured', label: 'no-endpoint' };
    else if (asked.length > 0 && bulkhead.inFlight >= bulkhead.limit)
      refusal = { reason: 'overloaded', label: 'bulkhead-full' };
    else if (asked.length > 0) allowed = breaker.allows();
    if (!refusal && asked.length > 0 && allowed !== true && !(await allowed))
      refusal = { reason: 'circuit-open', label: 'circuit-open' };
    for (const s of shelves) {
      if (s.fresh) continue;
      if (holdout) s.failure = { reason: 'holdout', label: 'holdout' };
      else if (!deps.endpoint) s.failure = { reason: 'not-configured', label: 'no-endpoint' };
      else if (!s.rules.model) s.failure = { reason: 'disabled', label: 'disabled' };
      else if (refusal) s.failure = refusal;
    }

    // Room for `distinct`: a shelf asks for as many more as the shelves before it may take. The shelves share
    // the single body's `exclude` limit (context first, then the most recent purchases), so a heavy buyer's
    // batch body stays as small as a single one (the container refuses a body over 64 kB); a purchase cut here
    // is still filtered out by the proxy (`exclude-recently-bought`).
    const excludeEach = Math.floor(invocationLimits.maxExclude / Math.max(1, asked.length));
    let before = 0;
    const entries = asked.map((s) => {
      const exclude =
        s.request.items.length === 0 && s.recentlyBought.size === 0
          ? []
          : [...new Set([...s.request.items, ...s.recentlyBought])].slice(0, excludeEach);
      const k = Math.min(invocationLimits.maxK, Math.ceil(s.limit * s.rules.overfetch) + (distinct ? before : 0));
      before += s.limit;
      return { cacheKey: s.cacheKey, placement: s.request.placement, items: s.request.items, k, exclude };
    });

    let call: TimedShelves['call'] = 'none';
    let upstreamMs: number | null = null;
    let timerLateMs: number | null = null;
    if (!refusal && asked.length > 0) {
      const targetVariant = deps.assignVariant(shopper);
      const callStarted = performance.now();
      let partCalls: Array<Promise<ModelAnswer> | undefined>;
      const refusedUntil = calls.batchRefusedUntil(targetVariant ?? '');
      const perShelf = (): Array<Promise<ModelAnswer> | undefined> =>
        asked.map((s, i) =>
          callModel(shopper, s.cacheKey, s.request, s.recentlyBought, entries[i]!.k, s.requestId, deadline),
        );
      if (asked.length === 1 || !deps.endpoint!.invokeBatch || refusedUntil > Date.now()) {
        call = asked.length === 1 ? 'batch' : 'per-shelf';
        partCalls = perShelf();
      } else {
        call = 'batch';
        const batch = callModelBatch(shopper, userId, entries, asked[0]!.requestId, deadline, targetVariant);
        if (!batch) partCalls = asked.map(() => undefined);
        else {
          // A refused batch body turns into per-shelf calls at once, within the same deadline.
          const split = batch.then(
            (answers) => answers.map((a) => Promise.resolve(a)),
            (error: unknown) => {
              if (!(error instanceof BatchRefusedError)) throw error;
              call = 'per-shelf';
              return perShelf().map(
                (p) => p ?? Promise.reject(new UpstreamCallError({ reason: 'overloaded', label: 'bulkhead-full' })),
              );
            },
          );
          partCalls = asked.map((_, i) => split.then((calls) => calls[i]!));
        }
      }
      asked.forEach((s, i) => {
        if (!partCalls[i]) {
          s.failure = { reason: 'overloaded', label: 'bulkhead-full' };
          if (breaker.state === 'half-open') breaker.release();
        }
      });
      const pending = asked.flatMap((s, i) => {
        const part = partCalls[i];
        if (!part) return [];
        return [
          part.then(
            (answer) => {
              s.outcome = { answer, upstreamMs: performance.now() - callStarted };
            },
            (error: unknown) => {
              s.outcome = {
                failure: (error as UpstreamCallError).failure ?? { reason: 'error', label: 'unknown' },
                upstreamMs: performance.now() - callStarted,
              };
            },
          ),
        ];
      });
      // One timer for the whole batch, armed so every shelf's build fits before the deadline.
      await new Promise<void>((resolve) => {
        const dueAt = deadline - calls.buildTimeMs() * shelves.length - fallbackBuildSlackMs;
        const timer = setTimeout(
          () => {
            timerLateMs = Math.max(0, performance.now() - dueAt);
            metrics.budgetTimerLateness.observe(timerLateMs / 1000);
            // Only the parts still out are late answers when they come.
            for (const [i, s] of asked.entries())
              if (!s.outcome)
                partCalls[i]?.then(
                  () => metrics.lateAnswers.inc(),
                  () => {},
                );
            resolve();
          },
          Math.max(0, dueAt - performance.now()),
        );
        Promise.all(pending).then(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      for (const s of asked) {
        if (!s.outcome && !s.failure) s.failure = { reason: 'timeout', label: 'budget' };
        if (s.outcome) {
          upstreamMs = Math.max(upstreamMs ?? 0, s.outcome.upstreamMs ?? 0);
          if ('failure' in s.outcome) s.failure = s.outcome.failure;
        }
      }
    }

    const shown = distinct ? new Set<string>() : undefined;
    const now = deps.now?.() ?? Date.now();
    const answers = shelves.map((s): TimedAnswer => {
      const { rules, limit, request, failure } = s;
      const fallback = new PlacementChain({
        placement: rules,
        shopper,
        cacheKey: s.cacheKey,
        items: request.items,
        catalog,
        cache,
      });
      let source: RecommendationAnswer['source'] = failure ? 'fallback' : 'model';
      let model: RecommendationAnswer['model'] = null;
      let primary: ShelfSource[] = [];
      if (s.fresh) {
        const fresh = s.fresh;
        source = 'cache';
        model = { version: fresh.modelVersion, variant: fresh.variant };
        primary = [{ name: 'cache', ids: () => fresh.ids }];
      } else if (s.outcome && 'answer' in s.outcome) {
        const answer = s.outcome.answer;
        model = { version: answer.modelVersion, variant: answer.variant };
        primary = [{ name: 'model', ids: () => answer.ids }];
      }
      const filterContext = {
        catalog,
        items: request.items,
        recentlyBought: s.recentlyBought,
        now,
        ...(shown ? { shown } : {}),
      };
      const shelf = timedBuild(
        rules,
        limit,
        [...primary, ...fallback.sources(failure !== null && s.modelOn)],
        filterContext,
      );
      if (shown) for (const item of shelf.items) shown.add(item.id);
      if (failure && shelf.filledBy[0] === 'last-model-answer') {
        source = 'cache';
        model = fallback.staleModel();
      }
      const fallbackReason: FallbackReason | null = failure?.reason ?? (shelf.items.length < limit ? 'too-few' : null);
      const answer: RecommendationAnswer = {
        requestId: s.requestId,
        placement: request.placement,
        source,
        fallbackReason,
        model,
        resolvers: shelf.filledBy,
        items: shelf.items,
        ...(s.known ? {} : { warnings: [unknownPlacementWarning(request.placement)] }),
      };
      const totalMs = performance.now() - started;
      requestsBy(s.known ? request.placement : 'unknown', source, fallbackReason ?? 'none').inc();
      requestDurationBy(source).observe(totalMs / 1000);
      const own = s.outcome?.upstreamMs ?? null;
      const failureLabel = failure?.label ?? null;
      return { answer, upstreamMs: own, totalMs, timerLateMs, failureLabel, beforeRules: shelf.beforeRules };
    });
    metrics.shelfBatches.inc({ call });
    metrics.batchShelves.inc(shelves.length);
    return { shelves: answers, upstreamMs, totalMs: performance.now() - started, timerLateMs, call };
  }

  return { recommend, recommendShelves };
}

/** The shelf service: answers recommendation requests within their budget. */
export type ShelfService = ReturnType<typeof createShelfService>;
