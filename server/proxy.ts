/**
 * Loads the proxy's parts (catalog, rules, event log, SageMaker client),
 * listens, and warms the SDK up with one call before reporting ready.
 */
import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { createApp, type ProxyApp } from './app.ts';
import { clientErrorAnswer } from './http/api-error.ts';
import { loadCatalogIndex } from './catalog-index.ts';
import type { ProxyConfig } from './config.ts';
import { EventLog } from './events/event-log.ts';
import { type SegmentShipper, startSegmentShipper } from './events/segment-shipper.ts';
import { openPlacementFile } from './placement-file.ts';
import { registerEventStoreMetrics } from './metrics.ts';
import { createSageMakerEndpoint, type EndpointOptions } from './sagemaker-endpoint.ts';

/** A listening proxy. */
export interface RunningProxy extends ProxyApp {
  server: Server;
  url: string;
  eventLog: EventLog;
  /** Uploads closed segments when `RECO_EVENTS_S3_BUCKET` is set. */
  shipper: SegmentShipper | undefined;
  /** Resolves once the warm-up call has gone through the SDK (answered or not). */
  ready: Promise<void>;
  /** Stops taking requests, drains those in flight, flushes events. */
  close(): Promise<void>;
}

/** Starts a proxy with `config`; `credentials` bypass the AWS provider chain (tests, local runtime). */
export async function startProxy(
  config: ProxyConfig,
  options: { credentials?: EndpointOptions['credentials']; logger?: Logger } = {},
): Promise<RunningProxy> {
  const logger = options.logger ?? pino({ level: config.logLevel, base: { service: 'reco-proxy' } });
  const catalog = loadCatalogIndex(config.catalogFile, config.catalogBaseUrl);
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
  });
  const proxy = createApp({ config, catalog, placements, eventLog, endpoint, logger });
  registerEventStoreMetrics(proxy.metrics, eventLog, shipper);
  const server = proxy.app.listen(config.port, config.host);
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (socket.writable) socket.end(clientErrorAnswer(error));
    else socket.destroy();
  });
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  logger.info(
    { url, products: catalog.size, endpoint: config.endpointName, events: eventLog.stats() },
    'reco-proxy listening',
  );

  const ready = endpoint
    .invoke(
      { items: [], k: 1, exclude: [], placement: 'warm-up' },
      { requestId: 'warm-up', signal: AbortSignal.timeout(config.hardCapMs) },
    )
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

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await drained;
      placements.close();
      proxy.eventLoopDelay.stop();
      await eventLog.close();
      await shipper?.stop();
      endpoint.close();
    })());
  return { ...proxy, server, url, eventLog, shipper, ready, close };
}
