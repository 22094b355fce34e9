/**
 * The inference container's entry point (`npm run model:serve`, or `docker run IMAGE serve`
 * as SageMaker starts it). Environment:
 *   SM_MODEL_DIR            artifact folder (default /opt/ml/model; if that does not exist,
 *                           the project's model/artifacts/model/ so it runs on a laptop)
 *   SAGEMAKER_BIND_TO_PORT  port (default 8080)
 *   SAGEMAKER_BIND_HOST     interface (default 127.0.0.1; the Docker image sets 0.0.0.0)
 * Stops cleanly on SIGTERM/SIGINT; exits 1 when the model cannot be loaded.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createInferenceServer } from './container/app.ts';

// model/artifacts/model/ (shipped-config.ts's defaultModelDir), computed here so that serving
// does not import the training side (shipped-config.ts imports every candidate model).
const defaultModelDir = fileURLToPath(new URL('./artifacts/model/', import.meta.url));

const args = process.argv.slice(2);
if (args.length > 0 && args[0] !== 'serve') {
  console.error(`serve: unknown command "${args[0]}" (SageMaker starts the image with "serve")`);
  process.exit(2);
}
const modelDir =
  process.env.SM_MODEL_DIR ?? (existsSync('/opt/ml/model/manifest.json') ? '/opt/ml/model' : defaultModelDir);
const port = Number(process.env.SAGEMAKER_BIND_TO_PORT ?? 8080);
const host = process.env.SAGEMAKER_BIND_HOST ?? '127.0.0.1';
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`serve: SAGEMAKER_BIND_TO_PORT must be a port number, got "${process.env.SAGEMAKER_BIND_TO_PORT}"`);
  process.exit(2);
}

const { server, ready } = createInferenceServer({ modelDir });
server.keepAliveTimeout = 65_000; // outlive the caller's idle keep-alive, as SageMaker's docs ask of containers
server.listen(port, host, () => console.log(`serve: listening on http://${host}:${port}, loading ${modelDir}`));
ready.then(
  () => console.log(`serve: model loaded; /ping is 200`),
  (error: Error) => {
    console.error(`serve: cannot load the model from ${modelDir}: ${error.message}`);
    process.exit(1);
  },
);

function stop(signal: string): void {
  console.log(`serve: ${signal}, closing`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5_000).unref(); // in-flight calls get 5 s
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
