/** `GET|POST /v1/recommendations`: validate, recommend, answer with Server-Timing. */
import type { Request, Response, Router } from 'express';
import type { Logger } from 'pino';
import { ApiError, methodNotAllowed } from '../http/api-error.ts';
import { arrivalOf } from '../http/received-at.ts';
import { jsonBody } from '../http/request-body.ts';
import {
  InvalidRequestError,
  parseRecommendationBody,
  parseRecommendationQuery,
  type RecommendationRequest,
} from '../recommendation-request.ts';
import type { Metrics } from '../metrics.ts';
import type { ShelfService } from '../shelf-service.ts';
import type { ShopperIdentityResolver } from '../shopper-identity.ts';

/** Adds the recommendations route to `router` (one flat router keeps the hot path short). */
export function addRecommendationsRoute(
  router: Router,
  shelfService: ShelfService,
  identities: ShopperIdentityResolver,
  metrics: Metrics,
  logger: Logger,
): void {
  const answer = async (req: Request, res: Response, parse: () => RecommendationRequest): Promise<void> => {
    let claimed: RecommendationRequest;
    try {
      claimed = parse();
    } catch (error) {
      if (error instanceof InvalidRequestError) throw new ApiError(400, 'invalid_request', error.message);
      throw error;
    }
    // Only a valid token (or a trusted raw id) names a customer; anything else is answered anonymously.
    const { shopperToken: _token, userId: _claimedUser, ...rest } = claimed;
    const identity = await identities.resolve(claimed);
    if (identity.untrusted) metrics.untrustedShoppers.inc({ cause: identity.untrusted });
    const request: RecommendationRequest = { ...rest, ...(identity.userId ? { userId: identity.userId } : {}) };
    const { answer, upstreamMs, totalMs, timerLateMs, failureLabel } = await shelfService.recommend(
      request,
      arrivalOf(req),
    );
    // Source and variant ride along as descriptions, so a page's debug overlay can read them from Resource Timing.
    const timing = [
      upstreamMs === null ? null : `upstream;dur=${upstreamMs.toFixed(1)}`,
      `total;dur=${totalMs.toFixed(1)}`,
      // How late the budget timer fired: the machine's share of `total`, not the proxy's.
      timerLateMs === null ? null : `timer-late;dur=${timerLateMs.toFixed(1)}`,
      `source;desc=${answer.source}`,
      answer.fallbackReason ? `reason;desc=${answer.fallbackReason}` : null,
      answer.model?.variant ? `variant;desc="${answer.model.variant.replace(/[^A-Za-z0-9-]/g, '')}"` : null,
    ];
    res.setHeader('Server-Timing', timing.filter(Boolean).join(', '));
    res.setHeader('Cache-Control', 'no-store');
    res.json(answer);
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
    .post(...jsonBody, (req, res) => {
      if (!req.is('application/json'))
        throw new ApiError(415, 'unsupported_media_type', 'body: send Content-Type application/json');
      return answer(req, res, () => parseRecommendationBody(req.body));
    })
    .all(methodNotAllowed('GET, POST'));
}
