/**
 * Builds the proxy's Express app from its parts; `proxy.ts` loads the parts
 * and `main.ts` starts it, so tests drive the same app in process.
 */
import express from 'express';
import type { Logger } from 'pino';
import { AnswerCache, type AnswerStore } from './shelf/answer-cache.ts';
import { Bulkhead } from './shelf/bulkhead.ts';
import type { CatalogIndex } from './shelf/catalog-index.ts';
import { type Breaker, type BreakerOptions, breakerStateLevels, CircuitBreaker } from './shelf/circuit-breaker.ts';
import type { ProxyConfig } from './config.ts';
import type { EventLog } from './events/event-log.ts';
import { errorHandler, notFound } from './http/api-error.ts';
import { corsAllowlist } from './http/cors.ts';
import { clientCounter, eventCounter, rateLimit } from './http/rate-limit.ts';
import { serverCallerOf } from './http/server-key.ts';
import { stampArrival } from './http/received-at.ts';
import { setSecurityHeaders } from './http/security-headers.ts';
import { watchEventLoopDelay } from './operations/event-loop-delay.ts';
import { pseudonymizer, redisDigester } from '../contracts/pseudonym.ts';
import { createMetrics } from './operations/metrics.ts';
import { countingFallbacks, FallbackTally } from './shelf/fallback-metric-publisher.ts';
import { shopperIdentity } from './shoppers/shopper-identity.ts';
import type { PlacementFile } from './shelf/placement-file.ts';
import { SharedIdempotencyWindow } from './events/shared-idempotency-window.ts';
import { SharedRecentlyBought } from './events/shared-recently-bought.ts';
import { openRedisConnection } from './shared-state/redis-connection.ts';
import { SharedAnswerCache } from './shared-state/shared-answer-cache.ts';
import { SharedBreaker } from './shared-state/shared-breaker.ts';
import { identifiedSessionDays } from './config.ts';
import { createShelfService } from './shelf/shelf-service.ts';
import { freshSessionGate } from './http/fresh-sessions.ts';
import { addEventsRoute } from './http/routes/events.ts';
import { adminPageRoutes } from './admin/admin-routes.ts';
import { adminRoutes, operationsRoute, type Readiness } from './http/routes/operations.ts';
import { addRecommendationsRoute } from './http/routes/recommendations.ts';
import { addShelvesRoute } from './http/routes/shelves.ts';
import type { ApiRoutes } from './http/routes/api-routes.ts';
import type { SageMakerEndpoint } from './shelf/sagemaker-endpoint.ts';
import { experimentUnit } from './shared-state/experiment-unit.ts';
import { VariantLabels } from './shoppers/variant-label.ts';
import { erasureRouter } from './privacy/erasure-router.ts';
import { startProxyErasure } from './privacy/proxy-erasure.ts';

/** What the app is built from. */
export interface AppParts {
  config: ProxyConfig;
  catalog: CatalogIndex;
  placements: PlacementFile;
  eventLog: EventLog;
  endpoint: SageMakerEndpoint | undefined;
  logger: Logger;
}

/** The app and the live state tests and the launcher look at. */
export function createApp({ config, catalog, placements, eventLog, endpoint, logger }: AppParts) {
  const eventLoopDelay = watchEventLoopDelay();
  const metrics = createMetrics(eventLoopDelay);
  // Shared state only when Redis is configured: without it, nothing new is needed to run.
  const redis = config.redisUrl
    ? openRedisConnection({
        url: config.redisUrl,
        timeoutMs: config.redisTimeoutMs,
        keyPrefix: config.redisKeyPrefix,
        logger,
        onError: (operation) => metrics.sharedStateErrors.inc({ operation }),
        onDuration: (operation, ms) => metrics.sharedStateDuration.observe({ operation }, ms / 1000),
      })
    : undefined;
  if (redis) eventLog.shareIdempotency((own) => new SharedIdempotencyWindow(own, redis));
  // Ids stand in Redis as digests keyed with the pseudonym key, never raw, never a plain hash.
  const redisDigest = redis ? redisDigester(config.pseudonymKey) : undefined;
  let fleetBought: SharedRecentlyBought | undefined;
  if (redis && redisDigest)
    eventLog.shareRecentlyBought((own) => (fleetBought = new SharedRecentlyBought(own, redis, redisDigest)));
  const localCache = new AnswerCache({
    maxEntries: config.cacheMaxEntries,
    freshMs: config.cacheFreshMs,
    staleMs: config.cacheStaleMs,
  });
  const cache: AnswerStore =
    redis && redisDigest
      ? new SharedAnswerCache(localCache, redis, { staleMs: config.cacheStaleMs, digest: redisDigest })
      : localCache;
  // The erased list the shopper identity checks, and the erasure of this instance's copies (server/privacy/).
  const erasure = startProxyErasure({ config, eventLog, cache, redis, logger });
  const breakerOptions: BreakerOptions = {
    failures: config.breakerFailures,
    failureShare: config.breakerFailureShare,
    windowCalls: config.breakerWindowCalls,
    windowMs: config.breakerWindowMs,
    probeMs: config.breakerProbeMs,
    onChange: (state, { adopted }) => {
      metrics.breakerState.set(breakerStateLevels[state]);
      logger.warn({ state, fromFleet: adopted }, 'circuit breaker changed state');
    },
  };
  let breaker: Breaker;
  if (redis) {
    const shared = new SharedBreaker(redis, { ...breakerOptions, probeLeaseMs: config.hardCapMs + 1000, logger });
    shared.start();
    breaker = shared;
  } else breaker = new CircuitBreaker(breakerOptions);
  const bulkhead = new Bulkhead(config.maxInflight);
  // Arms, variants and answers by person, shared through Redis when on (serve./shared-state/experiment-unit.ts).
  const experiment = experimentUnit({
    holdoutPercent: config.holdoutPercent,
    variants: config.variants,
    answerMemory: { maxEntries: config.answerMemoryEntries, ttlMs: config.answerMemoryTtlS * 1000 },
    pinTtlMs: config.variantPinHours * 3_600_000,
    linkTtlMs: identifiedSessionDays * 86_400_000,
    maxPeople: config.answerMemoryEntries,
    redis,
    digest: redisDigest,
    metrics: { shoppers: metrics.experimentShoppers, holdoutShare: metrics.experimentHoldoutShare },
  });
  const { inHoldout, assignVariant } = experiment;
  // Without Redis the sign-in links live in this process: the ones the store holds are read back at start.
  if (!redis) for (const [sessionId, userId] of eventLog.identifiedAtStart) experiment.identify(sessionId, userId);
  const variantLabels = new VariantLabels(Object.keys(config.variants));
  const shelfService = createShelfService({
    catalog,
    rules: () => placements.current(),
    cache,
    breaker,
    bulkhead,
    endpoint,
    assignVariant,
    inHoldout,
    // With Redis, a customer's purchases anywhere in the fleet (one bounded read); without, this store's.
    recentlyBought: (userId, days) =>
      fleetBought && userId !== undefined
        ? fleetBought.fleetRecentlyBought(userId, days, Date.now())
        : eventLog.recentlyBought(userId, days),
    metrics,
    hardCapMs: config.hardCapMs,
    pseudonym: pseudonymizer(config.pseudonymKey),
    eventLoopDelayMs: () => eventLoopDelay.recentP99Ms(),
    logger,
    variantSeen: (variant) => variantLabels.saw(variant),
  });
  /** `draining`: SIGTERM came; `/readyz` says 503 so the balancer stops sending, requests are still served. */
  const state = { warmedUp: false, draining: false };

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  // Answers are no-store: hashing each one for an ETag would be wasted work.
  app.set('etag', false);
  app.set('query parser', 'simple');
  // What every request gets, in one layer (each layer is a step of the router's walk per request):
  // its arrival first, so the budget counts the proxy's own work; the security headers; and while
  // draining, `Connection: close`, so the balancer's idle sockets are gone by the close.
  app.use((req, res, next) => {
    stampArrival(req);
    setSecurityHeaders(res);
    if (state.draining) res.setHeader('Connection', 'close');
    next();
  });
  // The shelf's API first: it is the hot path. Its routes sit on the app itself, each walking the
  // API's own layers (CORS, and the rate limit when on) first: a router mounted at /v1 would be a
  // second walk per request, with the URL trimmed and restored around it.
  const apiLayers: express.RequestHandler[] = [corsAllowlist(config.allowedOrigins)];
  if (config.rateLimit > 0)
    apiLayers.push(
      rateLimit(
        config.rateLimit,
        () => metrics.rateLimited.inc(),
        clientCounter(
          config.rateLimit,
          redis && { redis, onSharedError: () => metrics.sharedStateErrors.inc({ operation: 'rate-limit' }) },
        ),
      ),
    );
  const api: ApiRoutes = { route: (path) => app.route(`/v1${path}` as string).all(...apiLayers) };
  const identities = shopperIdentity({
    secret: config.shopperTokenSecret,
    allowRawUserIds: config.allowRawUserIds,
    issuer: config.shopperTokenIssuer,
    audience: config.shopperTokenAudience,
    maxAgeS: config.shopperTokenMaxAgeS,
    isErased: (userId) => erasure.erased.has(userId),
  });
  // Counted only when published (RECO_CLOUDWATCH_METRICS): the data of the canary's shop-side alarm.
  const fallbackTally = config.cloudWatchMetrics ? new FallbackTally(Object.keys(config.variants)) : undefined;
  const servedShelves = fallbackTally ? countingFallbacks(shelfService, fallbackTally, assignVariant) : shelfService;
  const sessionGate = freshSessionGate({
    perMinute: config.freshSessionsPerMinute,
    shared: redis && { redis, onSharedError: () => metrics.sharedStateErrors.inc({ operation: 'fresh-sessions' }) },
  });
  addRecommendationsRoute(api, servedShelves, identities, metrics, logger, sessionGate, experiment.hooks);
  addShelvesRoute(api, servedShelves, identities, metrics, logger, sessionGate, experiment.hooks);
  addEventsRoute(
    api,
    eventLog,
    metrics,
    { callerOf: serverCallerOf(config.serverKey), identities, catalog },
    {
      armOf: (e) => experiment.armOf(e),
      variantLabel: (variant) => variantLabels.label(variant),
      recallAnswer: (requestId) => experiment.answers.recallAnswer(requestId),
      variantSeen: (variant) => variantLabels.saw(variant),
      identify: (sessionId, userId) => experiment.identify(sessionId, userId),
    },
    {
      eventsPerMinute: config.eventsPerMinute,
      counter: eventCounter(
        config.eventsPerMinute,
        redis && { redis, onSharedError: () => metrics.sharedStateErrors.inc({ operation: 'event-rate-limit' }) },
      ),
    },
  );
  // Any other /v1 path walks them too before its 404: a preflight or a refused origin is answered as before.
  app.use('/v1', ...apiLayers);
  const readiness: Readiness = {
    catalogProducts: () => catalog.size,
    rulesLoaded: () => placements.generation > 0,
    warmedUp: () => state.warmedUp,
    eventStore: () => eventLog.health(),
    draining: () => state.draining,
  };
  app.use(operationsRoute(readiness, config.widgetBundle, config.allowedOrigins));
  app.use(notFound);
  app.use(errorHandler(logger));

  // The admin listener's app: metrics (and health) for the operator's tools, apart from what the balancer forwards.
  const adminApp = express();
  adminApp.disable('x-powered-by');
  adminApp.set('etag', false);
  adminApp.use((_req, res, next) => {
    setSecurityHeaders(res);
    next();
  });
  adminApp.use(adminRoutes(metrics, readiness));
  // The merchandiser's page (server/admin/): off unless RECO_ADMIN_KEY or RECO_ADMIN_USER_HEADER is set.
  adminApp.use(
    adminPageRoutes({
      key: config.adminKey,
      userHeader: config.adminUserHeader,
      rulesFile: config.placementsFile,
      placements,
      shelfService,
      catalog,
      logger,
      // Erasing a customer (server/privacy/), behind the same sign-in and cross-site guard.
      apiRouters: [erasureRouter({ erase: erasure.erase })],
    }),
  );
  adminApp.use(notFound);
  adminApp.use(errorHandler(logger));
  return {
    app,
    adminApp,
    shelfService,
    breaker,
    cache,
    bulkhead,
    redis,
    metrics,
    state,
    eventLoopDelay,
    fallbackTally,
    erasure,
    experiment,
  };
}

/** A built proxy app with its state. */
export type ProxyApp = ReturnType<typeof createApp>;
