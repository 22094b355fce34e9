/** The operator's routes: liveness, readiness, metrics (on the admin listener), and the widget bundle. */
import { Router } from 'express';
import type { EventStoreHealth } from '../../events/event-log.ts';
import { widgetBundles } from '../widget-bundle.ts';
import type { Metrics } from '../../operations/metrics.ts';

/** What readiness is made of. */
export interface Readiness {
  catalogProducts: () => number;
  rulesLoaded: () => boolean;
  warmedUp: () => boolean;
  /** Whether events can be stored: reported, not checked (shelves are served either way). */
  eventStore: () => EventStoreHealth;
  /** True from SIGTERM on: ready no more, though requests are still served. */
  draining: () => boolean;
}

/**
 * `/healthz` and `/readyz`: on the public listener (the balancer checks them) and on the admin one.
 * Ready means shelves can be served: catalog, rules, the warm-up call, not draining. The event
 * store's state is in the body (`events`, and the `reason` it cannot write), not a check: a full
 * event disk refuses events (503) but must not take an instance's shelves out of the balancer.
 */
export function healthRoutes(readiness: Readiness): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    const store = readiness.eventStore();
    const events = store.writable ? { events: 'ok' } : { events: 'unavailable', reason: store.reason };
    // Redis is not a check: without it shelves are still served, from this instance's own state.
    if (readiness.draining()) return void res.status(503).json({ status: 'draining', ...events });
    const checks = {
      catalog: readiness.catalogProducts() > 0,
      rules: readiness.rulesLoaded(),
      warmUp: readiness.warmedUp(),
    };
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'starting', checks, ...events });
  });
  return router;
}

/** The public listener's operator routes: health, readiness and the widget bundles (no `/metrics`). */
export function operationsRoute(readiness: Readiness, widgetBundle: string, allowedOrigins: readonly string[]): Router {
  const router = Router();
  router.use(healthRoutes(readiness));
  router.use(widgetBundles(widgetBundle, allowedOrigins));
  return router;
}

/** The admin listener's routes: health, readiness and `/metrics` (Prometheus text). */
export function adminRoutes(metrics: Metrics, readiness: Readiness): Router {
  const router = Router();
  router.use(healthRoutes(readiness));
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return router;
}
