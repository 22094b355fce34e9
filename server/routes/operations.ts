/** The operator's routes: liveness, readiness, metrics, and the widget bundle. */
import { Router } from 'express';
import type { EventStoreHealth } from '../events/event-log.ts';
import { widgetBundles } from '../http/widget-bundle.ts';
import type { Metrics } from '../metrics.ts';

/** What readiness is made of. */
export interface Readiness {
  catalogProducts: () => number;
  rulesLoaded: () => boolean;
  warmedUp: () => boolean;
  /** Whether events can be stored; shelves are served either way. */
  eventStore: () => EventStoreHealth;
  /** True from SIGTERM on: ready no more, though requests are still served. */
  draining: () => boolean;
}

/** `/healthz`, `/readyz`, `/metrics`, and the widget bundles. */
export function operationsRoute(
  metrics: Metrics,
  readiness: Readiness,
  widgetBundle: string,
  allowedOrigins: readonly string[],
): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    const events = readiness.eventStore();
    // Redis is not a check: without it shelves are still served, from this instance's own state.
    if (readiness.draining()) return void res.status(503).json({ status: 'draining' });
    const checks = {
      catalog: readiness.catalogProducts() > 0,
      rules: readiness.rulesLoaded(),
      warmUp: readiness.warmedUp(),
      events: events.writable,
    };
    const ready = Object.values(checks).every(Boolean);
    const started = checks.catalog && checks.rules && checks.warmUp;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : started ? 'not_ready' : 'starting',
      checks,
      ...(events.writable ? {} : { reasons: { events: events.reason } }),
    });
  });
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  router.use(widgetBundles(widgetBundle, allowedOrigins));
  return router;
}
