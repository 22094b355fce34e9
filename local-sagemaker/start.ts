/**
 * Process entry of the local SageMaker Runtime (`tsx local-sagemaker/start.ts`), configured
 * from the environment; listens on 127.0.0.1 only and stops cleanly on SIGTERM/SIGINT.
 *
 * Env: SAGEMAKER_PORT (8080), SAGEMAKER_ENDPOINT_NAME (reco-shelf),
 * LOCAL_SAGEMAKER_ACCESS_KEY_ID / LOCAL_SAGEMAKER_SECRET_ACCESS_KEY (documented local pair),
 * AWS_REGION (eu-west-2), LOCAL_SAGEMAKER_VARIANTS (AllTraffic=http://127.0.0.1:8081;
 * `Name=url[@weight],…`), LOCAL_SAGEMAKER_LOG_INVOCATIONS=1 to log every call.
 */
import type { AddressInfo } from 'node:net';
import { createLocalRuntime } from './app.ts';
import {
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ENDPOINT_NAME,
  DEFAULT_PORT,
  DEFAULT_REGION,
  DEFAULT_SECRET_ACCESS_KEY,
  DEFAULT_VARIANTS_SPEC,
} from './defaults.ts';
import { parseVariantsSpec } from './variants.ts';

function log(line: object, stream: NodeJS.WriteStream = process.stdout): void {
  stream.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_PORT;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`local-sagemaker: SAGEMAKER_PORT must be an integer 0..65535, got "${raw}"`);
  }
  return port;
}

function main(): void {
  const env = process.env;
  const logEveryCall = env.LOCAL_SAGEMAKER_LOG_INVOCATIONS === '1';
  const variants = parseVariantsSpec(env.LOCAL_SAGEMAKER_VARIANTS || DEFAULT_VARIANTS_SPEC);
  const port = parsePort(env.SAGEMAKER_PORT);
  const runtime = createLocalRuntime({
    endpointName: env.SAGEMAKER_ENDPOINT_NAME || DEFAULT_ENDPOINT_NAME,
    accessKeyId: env.LOCAL_SAGEMAKER_ACCESS_KEY_ID || DEFAULT_ACCESS_KEY_ID,
    secretAccessKey: env.LOCAL_SAGEMAKER_SECRET_ACCESS_KEY || DEFAULT_SECRET_ACCESS_KEY,
    region: env.AWS_REGION || DEFAULT_REGION,
    variants,
    // Successful calls are only logged on request: benchmarks run through this process.
    logger: (line) => {
      if (logEveryCall || (line as { msg?: string }).msg !== 'invocation') log(line);
    },
  });
  const { server } = runtime;
  server.on('error', (err) => {
    log({ msg: 'local-sagemaker failed', error: err.message }, process.stderr);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => {
    const address = server.address() as AddressInfo;
    log({
      msg: 'local-sagemaker listening',
      port: address.port,
      endpointName: env.SAGEMAKER_ENDPOINT_NAME || DEFAULT_ENDPOINT_NAME,
      variants: variants.map((v) => ({ name: v.name, url: v.url, weight: v.weight })),
    });
  });
  const stop = (signal: string): void => {
    log({ msg: 'local-sagemaker stopping', signal });
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

try {
  main();
} catch (err) {
  log(
    { msg: 'local-sagemaker failed to start', error: err instanceof Error ? err.message : String(err) },
    process.stderr,
  );
  process.exit(1);
}
