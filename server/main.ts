/** Starts the proxy from the environment; stops gracefully on SIGTERM/SIGINT. */
import { loadConfig } from './config.ts';
import { startProxy } from './proxy.ts';

try {
  const config = loadConfig();
  const proxy = await startProxy(config);
  const stop = (signal: string): void => {
    console.error(JSON.stringify({ msg: `reco-proxy: ${signal}, draining for ${config.drainMs} ms` }));
    const force = setTimeout(() => proxy.server.closeAllConnections(), config.drainMs + 10_000).unref();
    void proxy.shutdown().then(() => {
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
