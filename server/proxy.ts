/**
 * Loads the proxy's parts (catalog, rules, event log, SageMaker client),
 * listens, and warms the SDK up with one call before reporting ready.
 */
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import { pino, type Logger } from 'pino';
import { warmUpInvocation } from '../contracts/invocation.ts';
import { createApp, type ProxyApp } from './app.ts';
import { clientErrorAnswer } from './http/api-error.ts';
import { type CatalogFile, openCatalogFile } from './shelf/catalog-file.ts';
import { type ProxyConfig, startProblems } from './config.ts';
import { EventLog } from './events/event-log.ts';
import { type SegmentShipper, startSegmentShipper } from './events/segment-shipper.ts';
import { openPlacementFile } from './shelf/placement-file.ts';
import { registerEventStoreMetrics } from './operations/metrics.ts';
import { type FallbackMetricPublisher, startFallbackMetricPublisher } from './shelf/fallback-metric-publisher.ts';
import { createSageMakerEndpoint, type EndpointOptions } from './shelf/sagemaker-endpoint.ts';

/** A listening proxy. */
export interface RunningProxy extends ProxyApp {
  server: Server;
  url: string;
  /** The admin listener (`RECO_ADMIN_PORT`, `RECO_ADMIN_HOST`): `/metrics`, `/healthz`, `/readyz`. */
  adminServer: Server;
  /** Its URL, e.g. `http://127.0.0.1:9464`. */
  adminUrl: string;
  eventLog: EventLog;
  /** Uploads closed segments when `RECO_EVENTS_S3_BUCKET` is set. */
  shipper: SegmentShipper | undefined;
  /** The configuration it runs with. */
  config: ProxyConfig;
  /** The live catalog file (its generation counts reloads). */
  catalogFile: CatalogFile;
  /** Publishes `RecoShelf/ModelFallbackPercent` when `RECO_CLOUDWATCH_METRICS` is on. */
  fallbackMetric: FallbackMetricPublisher | undefined;
  /** Resolves once the warm-up call has gone through the SDK (answered or not). */
  ready: Promise<void>;
  /** Stops taking requests (on both listeners), drains those in flight, flushes events. */
  close(): Promise<void>;
  /**
   * What SIGTERM does: not ready (`/readyz` 503) for `drainMs` while requests are still
   * served, so the balancer takes this instance out first; then `close()`.
   */
  shutdown(drainMs?: number): Promise<void>;
}

/** Starts a proxy with `config`; `credentials` bypass the AWS provider chain (tests, local runtime). */
export async function startProxy(
  config: ProxyConfig,
  options: { credentials?: EndpointOptions['credentials']; logger?: Logger } = {},
): Promise<RunningProxy> {
  const problems = startProblems(config);
  if (problems.length > 0) throw new Error(`config: ${problems.join('; ')}`);
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'reco-proxy' } });
  if (!existsSync(config.widgetBundle)) {
    // Not a reason to refuse: a proxy called only by a storefront's back end needs no script.
    logger.warn(
      { widgetBundle: config.widgetBundle },
      'RECO_WIDGET_BUNDLE names no file: /reco-shelf.js answers 404 (npm run build writes dist/reco-shelf.js)',
    );
  }
  const catalogFile = openCatalogFile(config.catalogFile, logger, config.catalogBaseUrl);
  const catalog = catalogFile.index;
  const placements = openPlacementFile(config.placementsFile, logger);
  const eventLog = await EventLog.open({
    dir: config.eventsDir,
    segmentBytes: config.eventsSegmentBytes,
    segmentSeconds: config.eventsSegmentSeconds,
    dedupHours: config.eventsDedupHours,
    maxDiskBytes: config.eventsMaxDiskBytes,
    retainHours: config.eventsRetainHours,
    // Purchases are kept for the longest look-back any placement (or the default rules) asks for.
    purchaseDays: () => {
      const book = placements.current();
      return Math.max(
        book.defaults.recentlyBoughtDays,
        ...[...book.placements.values()].map((r) => r.recentlyBoughtDays),
      );
    },
    logger,
  });
  const shipper = startSegmentShipper(config, eventLog, logger);
  const endpoint = createSageMakerEndpoint({
    endpointName: config.endpointName,
    region: config.region,
    endpointUrl: config.endpointUrl,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    logger,
  });
  const proxy = createApp({ config, catalog, placements, eventLog, endpoint, logger });
  proxy.erasure.attachShipper(shipper);
  registerEventStoreMetrics(proxy.metrics, eventLog, shipper);
  const fallbackMetric =
    proxy.fallbackTally &&
    startFallbackMetricPublisher({
      tally: proxy.fallbackTally,
      endpointName: config.endpointName,
      region: config.region,
      endpointUrl: config.cloudWatchEndpoint,
      credentials: options.credentials,
      logger,
      onPublished: (outcome) => proxy.metrics.cloudWatchPublishes.inc({ outcome }),
    });
  const server = proxy.app.listen(config.port, config.host);
  // Above the balancer's idle timeout, so it is always the balancer that closes an idle connection:
  // a proxy closing one the balancer is about to reuse is a 502 for a shopper.
  server.keepAliveTimeout = config.keepAliveTimeoutMs;
  server.headersTimeout = config.headersTimeoutMs;
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (socket.writable) socket.end(clientErrorAnswer(error));
    else socket.destroy();
  });
  // Listens once the public listener does, so a failed start never leaves it listening.
  const adminServer = createServer(proxy.adminApp);
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const drained = Promise.all(
        [server, adminServer].map((listener) => new Promise<void>((resolve) => listener.close(() => resolve()))),
      );
      server.closeIdleConnections();
      adminServer.closeIdleConnections();
      await drained;
      // After the drain, so the last requests are in the last period it sends.
      await fallbackMetric?.stop();
      placements.close();
      catalogFile.close();
      proxy.eventLoopDelay.stop();
      proxy.erasure.stop();
      await eventLog.close();
      await shipper?.stop();
      endpoint.close();
      proxy.breaker.close?.();
      await proxy.redis?.close();
    })());
  let listening: 'public' | 'admin' = 'public';
  try {
    await once(server, 'listening');
    listening = 'admin';
    adminServer.listen(config.adminPort, config.adminHost);
    await once(adminServer, 'listening');
  } catch (error) {
    // Nothing opened above may outlive a failed start (a test process would never end).
    await close();
    if (listening === 'public') throw error;
    // Several instances on one host each need their own admin port: say which variable moves it.
    throw new Error(
      `reco-proxy admin listener: ${(error as Error).message} (RECO_ADMIN_PORT=${config.adminPort} moves it; ` +
        'each instance on a host needs its own)',
    );
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  // An IPv6 address (`RECO_ADMIN_HOST=::1`) goes in brackets in a URL.
  const adminHost = isIP(config.adminHost) === 6 ? `[${config.adminHost}]` : config.adminHost;
  const adminUrl = `http://${adminHost}:${(adminServer.address() as AddressInfo).port}`;
  logger.info(
    { url, adminUrl, products: catalog.size, endpoint: config.endpointName, events: eventLog.stats() },
    'reco-proxy listening',
  );

  const ready = endpoint
    .invoke(warmUpInvocation, { requestId: 'warm-up', signal: AbortSignal.timeout(config.hardCapMs) })
    .then(
      () => logger.info('reco-proxy ready: warm-up call answered'),
      (error: unknown) =>
        logger.warn(
          { err: (error as Error).name },
          'reco-proxy ready: warm-up call failed, answering from fallback until the cloud is back',
        ),
    )
    .then(() => {
      proxy.state.warmedUp = true;
    });

  let shuttingDown: Promise<void> | undefined;
  const shutdown = (drainMs = config.drainMs): Promise<void> =>
    (shuttingDown ??= (async () => {
      proxy.state.draining = true;
      logger.info({ drainMs }, 'reco-proxy draining: not ready, still serving');
      await new Promise((resolve) => setTimeout(resolve, drainMs));
      await close();
    })());
  return {
    ...proxy,
    config,
    server,
    url,
    adminServer,
    adminUrl,
    eventLog,
    shipper,
    fallbackMetric,
    catalogFile,
    ready,
    close,
    shutdown,
  };
}
