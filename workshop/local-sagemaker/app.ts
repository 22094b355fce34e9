/**
 * The local SageMaker Runtime: a plain `node:http` server speaking InvokeEndpoint's wire
 * protocol (SigV4 `sagemaker`, AWS REST-JSON errors) in front of model containers, with
 * the cloud-weather switch and invocation counters for tests, benchmarks and the demo; and
 * CloudWatch's `PutMetricData` (SigV4 `monitoring`, awsJson1_0), which records what the proxy publishes.
 */
import http from 'node:http';
import { type Logger, pino } from 'pino';
import { sendAwsError, unknownOperation } from './aws-errors.ts';
import { WeatherState } from './weather.ts';
import { createContainerClient } from './container-client.ts';
import { ContainerReadiness } from './container-readiness.ts';
import { handleControlRoute } from './control-routes.ts';
import { type DataCaptureOptions, dataCaptureWriter } from './data-capture.ts';
import { DEFAULT_CONTAINER_TIMEOUT_MS, LOCAL_ACCOUNT_ID } from './defaults.ts';
import { header, type InvocationStats, type InvokeContext } from './invoke-context.ts';
import { cloudWatchTarget, handleCloudWatchCall, type RecordedDatum } from './put-metric-data.ts';
import { handleInvokeEndpoint } from './invoke-endpoint.ts';
import { createSigV4Verifier } from './sigv4-verify.ts';
import type { Variant } from './variants.ts';
import { assertValidVariants } from './variants.ts';

/** How to build a local runtime. */
export interface LocalRuntimeOptions {
  endpointName: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  /** Production variants; a call goes to one by weight, or by `TargetVariant`. */
  variants: Array<{ name: string; url: string; weight: number }>;
  /** Source of randomness for weighted routing, in [0, 1); inject a seeded one for tests. */
  random?: () => number;
  /**
   * Where notable events are logged (never credentials): each finished invocation at `debug`,
   * rejections and weather changes above. Silent by default.
   */
  logger?: Logger;
  /** Account id quoted in errors; default `000000000000`. */
  accountId?: string;
  /** How long a container may take before a ModelError; default 60 s like SageMaker. */
  containerTimeoutMs?: number;
  /** Clock for signature freshness; default `Date.now`. */
  now?: () => number;
  /** Writes answered calls in SageMaker's data-capture layout below `dir` (`data-capture.ts`). */
  dataCapture?: DataCaptureOptions;
}

/** A runtime ready to `listen`. */
export interface LocalRuntime {
  /** Not yet listening; closing it also closes the pooled container sockets. */
  server: http.Server;
  /** The cloud-weather switch, also reachable over `POST /_weather`. */
  weather: WeatherState;
  /** Live counters, also reachable over `GET /_stats`. */
  stats: InvocationStats;
  /** The production variants now routed to; replaced by `POST /_variants`. */
  variants(): readonly Variant[];
  /** CloudWatch datums accepted by `PutMetricData`, in order; also `GET /_metric-data`. */
  metricData: RecordedDatum[];
}

const INVOCATIONS_PATH = /^\/endpoints\/([^/?]+)\/invocations$/;

/** Builds the runtime; throws a `local-sagemaker:` error on bad options. */
export function createLocalRuntime(options: LocalRuntimeOptions): LocalRuntime {
  const variants: Variant[] = options.variants.map((v) => ({ ...v, url: v.url.replace(/\/+$/, '') }));
  assertValidVariants(variants);
  for (const key of ['endpointName', 'accessKeyId', 'secretAccessKey', 'region'] as const) {
    if (!options[key]) throw new Error(`local-sagemaker: option ${key} is required`);
  }
  const logger = options.logger ?? pino({ level: 'silent' });
  const weather = new WeatherState();
  const stats: InvocationStats = {
    invocations: 0,
    byVariant: Object.fromEntries(variants.map((v) => [v.name, 0])),
  };
  const containers = createContainerClient();
  // As SageMaker, the stand-in pings each variant's container until it answers 200 before serving it.
  const readiness = new ContainerReadiness(logger);
  readiness.watch(variants);
  const ctx: InvokeContext = {
    endpointName: options.endpointName,
    region: options.region,
    accountId: options.accountId ?? LOCAL_ACCOUNT_ID,
    variants,
    random: options.random ?? Math.random,
    verify: createSigV4Verifier({
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      region: options.region,
      service: 'sagemaker',
      ...(options.now ? { now: options.now } : {}),
    }),
    weather,
    stats,
    containers,
    readiness,
    containerTimeoutMs: options.containerTimeoutMs ?? DEFAULT_CONTAINER_TIMEOUT_MS,
    logger,
    ...(options.dataCapture ? { capture: dataCaptureWriter(options.dataCapture) } : {}),
  };

  // Replaced whole by `POST /_variants`; each call reads `ctx.variants` once, when it picks.
  const variantsHolder = {
    get: (): readonly Variant[] => ctx.variants,
    set: (next: readonly Variant[]): void => {
      ctx.variants = next;
      readiness.watch(next);
    },
  };

  // CloudWatch shares the port (routed by X-Amz-Target), so one local process stands in for both services.
  const metricData: RecordedDatum[] = [];
  const cloudWatch = {
    verify: createSigV4Verifier({
      accessKeyId: options.accessKeyId,
      secretAccessKey: options.secretAccessKey,
      region: options.region,
      service: 'monitoring',
      ...(options.now ? { now: options.now } : {}),
    }),
    recorded: metricData,
    now: options.now ?? Date.now,
  };

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0] ?? '/';
    const handled = (async (): Promise<void> => {
      const invocation = INVOCATIONS_PATH.exec(path);
      if (invocation && req.method === 'POST') {
        await handleInvokeEndpoint(req, res, invocation[1] ?? '', ctx);
      } else if (
        path === '/' &&
        req.method === 'POST' &&
        header(req, 'x-amz-target')?.startsWith(`${cloudWatchTarget}.`)
      ) {
        await handleCloudWatchCall(req, res, cloudWatch);
      } else if (
        !(await handleControlRoute(req, res, path, { weather, stats, variants: variantsHolder, metricData, logger }))
      ) {
        req.resume();
        sendAwsError(res, 'local', unknownOperation());
      }
    })();
    handled.catch((err: unknown) => {
      // A client that vanished mid-body is not an error worth more than a log line.
      logger.warn({ path, err }, 'request failed');
      if (!res.headersSent && !res.destroyed)
        sendAwsError(res, 'local', {
          status: 500,
          type: 'InternalFailure',
          body: { Message: 'local-sagemaker: internal error' },
        });
    });
  });
  // Longer than SDK keep-alive reuse windows, so a pooled socket is not closed under a request.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on('close', () => {
    containers.destroy();
    readiness.stop();
  });
  return { server, weather, stats, variants: variantsHolder.get, metricData };
}
