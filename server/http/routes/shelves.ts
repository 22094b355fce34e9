/**
 * `POST /v1/shelves`: several shelves of one page in one request (docs/contracts.md "Widget → proxy").
 * Validate, resolve the shopper once, answer every shelf by the tightest budget among them, each as
 * `POST /v1/recommendations` would (its own `requestId`), in the request's order; with `render: "html"`
 * each shelf carries its server-rendered fragment. No GET: who the shopper is travels only in a body.
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import type { FreshSessionGate } from '../fresh-sessions.ts';
import { shopperKey } from '../../shoppers/holdout.ts';
import { ApiError, methodNotAllowed } from '../api-error.ts';
import { clientOf } from '../client-of.ts';
import { arrivalOf } from '../received-at.ts';
import { bodyRead, jsonOrTextBody } from '../request-body.ts';
import { sendJsonText } from '../send-json.ts';
import { shelvesJson } from '../../shelf/answer-json.ts';
import {
  InvalidRequestError,
  type RecommendationRequest,
  refuseShopperInQuery,
} from '../../shelf/recommendation-request.ts';
import { parseShelvesBody, type ShelvesRequest } from '../../shelf/shelves-request.ts';
import { renderShelfHtml, type ShelfDisplay } from '../../shelf/shelf-html.ts';
import type { Metrics } from '../../operations/metrics.ts';
import type { ApiRoutes } from './api-routes.ts';
import type { RecommendationAnswer, ShelfService } from '../../shelf/shelf-service.ts';
import type { ShopperIdentityResolver } from '../../shoppers/shopper-identity.ts';
import type { AnswerHooks } from '../../shared-state/experiment-unit.ts';

/** Adds the shelves route to `router`. */
export function addShelvesRoute(
  router: ApiRoutes,
  shelfService: ShelfService,
  identities: ShopperIdentityResolver,
  metrics: Metrics,
  logger: Logger,
  /** Bounds the new session ids one client may bring (fresh-sessions.ts); absent: no bound. */
  freshSessions?: FreshSessionGate,
  /** The experiment's side of the route (`server/shared-state/experiment-unit.ts`): before and after each answer. */
  experiment?: AnswerHooks,
): void {
  const answer = async (req: Request, res: Response): Promise<void> => {
    let claimed: ShelvesRequest;
    try {
      if (req.url.includes('?')) refuseShopperInQuery(req.query as Record<string, unknown>);
      claimed = parseShelvesBody(req.body);
    } catch (error) {
      if (error instanceof InvalidRequestError)
        throw new ApiError(
          400,
          'invalid_request',
          error.message.replace('POST /v1/recommendations', 'POST /v1/shelves'),
        );
      throw error;
    }
    const render = claimed.render === 'html' ? renderShelfHtml : undefined;
    // Once for the page: the identity, and below the arm and the purchases.
    const identity = await identities.resolve(claimed);
    if (identity.untrusted) metrics.untrustedShoppers.inc({ cause: identity.untrusted });
    const sessionId = claimed.sessionId;
    let keptSession: string | undefined;
    if (sessionId) {
      const kept = identity.userId || !freshSessions ? true : freshSessions(clientOf(req), sessionId);
      if (kept === true || (kept !== false && (await kept))) keptSession = sessionId;
      // The counter `/v1/recommendations` registers (routes/recommendations.ts): one count for both routes.
      else (metrics.registry.getSingleMetric('reco_fresh_sessions_dropped_total') as Counter | undefined)?.inc();
    }
    const requests = claimed.shelves.map((shelf): RecommendationRequest => {
      const request: RecommendationRequest = { placement: shelf.placement, items: shelf.items };
      if (identity.userId) request.userId = identity.userId;
      if (keptSession) request.sessionId = keptSession;
      if (shelf.limit) request.limit = shelf.limit;
      return request;
    });
    const armShopper = keptSession === sessionId ? undefined : shopperKey(undefined, sessionId);
    const armKey = shopperKey(identity.userId, keptSession) ?? armShopper;
    const loading = experiment?.before(armKey);
    if (loading) await loading;
    const timed = await shelfService.recommendShelves(requests, {
      receivedAt: arrivalOf(req),
      distinct: claimed.distinct,
      ...(armShopper ? { armShopper } : {}),
    });
    const shelves: Array<RecommendationAnswer & { html?: string }> = timed.shelves.map(({ answer }, i) => {
      if (!render) return answer;
      const { heading, layout, limit, items } = claimed.shelves[i]!;
      // What the page would have written on the element: the fragment stands in for it.
      const display: ShelfDisplay = {
        ...(heading !== undefined ? { heading } : {}),
        ...(layout ? { layout } : {}),
        ...(limit ? { limit } : {}),
        ...(items.length > 0 ? { items } : {}),
        ...(claimed.locale ? { locale: claimed.locale } : {}),
        ...(claimed.currency ? { currency: claimed.currency } : {}),
        ...(claimed.shopperToken ? { shopperToken: claimed.shopperToken } : {}),
        ...(claimed.sessionId ? { sessionId: claimed.sessionId } : {}),
      };
      return { ...answer, html: render(answer, display) };
    });
    let timing = timed.upstreamMs === null ? '' : `upstream;dur=${timed.upstreamMs.toFixed(1)}, `;
    timing += `total;dur=${timed.totalMs.toFixed(1)}`;
    if (timed.timerLateMs !== null) timing += `, timer-late;dur=${timed.timerLateMs.toFixed(1)}`;
    // One entry per shelf, in order: its placement ([a-z0-9-], a valid token), source and reason.
    for (const [i, { answer: shelf }] of timed.shelves.entries()) {
      const reason = shelf.fallbackReason ? ` ${shelf.fallbackReason}` : '';
      timing += `, shelf-${i};desc="${shelf.placement} ${shelf.source}${reason}"`;
    }
    // One model call serves the batch, so one variant: as the single-shelf route names it.
    const variant = timed.shelves.find(({ answer: shelf }) => shelf.model?.variant)?.answer.model?.variant;
    if (variant) timing += `, variant;desc="${variant.replace(/[^A-Za-z0-9-]/g, '')}"`;
    res.setHeader('Server-Timing', timing);
    res.setHeader('Cache-Control', 'no-store');
    for (const { answer: shelf, failureLabel } of timed.shelves) experiment?.answered(shelf, armKey, failureLabel);
    sendJsonText(res, shelvesJson(shelves));
    if (!logger.isLevelEnabled('info')) return;
    logger.info(
      {
        call: timed.call,
        shelves: timed.shelves.map(({ answer: shelf, failureLabel }) => ({
          requestId: shelf.requestId,
          placement: shelf.placement,
          source: shelf.source,
          reason: shelf.fallbackReason,
          failure: failureLabel,
          variant: shelf.model?.variant ?? null,
          count: shelf.items.length,
        })),
        upstreamMs: timed.upstreamMs,
        totalMs: Math.round(timed.totalMs * 10) / 10,
      },
      'shelves',
    );
  };
  router
    .route('/shelves')
    .post(...jsonOrTextBody, (req, res) => {
      if (!bodyRead(req))
        throw new ApiError(415, 'unsupported_media_type', 'body: send JSON as application/json or text/plain');
      return answer(req, res);
    })
    .all(methodNotAllowed('POST'));
}
