/** The operator's routes: liveness, readiness, metrics, and the widget bundle. */
import { Router } from 'express';
import { widgetBundle as serveWidgetBundle } from '../http/widget-bundle.ts';
import type { Metrics } from '../metrics.ts';

/** What readiness is made of. */
export interface Readiness {
  catalogProducts: () => number;
  rulesLoaded: () => boolean;
  warmedUp: () => boolean;
  /** True from SIGTERM on: ready no more, though requests are still served. */
  draining: () => boolean;
}

/** `/healthz`, `/readyz`, `/metrics`, `/reco-shelf.js`. */
export function operationsRoute(metrics: Metrics, readiness: Readiness, widgetBundle: string): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    // Redis is not a check: without it shelves are still served, from this instance's own state.
    if (readiness.draining()) return void res.status(503).json({ status: 'draining' });
    const checks = {
      catalog: readiness.catalogProducts() > 0,
      rules: readiness.rulesLoaded(),
      warmUp: readiness.warmedUp(),
    };
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'starting', checks });
  });
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  router.get('/reco-shelf.js', serveWidgetBundle(widgetBundle));
  return router;
}
