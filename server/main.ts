/** Starts the proxy from the environment; stops gracefully on SIGTERM/SIGINT. */
import { loadConfig } from './config.ts';
import { startProxy } from './proxy.ts';

try {
  const config = loadConfig();
  const proxy = await startProxy(config);
  const stop = (signal: string): void => {
    console.error(JSON.stringify({ msg: `reco-proxy: ${signal}, draining` }));
    const force = setTimeout(() => proxy.server.closeAllConnections(), 10_000).unref();
    void proxy.close().then(() => {
      clearTimeout(force);
      process.exit(0);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
