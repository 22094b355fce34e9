/**
 * Starts the demo storefront; logs pino JSON lines on stdout. Environment (read by
 * `environment/read-environment.ts`): `STOREFRONT_PORT` (8000), `PROXY_URL` (http://localhost:3000),
 * `LOCAL_SAGEMAKER_URL` (http://127.0.0.1:8080), `LOG_LEVEL` (info), `STOREFRONT_SHELF_TIMEOUT_MS` (300: how long
 * a page waits for its server-rendered shelves before it leaves them to the script), `RECO_SHOPPER_TOKEN_SECRET`
 * and `RECO_SERVER_KEY` (the development keys, `environment/development-keys.ts`; a real storefront shares its own
 * with the proxy).
 */
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { httpUrl, logLevel, port, secretKey, wholeNumber } from '../../environment/parsers.ts';
import { type EnvironmentTable, readEnvironment } from '../../environment/read-environment.ts';
import { developmentServerKey, developmentShopperTokenSecret } from '../../environment/development-keys.ts';
import { createStorefront } from './server.ts';

const defaults = {
  port: 8000,
  proxyUrl: 'http://localhost:3000',
  proxyAdminUrl: 'http://127.0.0.1:9464',
  runtimeUrl: 'http://127.0.0.1:8080',
  logLevel: 'info',
  shopperTokenSecret: developmentShopperTokenSecret,
  serverKey: developmentServerKey,
  shelfTimeoutMs: 300,
};
const fromEnv = {
  STOREFRONT_PORT: ['port', port],
  PROXY_URL: ['proxyUrl', httpUrl],
  PROXY_ADMIN_URL: ['proxyAdminUrl', httpUrl],
  LOCAL_SAGEMAKER_URL: ['runtimeUrl', httpUrl],
  LOG_LEVEL: ['logLevel', logLevel],
  RECO_SHOPPER_TOKEN_SECRET: ['shopperTokenSecret', secretKey],
  RECO_SERVER_KEY: ['serverKey', secretKey],
  STOREFRONT_SHELF_TIMEOUT_MS: ['shelfTimeoutMs', wholeNumber(1, 60_000)],
} as const satisfies EnvironmentTable<typeof defaults>;

const logger = pino({ base: { service: 'demo-storefront' } });
try {
  const settings = readEnvironment('storefront', defaults, fromEnv);
  logger.level = settings.logLevel;
  const { proxyUrl, proxyAdminUrl, runtimeUrl, shopperTokenSecret, serverKey, shelfTimeoutMs } = settings;
  const server = createStorefront({
    proxyUrl,
    proxyAdminUrl,
    runtimeUrl,
    shopperTokenSecret,
    serverKey,
    shelfTimeoutMs,
    logger,
  });
  server.listen(settings.port, '127.0.0.1', () =>
    logger.info({ port: (server.address() as AddressInfo).port }, 'storefront listening'),
  );
  const stop = (): void => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
} catch (error) {
  logger.fatal({ err: error }, 'storefront failed to start');
  process.exit(1);
}
