/**
 * The inference container's entry point (`npm run model:serve`, or `docker run IMAGE serve`
 * as SageMaker starts it). Environment (read by `environment/read-environment.ts`):
 *   SM_MODEL_DIR            artifact folder (default /opt/ml/model; if that does not exist,
 *                           the project's model/artifacts/model/ so it runs on a laptop)
 *   SAGEMAKER_BIND_TO_PORT  port (default 8080)
 *   SAGEMAKER_BIND_HOST     interface (default 127.0.0.1; the Docker image sets 0.0.0.0)
 *   LOG_LEVEL               pino level (default info); logs are JSON lines on stdout
 * Stops cleanly on SIGTERM/SIGINT; exits 2 on a bad command or variable, 1 when the model
 * cannot be loaded.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { logLevel, nonEmptyText, port } from '../../environment/parsers.ts';
import { type EnvironmentTable, readEnvironment } from '../../environment/read-environment.ts';
import { createInferenceServer } from './app.ts';

// model/artifacts/model/ (shipped-config.ts's defaultModelDir), computed here so that serving
// does not import the training side (shipped-config.ts imports every candidate model).
const defaultModelDir = fileURLToPath(new URL('../artifacts/model/', import.meta.url));

const defaults = {
  modelDir: existsSync('/opt/ml/model/manifest.json') ? '/opt/ml/model' : defaultModelDir,
  port: 8080,
  host: '127.0.0.1',
  logLevel: 'info',
};
const fromEnv = {
  SM_MODEL_DIR: ['modelDir', nonEmptyText],
  SAGEMAKER_BIND_TO_PORT: ['port', port],
  SAGEMAKER_BIND_HOST: ['host', nonEmptyText],
  LOG_LEVEL: ['logLevel', logLevel],
} as const satisfies EnvironmentTable<typeof defaults>;

const logger = pino({ base: { service: 'reco-model-container' } });
const args = process.argv.slice(2);
if (args.length > 0 && args[0] !== 'serve') {
  logger.fatal(`serve: unknown command "${args[0]}" (SageMaker starts the image with "serve")`);
  process.exit(2);
}
let settings: typeof defaults;
try {
  settings = readEnvironment('serve', defaults, fromEnv);
} catch (error) {
  logger.fatal((error as Error).message);
  process.exit(2);
}
logger.level = settings.logLevel;
const { modelDir, host } = settings;

const { server, ready } = createInferenceServer({ modelDir, logger });
server.keepAliveTimeout = 65_000; // outlive the caller's idle keep-alive, as SageMaker's docs ask of containers
server.listen(settings.port, host, () => logger.info({ host, port: settings.port, modelDir }, 'serve: listening'));
ready.then(
  () => logger.info('serve: model loaded; /ping is 200'),
  (error: Error) => {
    logger.fatal({ modelDir, err: error }, 'serve: cannot load the model');
    process.exit(1);
  },
);

function stop(signal: string): void {
  logger.info({ signal }, 'serve: closing');
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 5_000).unref(); // in-flight calls get 5 s
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
