/**
 * `POST|GET /v1/recommendations`: validate, recommend, answer with Server-Timing. The shelf POSTs
 * a `text/plain` JSON body (a CORS simple request: no preflight); GET remains for calls that name
 * no shopper, since a URL is logged (recommendation-request.ts refuses a token or userId in one).
 */
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { FreshSessionGate } from '../fresh-sessions.ts';
import { shopperKey } from '../../shoppers/holdout.ts';
import { ApiError, methodNotAllowed } from '../api-error.ts';
import { clientOf } from '../client-of.ts';
import { arrivalOf } from '../received-at.ts';
import { bodyRead, jsonOrTextBody } from '../request-body.ts';
import { sendJsonText } from '../send-json.ts';
import { answerJson } from '../../shelf/answer-json.ts';
import {
  InvalidRequestError,
  parseRecommendationBody,
  parseRecommendationQuery,
  type RecommendationRequest,
  refuseShopperInQuery,
} from '../../shelf/recommendation-request.ts';
import type { Metrics } from '../../operations/metrics.ts';
import type { ApiRoutes } from './api-routes.ts';
import type { ShelfService } from '../../shelf/shelf-service.ts';
import type { ShopperIdentityResolver } from '../../shoppers/shopper-identity.ts';
import type { AnswerHooks } from '../../shared-state/experiment-unit.ts';

/** Adds the recommendations route to `router`. */
export function addRecommendationsRoute(
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
  const sessionsDropped = new Counter({
    name: 'reco_fresh_sessions_dropped_total',
    help: 'Requests whose new session id was past its client RECO_FRESH_SESSIONS_PER_MINUTE, answered anonymously',
    registers: [metrics.registry],
  });
  const answer = async (req: Request, res: Response, parse: () => RecommendationRequest): Promise<void> => {
    let claimed: RecommendationRequest;
    try {
      claimed = parse();
    } catch (error) {
      if (error instanceof InvalidRequestError) throw new ApiError(400, 'invalid_request', error.message);
      throw error;
    }
    // Only a valid token (or a trusted raw id) names a customer; anything else is answered anonymously.
    const identity = await identities.resolve(claimed);
    if (identity.untrusted) metrics.untrustedShoppers.inc({ cause: identity.untrusted });
    const request: RecommendationRequest = { placement: claimed.placement, items: claimed.items };
    if (identity.userId) request.userId = identity.userId;
    const sessionId = claimed.sessionId;
    if (sessionId) {
      // A session keys the answer only when no customer id does; a new one counts against its client's bound.
      const kept = identity.userId || !freshSessions ? true : freshSessions(clientOf(req), sessionId);
      if (kept === true || (kept !== false && (await kept))) request.sessionId = sessionId;
      else sessionsDropped.inc();
    }
    if (claimed.limit) request.limit = claimed.limit;
    // A dropped session is answered as anonymous, in its own arm: its events name the session, and the
    // experiment counts them in that arm (a held-out session must not be shown the model's shelf).
    const armShopper = request.sessionId === sessionId ? undefined : shopperKey(undefined, sessionId);
    const armKey = shopperKey(request.userId, request.sessionId) ?? armShopper;
    const loading = experiment?.before(armKey);
    if (loading) await loading;
    const { answer, upstreamMs, totalMs, timerLateMs, failureLabel } = await shelfService.recommend(
      request,
      arrivalOf(req),
      undefined,
      armShopper,
    );
    // Placement, source and variant ride along as descriptions, so a page's debug overlay can read them from
    // Resource Timing (the placement tells its shelf's entry apart: the URL no longer names it).
    let timing = upstreamMs === null ? '' : `upstream;dur=${upstreamMs.toFixed(1)}, `;
    timing += `total;dur=${totalMs.toFixed(1)}`;
    // How late the budget timer fired: the machine's share of `total`, not the proxy's.
    if (timerLateMs !== null) timing += `, timer-late;dur=${timerLateMs.toFixed(1)}`;
    // A placement is [a-z0-9-] (recommendation-request.ts): a valid token as it is.
    timing += `, placement;desc=${answer.placement}, source;desc=${answer.source}`;
    if (answer.fallbackReason) timing += `, reason;desc=${answer.fallbackReason}`;
    if (answer.model?.variant) timing += `, variant;desc="${answer.model.variant.replace(/[^A-Za-z0-9-]/g, '')}"`;
    res.setHeader('Server-Timing', timing);
    res.setHeader('Cache-Control', 'no-store');
    experiment?.answered(answer, armKey, failureLabel);
    sendJsonText(res, answerJson(answer));
    // The line's object is not even built when the level would drop it (LOG_LEVEL=warn or above).
    if (!logger.isLevelEnabled('info')) return;
    logger.info(
      {
        requestId: answer.requestId,
        placement: answer.placement,
        source: answer.source,
        reason: answer.fallbackReason,
        failure: failureLabel,
        variant: answer.model?.variant ?? null,
        count: answer.items.length,
        upstreamMs,
        totalMs: Math.round(totalMs * 10) / 10,
      },
      'recommendations',
    );
  };
  router
    .route('/recommendations')
    .get((req, res) => answer(req, res, () => parseRecommendationQuery(req.query as Record<string, unknown>)))
    .post(...jsonOrTextBody, (req, res) => {
      if (!bodyRead(req))
        throw new ApiError(415, 'unsupported_media_type', 'body: send JSON as application/json or text/plain');
      return answer(req, res, () => {
        // Only when there is a query at all: the shelf's own POST has none, and is spared parsing one.
        if (req.url.includes('?')) refuseShopperInQuery(req.query as Record<string, unknown>);
        return parseRecommendationBody(req.body);
      });
    })
    .all(methodNotAllowed('GET, POST'));
}
