/**
 * The proxy's test stack, all real but the model: the proxy (in process) →
 * the real AWS SDK → the local SageMaker runtime (SigV4 checked) → a scripted
 * model container that records what it was asked. Everything on 127.0.0.1.
 */
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { WeatherMode } from '../local-sagemaker/weather.ts';
import { answeredNotHungBudgetMs, placementsWithBudget } from './placements.ts';
import { setWeather } from './weather.ts';
import { startLocalRuntime, type StartedLocalRuntime } from './local-sagemaker.ts';
import { loadConfig, type ProxyConfig } from '../../server/config.ts';
import { startProxy, type RunningProxy } from '../../server/proxy.ts';
import type { RecommendationAnswer } from '../../server/shelf/shelf-service.ts';
import {
  type BatchInvocation,
  type BatchInvocationAnswer,
  batchInvocationSchema,
  type Invocation,
  type InvocationAnswer,
  invocationSchema,
} from '../../contracts/invocation.ts';

/** The model's answer to one request. */
export type ScriptedModel = (request: Invocation) => InvocationAnswer;

/** Answers with the ids it is given, for every shopper. */
export const answersWith =
  (ids: string[], modelVersion = 'test-model-1'): ScriptedModel =>
  () => ({
    recommendations: ids.map((itemId, i) => ({ itemId, score: 1 - i / 100 })),
    modelVersion,
  });

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

/**
 * A model container on a free port whose answers a test scripts. A batch body is answered shelf by shelf
 * from `model`, or refused with a 400 as a container without it would (`batch: false`), or read as a single
 * body (`as-single`). `received` holds each shelf asked (a batch's with its `userId`), `bodies` each body as sent.
 */
export async function startScriptedContainer(model: ScriptedModel, options: { batch?: boolean | 'as-single' } = {}) {
  const received: Invocation[] = [];
  const bodies: Array<Invocation | BatchInvocation> = [];
  const server = createServer(async (req, res) => {
    if (req.url === '/ping') return res.end('ok');
    const body = JSON.parse(await readBody(req)) as Invocation | BatchInvocation;
    bodies.push(body);
    res.setHeader('Content-Type', 'application/json');
    // What the proxy sends is held to the contract's closed schemas, as the reference container holds it.
    const checked = ('shelves' in body ? batchInvocationSchema : invocationSchema).safeParse(body);
    if (!checked.success) {
      res.statusCode = 400;
      return res.end(JSON.stringify({ error: `invocations: ${JSON.stringify(checked.error.issues[0])}` }));
    }
    if ('shelves' in body) {
      if (options.batch === false) {
        res.statusCode = 400;
        return res.end(JSON.stringify({ error: 'invocations: "items" must be an array of strings' }));
      }
      // A container that reads the batch body as a single one (its fields unknown to it): a single answer.
      if (options.batch === 'as-single') return res.end(JSON.stringify(model({ items: [], k: 24, exclude: [] })));
      const user = body.userId === undefined ? {} : { userId: body.userId };
      const asked = body.shelves.map((shelf) => ({ ...user, ...shelf }));
      received.push(...asked);
      const answers = asked.map(model);
      const batch: BatchInvocationAnswer = {
        shelves: answers.map(({ recommendations }) => ({ recommendations })),
        modelVersion: answers[0]?.modelVersion ?? 'none',
      };
      return res.end(JSON.stringify(batch));
    }
    received.push(body);
    res.end(JSON.stringify(model(body)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What the proxy answers: a recommendation, an error, or another route's JSON. */
export type ProxyBody = RecommendationAnswer & {
  error: { code: string; message: string };
  accepted: number;
  duplicates: number;
  rejected: Array<{ index: number; message: string }>;
};

/** One HTTP answer. */
export interface ProxyResponse {
  status: number;
  headers: Headers;
  body: ProxyBody;
  text: string;
}

/** A running stack and the handles tests poke. */
export interface TestStack {
  proxy: RunningProxy;
  runtime: StartedLocalRuntime;
  container: Awaited<ReturnType<typeof startScriptedContainer>>;
  /** GET a proxy path; returns status, headers and parsed JSON. */
  get(path: string, headers?: Record<string, string>): Promise<ProxyResponse>;
  /** GET a path of the proxy's admin listener (`/metrics`, `/readyz`). */
  admin(path: string): Promise<ProxyResponse>;
  send(method: string, path: string, body: string, headers?: Record<string, string>): Promise<ProxyResponse>;
  /** Sets the cloud weather through the runtime's `/_weather`. */
  weather(mode: WeatherMode, latencyMs?: number): Promise<void>;
  /** Invocations the runtime has seen. */
  invocations(): Promise<number>;
  close(): Promise<void>;
}

async function call(url: string, init: RequestInit): Promise<ProxyResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = {};
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, body: body as ProxyBody, text };
}

/** Starts the stack; `config` overrides the proxy's defaults. */
export async function startStack(
  options: {
    model?: ScriptedModel;
    config?: Partial<ProxyConfig>;
    /** The event folder (default: a fresh temporary one). */
    eventsDir?: string;
    variants?: Array<{ name: string; weight: number }>;
    /** `false`: the container refuses the batch body with a 400; `as-single`: it answers it as a single body. */
    batchBody?: boolean | 'as-single';
    withoutCredentials?: boolean;
    /** Every placement's budget; `config.placementsFile` overrides it. Default: `answeredNotHungBudgetMs`. */
    budgetMs?: number;
    /**
     * Publish `RecoShelf/ModelFallbackPercent` (RECO_CLOUDWATCH_METRICS) to this CloudWatch endpoint;
     * `local`: the local runtime's `PutMetricData`, whose datums are in `runtime.runtime.metricData`.
     */
    cloudWatch?: 'local' | string;
  } = {},
): Promise<TestStack> {
  const container = await startScriptedContainer(
    options.model ??
      answersWith(['22423', '85123A', '47566', '84879', '20725', '22720', '85099B', '21212', '23203', '22086']),
    options.batchBody === undefined ? {} : { batch: options.batchBody },
  );
  const runtime = await startLocalRuntime({
    variants: (options.variants ?? [{ name: 'AllTraffic', weight: 1 }]).map((v) => ({ ...v, url: container.url })),
  });
  const dir = mkdtempSync(join(tmpdir(), 'reco-stack-'));
  const config = loadConfig(
    {},
    {
      port: 0,
      adminPort: 0,
      endpointUrl: runtime.url,
      eventsDir: options.eventsDir ?? join(dir, 'events'),
      placementsFile: placementsWithBudget(dir, options.budgetMs ?? answeredNotHungBudgetMs),
      rateLimit: 0,
      eventsPerMinute: 0,
      logLevel: 'silent',
      // These tests call as the storefront's back end does; token tests turn this off.
      allowRawUserIds: true,
      ...(options.cloudWatch
        ? {
            cloudWatchMetrics: true,
            cloudWatchEndpoint: options.cloudWatch === 'local' ? runtime.url : options.cloudWatch,
          }
        : {}),
      ...options.config,
    },
  );
  let proxy: RunningProxy;
  try {
    proxy = await startProxy(config, {
      ...(options.withoutCredentials ? {} : { credentials: runtime.credentials }),
      logger: pino({ level: 'silent' }),
    });
  } catch (error) {
    // A test of a refused start must not leave the cloud's half running.
    await runtime.close();
    await container.close();
    throw error;
  }
  await proxy.ready;
  await call(`${runtime.url}/_stats/reset`, { method: 'POST' });
  return {
    proxy,
    runtime,
    container,
    get: (path, headers = {}) => call(`${proxy.url}${path}`, { headers }),
    admin: (path) => call(`${proxy.adminUrl}${path}`, {}),
    send: (method, path, body, headers = {}) => call(`${proxy.url}${path}`, { method, body, headers }),
    weather: (mode, latencyMs) => setWeather(runtime.url, mode, latencyMs),
    async invocations() {
      return (JSON.parse((await call(`${runtime.url}/_stats`, {})).text) as { invocations: number }).invocations;
    },
    async close() {
      await proxy.close();
      await runtime.close();
      await container.close();
    },
  };
}
