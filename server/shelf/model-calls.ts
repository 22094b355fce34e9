/**
 * The proxy's calls to the model, as the shelf service makes them: a place under the bulkhead and the
 * hard cap, identical concurrent calls shared, each outcome judged once for the breaker, the cache and
 * the metrics (single and batch), and the race of a call against the placement's budget with the rules'
 * shelf built just in time. The shelf service (shelf-service.ts) decides what to ask and what to answer.
 */
import type { Shelf } from './shelf-builder.ts';
import { buildShelf } from './shelf-builder.ts';
import { boundChildren } from '../operations/metrics.ts';
import type { RecommendationRequest } from './recommendation-request.ts';
import { BatchRefusedError, type ModelAnswer } from './sagemaker-endpoint.ts';
import { invocationLimits } from '../../contracts/invocation.ts';
import { ConfigErrorReport, classifyUpstreamError, type UpstreamFailure } from './upstream-errors.ts';
import type { ShelfServiceDeps } from './shelf-service.ts';

/**
 * How long an endpoint variant that refused the batch body is asked shelf by shelf before the batch
 * body is tried again (a container of another team, or an older image, until it is replaced).
 */
export const batchRefusalMemoryMs = 5 * 60_000;

/**
 * The rules' shelf is built only when a race may need it: when the call failed, or when the
 * race ends, this long plus the longest recent build before the deadline, so that by the
 * deadline only sending is left. The slack covers a build that runs slower than those measured.
 */
export const fallbackBuildSlackMs = 1;

/**
 * How fast the longest recent build of the rules' shelf is forgotten, per build: a decaying
 * maximum, so one slow build (a GC pause) moves the lead at once and fades over a few hundred.
 */
const buildTimeDecay = 0.99;

/** A model call that failed, with its classified failure. */
export class UpstreamCallError extends Error {
  constructor(readonly failure: UpstreamFailure) {
    super(`sagemaker: ${failure.label}`);
  }
}

/** How a race with the budget ended: the model's answer, or a failure (the budget's own included). */
export type Outcome =
  | { answer: ModelAnswer; upstreamMs: number }
  | { failure: UpstreamFailure; upstreamMs: number | null; timerLateMs?: number };

/** The model calls of one shelf service. */
export function createModelCalls(deps: ShelfServiceDeps) {
  const { cache, breaker, bulkhead, metrics } = deps;
  const inFlight = new Map<string, Promise<ModelAnswer>>();
  const upstreamDurationBy = boundChildren((...values) => metrics.upstreamDuration.labels(...values));
  const configErrors = new ConfigErrorReport({
    count: (kind) => metrics.upstreamConfigErrors.inc({ kind }),
    logger: deps.logger,
  });
  /** The longest recent build of a rules' shelf (ms), decaying: how early the lazy build is armed. */
  let buildTimeMs = 0;

  /** Builds a shelf and remembers how long it took. */
  function timedBuild(...args: Parameters<typeof buildShelf>): Shelf {
    const begun = performance.now();
    const shelf = buildShelf(...args);
    buildTimeMs = Math.max(performance.now() - begun, buildTimeMs * buildTimeDecay);
    return shelf;
  }

  /**
   * A place among the upstream calls in flight (undefined when the bulkhead is full) with the hard
   * cap's abort signal; `leave` frees both. The cap's timer is cleared as soon as the call settles:
   * AbortSignal.timeout would keep its timer and signal alive for the whole hard cap (2 s) after a
   * call of a few ms — thousands of live timers at a high rate, for every garbage collection to carry.
   */
  function enterUpstream(): { signal: AbortSignal; leave: () => void } | undefined {
    if (!bulkhead.tryEnter()) return undefined;
    metrics.upstreamInFlight.set(bulkhead.inFlight);
    const hardCap = new AbortController();
    const hardCapTimer = setTimeout(
      () => hardCap.abort(new DOMException('The operation was aborted due to timeout', 'TimeoutError')),
      deps.hardCapMs,
    );
    // Like AbortSignal.timeout's, it does not hold the process open on its own.
    hardCapTimer.unref();
    return {
      signal: hardCap.signal,
      leave: () => {
        clearTimeout(hardCapTimer);
        bulkhead.leave();
        metrics.upstreamInFlight.set(bulkhead.inFlight);
      },
    };
  }

  /** A model call answered (single or batch): the breaker's verdict, the variant seen, its duration. */
  function answered(variant: string | null, deadline: number, started: number): void {
    // An answer after the budget served nobody: for the breaker it is a bad call, for the cache a good one.
    if (performance.now() <= deadline) breaker.success();
    else breaker.failure();
    if (variant !== null) deps.variantSeen?.(variant);
    upstreamDurationBy('ok', variant ?? 'unknown').observe((performance.now() - started) / 1000);
  }

  /** A model call failed (single or batch): counted and judged; returns the error to throw. */
  function failed(
    error: unknown,
    signal: AbortSignal,
    targetVariant: string | undefined,
    started: number,
  ): UpstreamCallError {
    const failure = classifyUpstreamError(error, signal.aborted);
    if (failure.configError) configErrors.record(failure.configError, error);
    else if (failure.causedByRequest) metrics.requestCausedUpstreamErrors.inc({ label: failure.label });
    // Every outcome ends a probe: a verdict on the cloud closes or re-opens the breaker, one on the
    // request alone releases it (open as before; the next caller probes).
    if (failure.causedByRequest) breaker.release();
    else breaker.failure();
    upstreamDurationBy(failure.label, targetVariant ?? 'unknown').observe((performance.now() - started) / 1000);
    return new UpstreamCallError(failure);
  }

  function callModel(
    shopper: string | undefined,
    cacheKey: string,
    request: RecommendationRequest,
    recentlyBought: ReadonlySet<string>,
    k: number,
    requestId: string,
    deadline: number,
  ): Promise<ModelAnswer> | undefined {
    // The context items first, then purchases most recent first, up to the limit the container
    // keeps: a heavy buyer still gets the model, and what is cut is what they bought longest ago.
    const exclude =
      request.items.length === 0 && recentlyBought.size === 0
        ? []
        : [...new Set([...request.items, ...recentlyBought])].slice(0, invocationLimits.maxExclude);
    const body = {
      // The customer id never leaves the premises: the model knows the shopper by pseudonym.
      ...(request.userId ? { userId: deps.pseudonym(request.userId) } : {}),
      items: request.items,
      k,
      exclude,
      placement: request.placement,
    };
    const targetVariant = deps.assignVariant(shopper);
    // In this process only: a separator no cache key holds (JSON escapes control characters).
    const callKey = `${cacheKey}\u0000${body.k}\u0000${targetVariant ?? ''}`;
    const shared = inFlight.get(callKey);
    if (shared) {
      metrics.coalesced.inc();
      return shared;
    }
    const slot = enterUpstream();
    if (!slot) return undefined;
    const { signal, leave } = slot;
    const started = performance.now();
    const call = deps.endpoint!.invoke(body, { requestId, signal, ...(targetVariant ? { targetVariant } : {}) }).then(
      (answer) => {
        inFlight.delete(callKey);
        leave();
        cache.set(shopper, cacheKey, answer);
        answered(answer.variant, deadline, started);
        return answer;
      },
      (error: unknown) => {
        inFlight.delete(callKey);
        leave();
        throw failed(error, signal, targetVariant, started);
      },
    );
    inFlight.set(callKey, call);
    return call;
  }

  /**
   * Waits for the call until `deadline` (a `performance.now()` time); a late call keeps
   * running. The timer is armed here, from the deadline, so work done before counts. It fires
   * the longest recent build (plus slack) before the deadline, runs `prepareFallback` and ends
   * the race, so the fallback is ready when the deadline comes and only sending is left; a
   * call that answers first skips both. One timer, not one to build and another to wait out
   * the last millisecond: each wake-up of a process on a busy machine can come late, and a
   * second one would add its own lateness to the answer's.
   */
  function raceBudget(
    call: Promise<ModelAnswer>,
    deadline: number,
    started: number,
    prepareFallback: () => void,
  ): Promise<Outcome> {
    return new Promise((resolve) => {
      const dueAt = deadline - buildTimeMs - fallbackBuildSlackMs;
      const timer = setTimeout(
        () => {
          // How late the timer fired against its own due time: the machine's share, not the proxy's.
          const timerLateMs = Math.max(0, performance.now() - dueAt);
          prepareFallback();
          metrics.budgetTimerLateness.observe(timerLateMs / 1000);
          resolve({ failure: { reason: 'timeout', label: 'budget' }, upstreamMs: null, timerLateMs });
          call.then(
            () => metrics.lateAnswers.inc(),
            () => {},
          );
        },
        Math.max(0, dueAt - performance.now()),
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

  /** Endpoint variants (`''`: the endpoint's own choice) that refused the batch body, until when (ms since epoch). */
  const batchRefusedUntil = new Map<string, number>();

  /**
   * One `InvokeEndpoint` with the batch body for `entries` (the shelves the model is asked for), under the
   * bulkhead and the hard cap; the answers warm each shelf's cache. Undefined: the bulkhead is full.
   * Rejects with `BatchRefusedError` when the endpoint does not know the batch body (remembered per variant).
   */
  function callModelBatch(
    shopper: string | undefined,
    userId: string | undefined,
    entries: Array<{ cacheKey: string; placement: string; items: string[]; k: number; exclude: string[] }>,
    requestId: string,
    deadline: number,
    targetVariant: string | undefined,
  ): Promise<ModelAnswer[]> | undefined {
    const slot = enterUpstream();
    if (!slot) return undefined;
    const { signal, leave } = slot;
    const started = performance.now();
    const body = {
      ...(userId ? { userId: deps.pseudonym(userId) } : {}),
      shelves: entries.map(({ placement, items, k, exclude }) => ({ placement, items, k, exclude })),
    };
    return deps.endpoint!.invokeBatch!(body, {
      requestId,
      signal,
      ...(targetVariant ? { targetVariant } : {}),
    }).then(
      (answers) => {
        leave();
        for (const [i, answer] of answers.entries()) cache.set(shopper, entries[i]!.cacheKey, answer);
        answered(answers[0]?.variant ?? null, deadline, started);
        return answers;
      },
      (error: unknown) => {
        leave();
        if (error instanceof BatchRefusedError) {
          // The cloud answered; only this body was refused. Remembered, so the next pages ask shelf by shelf.
          breaker.release();
          batchRefusedUntil.set(targetVariant ?? '', Date.now() + batchRefusalMemoryMs);
          metrics.batchRefusals.inc();
          deps.logger?.warn(
            { variant: targetVariant ?? null, err: error },
            'sagemaker: the endpoint refused the batch body; shelves are asked one by one for a while',
          );
          throw error;
        }
        throw failed(error, signal, targetVariant, started);
      },
    );
  }

  return {
    timedBuild,
    callModel,
    callModelBatch,
    raceBudget,
    /** The longest recent build of a rules' shelf (ms), decaying. */
    buildTimeMs: (): number => buildTimeMs,
    /** Until when (ms since the epoch) the variant (`''`: the endpoint's choice) is asked shelf by shelf. */
    batchRefusedUntil: (variant: string): number => batchRefusedUntil.get(variant) ?? 0,
  };
}

/** The model calls a shelf service makes. */
export type ModelCalls = ReturnType<typeof createModelCalls>;
