/**
 * `POST /v1/events`: JSON or the text/plain body `navigator.sendBeacon` sends, up to `maxBatchBytes`
 * either way. 202 only once the accepted events are on disk (docs/contracts.md "Events"); 503 with
 * Retry-After while the store cannot write. A batch sent with the server key is stored in the
 * `server` namespace, any other in `browser`: a page cannot make a server's event a duplicate.
 * A client (not the storefront's server) may send `eventsPerMinute` events a minute; past it, 429
 * with Retry-After and nothing stored — refused before its body is parsed once nothing is left.
 */
import type { Request, RequestHandler } from 'express';
import { Counter } from 'prom-client';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { CatalogIndex } from '../../shelf/catalog-index.ts';
import { admitEvents } from '../../events/event-admission.ts';
import { type EventLog, EventStoreUnavailableError } from '../../events/event-log.ts';
import { InvalidBatchError, maxBatchBytes, maxBatchSize, parseEventBatch } from '../../events/shelf-event.ts';
import { ApiError, methodNotAllowed, sendError } from '../api-error.ts';
import { clientOf } from '../client-of.ts';
import { eventCounter, type PointsCounter } from '../rate-limit.ts';
import { bodyRead, jsonOrTextBodyUpTo } from '../request-body.ts';
import type { ServerCaller } from '../server-key.ts';
import type { Arm } from '../../shoppers/holdout.ts';
import type { Metrics } from '../../operations/metrics.ts';
import type { ApiRoutes } from './api-routes.ts';
import type { ShopperIdentityResolver } from '../../shoppers/shopper-identity.ts';
import type { ShelfEvent } from '../../events/shelf-event.ts';
import type { RememberedAnswer } from '../../shared-state/answer-memory.ts';

const eventBody = jsonOrTextBodyUpTo(maxBatchBytes, `${maxBatchSize} events of the longest kind`);

/** Adds the events route to `router`. */
export function addEventsRoute(
  router: ApiRoutes,
  eventLog: EventLog,
  metrics: Metrics,
  trust: { callerOf: (req: Request) => ServerCaller; identities: ShopperIdentityResolver; catalog: CatalogIndex },
  experiment: {
    /** The arm of the shopper who sent an event (the shelf service's holdout decision, replayed). */
    armOf: (event: { userId?: string | undefined; sessionId?: string | undefined }) => Arm | Promise<Arm>;
    /** The bounded `variant` label (`variant-label.ts`). */
    variantLabel: (variant: string | undefined) => string;
    /** The answer the proxy gave under a request id (`answer-memory.ts`); absent: nothing is remembered. */
    recallAnswer?: (requestId: string) => Promise<RememberedAnswer | undefined>;
    /** `identify`: the session stands for the customer from now on (`experiment-unit.ts`). */
    identify?: (sessionId: string, userId: string) => void;
    /** Told of a variant a remembered answer (this instance's or another's) came from: a label from then on. */
    variantSeen?: (variant: string) => void;
  } = { armOf: () => 'model', variantLabel: () => 'none' },
  /** Events a minute per client (0: no limit), counted by `counter` (in memory when not given). */
  limit: { eventsPerMinute: number; counter?: PointsCounter } = { eventsPerMinute: 0 },
): void {
  const joins = new Counter({
    name: 'reco_event_answer_joins_total',
    help:
      'Accepted events by how their variant, model version and arm were found: joined (the answer remembered ' +
      'by requestId), unknown (a requestId no longer or never remembered: variant dropped, arm by shopper), ' +
      'none (no requestId)',
    labelNames: ['outcome'] as const,
    registers: [metrics.registry],
  });
  /**
   * The event as stored: variant, model version, arm (and placement, source) from the answer remembered by its
   * requestId, never from the sender; without one, no variant or model version, and the shopper's arm.
   */
  const joined = async (
    event: ShelfEvent,
    recalls: Map<string, Promise<RememberedAnswer | undefined> | undefined>,
  ): Promise<ShelfEvent & { arm: Arm }> => {
    const { variant: _echoedVariant, modelVersion: _echoedVersion, ...rest } = event;
    const { requestId } = event;
    // A beacon's events mostly share their shelf's requestId: one recall (one Redis read at most) for each.
    if (requestId !== undefined && !recalls.has(requestId))
      recalls.set(requestId, experiment.recallAnswer?.(requestId));
    const answer = requestId === undefined ? undefined : await recalls.get(requestId);
    if (!answer) {
      joins.inc({ outcome: event.requestId === undefined ? 'none' : 'unknown' });
      return { ...rest, arm: await experiment.armOf(event) };
    }
    joins.inc({ outcome: 'joined' });
    if (answer.variant !== undefined) experiment.variantSeen?.(answer.variant);
    return {
      ...rest,
      placement: answer.placement,
      source: answer.source,
      ...(answer.variant === undefined ? {} : { variant: answer.variant }),
      ...(answer.modelVersion === undefined ? {} : { modelVersion: answer.modelVersion }),
      arm: answer.arm,
    };
  };
  const counter = limit.eventsPerMinute > 0 ? (limit.counter ?? eventCounter(limit.eventsPerMinute)) : undefined;
  const refuse = (res: Parameters<RequestHandler>[1], msBeforeNext: number, message: string): void => {
    metrics.rateLimited.inc();
    res.setHeader('Retry-After', String(Math.max(1, Math.ceil(msBeforeNext / 1000))));
    sendError(res, 429, 'rate_limited', message);
  };
  const overLimit = `more than ${limit.eventsPerMinute} events a minute from this client`;
  // A client with nothing left this minute is refused before its body is parsed (it is only drained).
  const refuseExhausted: RequestHandler = (req, res, next) => {
    if (!counter || trust.callerOf(req) === 'storefront-server') return next();
    counter.exhausted(clientOf(req)).then(
      (msBeforeNext) => {
        if (msBeforeNext === undefined) return next();
        req.resume();
        refuse(res, msBeforeNext, overLimit);
      },
      // The counter failing: take the batch rather than refuse a shopper for it.
      () => next(),
    );
  };
  router
    .route('/events')
    .post(refuseExhausted, ...eventBody, async (req, res) => {
      const caller = trust.callerOf(req);
      if (caller === 'bad-key') throw new ApiError(401, 'unauthorized', 'authorization: not the storefront server key');
      if (caller === 'key-from-browser') {
        throw new ApiError(
          403,
          'forbidden',
          'authorization: the server key is for the storefront server, never a page',
        );
      }
      if (!bodyRead(req)) {
        throw new ApiError(415, 'unsupported_media_type', 'body: send application/json or text/plain');
      }
      let batch: ReturnType<typeof parseEventBatch>;
      try {
        batch = parseEventBatch(req.body);
      } catch (error) {
        if (error instanceof InvalidBatchError) {
          metrics.rejectedBatches.inc();
          throw new ApiError(400, 'invalid_request', error.message);
        }
        throw error;
      }
      if (counter && caller !== 'storefront-server') {
        const points = batch.events.length + batch.rejected.length;
        const refusal = await counter.consume(clientOf(req), points).then(
          () => undefined,
          (error: unknown) => (error instanceof RateLimiterRes ? error : undefined),
        );
        if (refusal) {
          const message =
            points > limit.eventsPerMinute
              ? `events: ${points} in one batch, more than the ${limit.eventsPerMinute} a minute this client may send`
              : overLimit;
          return refuse(res, refusal.msBeforeNext, message);
        }
      }
      const refused = new Set(batch.rejected.map((r) => r.index));
      const indexes = Array.from({ length: batch.events.length + batch.rejected.length }, (_, i) => i).filter(
        (i) => !refused.has(i),
      );
      const admission = await admitEvents(
        batch.events.map((event, k) => ({ index: indexes[k]!, event })),
        {
          fromServer: caller === 'storefront-server',
          identities: trust.identities,
          catalog: trust.catalog,
          now: Date.now(),
          onUntrusted: (cause) => metrics.untrustedShoppers.inc({ cause }),
        },
      );
      batch = {
        events: admission.events,
        rejected: [...batch.rejected, ...admission.rejected].sort((a, b) => a.index - b.index),
      };
      metrics.events.inc({ outcome: 'rejected' }, batch.rejected.length);
      if (batch.events.length === 0) {
        throw new ApiError(
          400,
          'invalid_request',
          batch.rejected
            .map((r) => r.message)
            .slice(0, 5)
            .join('; '),
        );
      }
      // Each event is stored with the arm, variant and model version of its answer, so the export compares them.
      const recalls = new Map<string, Promise<RememberedAnswer | undefined> | undefined>();
      const withArms = await Promise.all(batch.events.map((event) => joined(event, recalls)));
      const namespace = caller === 'storefront-server' ? 'server' : 'browser';
      const { stored, duplicates, dedupRecorded } = await eventLog
        .append(withArms, undefined, namespace)
        .catch((error: unknown) => {
          if (!(error instanceof EventStoreUnavailableError)) throw error;
          metrics.events.inc({ outcome: 'unavailable' }, batch.events.length);
          res.setHeader('Retry-After', String(error.retryAfterSeconds));
          throw new ApiError(503, 'events_unavailable', 'events cannot be stored right now; retry later');
        });
      const accepted = stored.length;
      for (const e of stored) {
        if (e.type === 'identify') {
          experiment.identify?.(e.sessionId!, e.userId!);
          continue;
        }
        metrics.shelfEvents.inc({
          type: e.type,
          source: e.source ?? 'unknown',
          arm: e.arm ?? 'model',
          variant: experiment.variantLabel(e.variant),
        });
      }
      metrics.events.inc({ outcome: 'accepted' }, accepted);
      metrics.events.inc({ outcome: 'duplicate' }, duplicates);
      // Stored, but the fleet-wide mark could not be written: said so, since a retry elsewhere would double it.
      const dedup = dedupRecorded ? {} : { dedup: 'this-instance-only' };
      res.status(202).json({ accepted, duplicates, rejected: batch.rejected, ...dedup });
    })
    .all(methodNotAllowed('POST'));
}
