/** Starts the proxy from the environment; stops gracefully on SIGTERM/SIGINT. Logs with pino, as the proxy does. */
import { pino } from 'pino';
import { loadConfig } from './config.ts';
import { startProxy } from './proxy.ts';

const logger = pino({ base: { service: 'reco-proxy' } });
try {
  const config = loadConfig();
  logger.level = config.logLevel;
  const proxy = await startProxy(config, { logger });
  const stop = (signal: string): void => {
    logger.info({ signal, drainMs: config.drainMs }, 'reco-proxy: stopping, draining first');
    const force = setTimeout(() => {
      proxy.server.closeAllConnections();
      proxy.adminServer.closeAllConnections();
    }, config.drainMs + 10_000).unref();
    void proxy.shutdown().then(() => {
      clearTimeout(force);
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (error) {
  // A bad configuration is the usual cause: its message names every bad variable.
  logger.fatal({ err: error }, (error as Error).message);
  process.exit(1);
}
