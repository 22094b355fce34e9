/**
 * Process entry of the local SageMaker Runtime (`tsx workshop/local-sagemaker/start.ts`), configured
 * from the environment (read by `environment/read-environment.ts`); listens on 127.0.0.1 only,
 * logs pino JSON lines on stdout and stops cleanly on SIGTERM/SIGINT.
 *
 * Env: SAGEMAKER_PORT (8080), SAGEMAKER_ENDPOINT_NAME (reco-shelf),
 * LOCAL_SAGEMAKER_ACCESS_KEY_ID / LOCAL_SAGEMAKER_SECRET_ACCESS_KEY (documented local pair),
 * AWS_REGION (eu-west-2), LOCAL_SAGEMAKER_VARIANTS (AllTraffic=http://127.0.0.1:8081;
 * `Name=url[@weight],…`), LOCAL_SAGEMAKER_LOG_INVOCATIONS=true to log every call (level debug),
 * LOCAL_SAGEMAKER_CAPTURE_DIR (unset: no data capture) to capture answered calls as SageMaker lays
 * them out, LOG_LEVEL (info).
 */
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { z } from 'zod';
import {
  awsRegion,
  logLevel,
  nonEmptyText,
  port,
  sagemakerEndpointName,
  trueOrFalse,
} from '../../environment/parsers.ts';
import { type EnvironmentTable, readEnvironment } from '../../environment/read-environment.ts';
import { createLocalRuntime } from './app.ts';
import {
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ENDPOINT_NAME,
  DEFAULT_PORT,
  DEFAULT_REGION,
  DEFAULT_SECRET_ACCESS_KEY,
  DEFAULT_VARIANTS_SPEC,
} from './defaults.ts';
import { parseVariantsSpec, type Variant } from './variants.ts';

const defaults = {
  port: DEFAULT_PORT,
  endpointName: DEFAULT_ENDPOINT_NAME,
  accessKeyId: DEFAULT_ACCESS_KEY_ID,
  secretAccessKey: DEFAULT_SECRET_ACCESS_KEY,
  region: DEFAULT_REGION,
  variants: parseVariantsSpec(DEFAULT_VARIANTS_SPEC),
  logInvocations: false,
  captureDir: undefined as string | undefined,
  logLevel: 'info',
};

/** `Name=url[@weight],…`, refused with `parseVariantsSpec`'s reason (without its process prefix). */
const variantsSpec = z.string().transform((spec, ctx): Variant[] => {
  try {
    return parseVariantsSpec(spec);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message.replace(/^local-sagemaker: /, '') });
    return z.NEVER;
  }
});

const fromEnv = {
  SAGEMAKER_PORT: ['port', port],
  SAGEMAKER_ENDPOINT_NAME: ['endpointName', sagemakerEndpointName],
  LOCAL_SAGEMAKER_ACCESS_KEY_ID: ['accessKeyId', nonEmptyText],
  LOCAL_SAGEMAKER_SECRET_ACCESS_KEY: ['secretAccessKey', nonEmptyText],
  AWS_REGION: ['region', awsRegion],
  LOCAL_SAGEMAKER_VARIANTS: ['variants', variantsSpec],
  LOCAL_SAGEMAKER_LOG_INVOCATIONS: ['logInvocations', trueOrFalse],
  LOCAL_SAGEMAKER_CAPTURE_DIR: ['captureDir', nonEmptyText],
  LOG_LEVEL: ['logLevel', logLevel],
} as const satisfies EnvironmentTable<typeof defaults>;

const logger = pino({ base: { service: 'local-sagemaker' } });

function main(): void {
  const settings = readEnvironment('local-sagemaker', defaults, fromEnv);
  // Each finished call is logged at debug, so only on request: benchmarks run through this process.
  const { values } = logger.levels;
  const askedForCalls = settings.logInvocations && values[settings.logLevel]! > values.debug!;
  logger.level = askedForCalls ? 'debug' : settings.logLevel;
  const { endpointName, variants } = settings;
  const runtime = createLocalRuntime({
    endpointName,
    accessKeyId: settings.accessKeyId,
    secretAccessKey: settings.secretAccessKey,
    region: settings.region,
    variants,
    logger,
    ...(settings.captureDir ? { dataCapture: { dir: settings.captureDir } } : {}),
  });
  const { server } = runtime;
  server.on('error', (err) => {
    logger.fatal({ err }, 'local-sagemaker failed');
    process.exit(1);
  });
  server.listen(settings.port, '127.0.0.1', () => {
    const address = server.address() as AddressInfo;
    logger.info(
      {
        port: address.port,
        endpointName,
        variants: variants.map((v) => ({ name: v.name, url: v.url, weight: v.weight })),
      },
      'local-sagemaker listening',
    );
  });
  const stop = (signal: string): void => {
    logger.info({ signal }, 'local-sagemaker stopping');
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

try {
  main();
} catch (err) {
  logger.fatal({ err }, 'local-sagemaker failed to start');
  process.exit(1);
}
