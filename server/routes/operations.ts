/** The operator's routes: liveness, readiness, metrics, and the widget bundle. */
import { existsSync } from 'node:fs';
import { Router } from 'express';
import { sendError } from '../http/api-error.ts';
import type { Metrics } from '../metrics.ts';

/** What readiness is made of. */
export interface Readiness {
  catalogProducts: () => number;
  rulesLoaded: () => boolean;
  warmedUp: () => boolean;
}

/** `/healthz`, `/readyz`, `/metrics`, `/reco-shelf.js`. */
export function operationsRoute(metrics: Metrics, readiness: Readiness, widgetBundle: string): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    const checks = { catalog: readiness.catalogProducts() > 0, rules: readiness.rulesLoaded(), warmUp: readiness.warmedUp() };
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'starting', checks });
  });
  router.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  router.get('/reco-shelf.js', (_req, res) => {
    if (!existsSync(widgetBundle)) return sendError(res, 404, 'not_found', 'the widget bundle is not built: run npm run build');
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
    res.sendFile(widgetBundle, { headers: { 'Content-Type': 'text/javascript; charset=utf-8' } });
  });
  return router;
}
