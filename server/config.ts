/**
 * The proxy's configuration: one defaults object, overridden from the
 * environment and validated once at start. Every option is listed in the README.
 */
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const root = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));

/** Keep-alive sockets the SageMaker client may hold open; the bulkhead's default matches it. */
export const upstreamSocketPool = 256;

/** Every option with its default. */
export const defaults = {
  port: 3000,
  host: '127.0.0.1',
  endpointName: 'reco-shelf',
  region: 'eu-west-2',
  /** Only for a local or private-link endpoint; unset means AWS's own endpoint for the region. */
  endpointUrl: undefined as string | undefined,
  allowedOrigins: ['http://localhost:8000', 'http://127.0.0.1:8000'],
  /** Requests a minute per client; 0 turns the limit off. */
  rateLimit: 600,
  /**
   * Express's `trust proxy`: which hops' `X-Forwarded-For` to believe (a hop count, or addresses, CIDRs and
   * `loopback`/`linklocal`/`uniquelocal`); `false` trusts none, so the client is the socket's peer.
   */
  trustProxy: false as false | number | string[],
  /** After SIGTERM, how long `/readyz` answers 503 while requests are still served, before the listener closes. */
  drainMs: 5000,
  /** Idle keep-alive sockets are closed after this; above a balancer's usual 60 s, so the balancer closes first. */
  keepAliveTimeoutMs: 65_000,
  /** Time to receive a request's headers; above `keepAliveTimeoutMs`, as Node requires for reused sockets. */
  headersTimeoutMs: 66_000,
  placementsFile: root('server/placements.json'),
  catalogFile: root('data/catalog.json'),
  eventsFile: root('var/events.jsonl'),
  widgetBundle: root('dist/reco-shelf.js'),
  hardCapMs: 2000,
  cacheFreshMs: 60_000,
  cacheStaleMs: 86_400_000,
  cacheMaxEntries: 50_000,
  /** Bad calls (failed or past the budget) the window must hold before the breaker may open. */
  breakerFailures: 5,
  /** Share of the window's calls that must be bad to open the breaker. */
  breakerFailureShare: 0.5,
  /** The window: at most this many recent calls… */
  breakerWindowCalls: 20,
  /** …and none older than this. */
  breakerWindowMs: 10_000,
  breakerProbeMs: 10_000,
  /** Upstream calls in flight per instance; beyond it, the fallback answers at once (`overloaded`). */
  maxInflight: upstreamSocketPool,
  /** Shared state (answers, breaker, rate limit) across instances; unset keeps it all in this process. */
  redisUrl: undefined as string | undefined,
  /** The longest any one Redis call may take before this instance goes on with its own state. */
  redisTimeoutMs: 5,
  /** Prefix of every Redis key, so several shops or environments can share one Redis. */
  redisKeyPrefix: 'reco:',
  /** SageMaker production variants and their weights, e.g. `{ "model-a": 90, "model-b": 10 }`; empty: let SageMaker pick. */
  variants: {} as Record<string, number>,
  logLevel: 'info',
};

/** The validated configuration the proxy runs with. */
export type ProxyConfig = typeof defaults;

const wholeNumber = (min: number, max = Number.MAX_SAFE_INTEGER, what = 'a whole number') =>
  z
    .string()
    .regex(/^\d+$/, `must be ${what}`)
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));
const positiveInt = wholeNumber(1);
const origin = z
  .url({ message: 'must be origins such as https://shop.example (a wildcard is refused)' })
  .refine((o) => URL.canParse(o) && new URL(o).origin === o, 'an origin is scheme://host[:port], no path');
const trustPresets = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isAddressOrCidr = (text: string): boolean => {
  const [address = '', bits, ...rest] = text.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (version === 6 ? 128 : 32));
};
const trustedHops = z.string().transform((text, ctx): ProxyConfig['trustProxy'] => {
  if (/^\d+$/.test(text)) return Number(text);
  if (text === 'false') return false;
  const entries = text
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const bad = entries.find((a) => !trustPresets.has(a) && !isAddressOrCidr(a));
  if (entries.length === 0 || bad !== undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be a hop count, or addresses/CIDRs such as 10.0.0.0/8' });
    return z.NEVER;
  }
  return entries;
});
const variantWeights = z.string().transform((text, ctx) => {
  const weights: Record<string, number> = {};
  for (const pair of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]{0,62}))=(\d+(?:\.\d+)?)$/.exec(pair);
    if (!match) {
      ctx.addIssue({ code: 'custom', message: `expected Name=weight pairs, got "${pair}"` });
      return z.NEVER;
    }
    weights[match[1]!] = Number(match[2]);
  }
  return weights;
});

/** Environment variable → option, with the parser that validates it. */
const fromEnv = {
  PROXY_PORT: ['port', wholeNumber(0, 65535, 'a port number 0..65535')],
  PROXY_HOST: ['host', z.string().min(1)],
  SAGEMAKER_ENDPOINT_NAME: [
    'endpointName',
    z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'must be a SageMaker endpoint name'),
  ],
  AWS_REGION: ['region', z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-west-2')],
  SAGEMAKER_ENDPOINT_URL: ['endpointUrl', z.url()],
  RECO_ALLOWED_ORIGINS: [
    'allowedOrigins',
    z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .pipe(z.array(origin)),
  ],
  RECO_RATE_LIMIT: ['rateLimit', wholeNumber(0, Number.MAX_SAFE_INTEGER, 'requests a minute, 0 for no limit')],
  RECO_TRUST_PROXY: ['trustProxy', trustedHops],
  RECO_DRAIN_MS: ['drainMs', wholeNumber(0, 600_000)],
  RECO_KEEP_ALIVE_TIMEOUT_MS: ['keepAliveTimeoutMs', wholeNumber(1000, 3_600_000)],
  RECO_HEADERS_TIMEOUT_MS: ['headersTimeoutMs', wholeNumber(1000, 3_600_000)],
  RECO_PLACEMENTS_FILE: ['placementsFile', z.string().min(1)],
  RECO_CATALOG_FILE: ['catalogFile', z.string().min(1)],
  RECO_EVENTS_FILE: ['eventsFile', z.string().min(1)],
  RECO_WIDGET_BUNDLE: ['widgetBundle', z.string().min(1)],
  // Below a budget, a late answer could never warm the cache.
  RECO_HARD_CAP_MS: ['hardCapMs', wholeNumber(100, 60_000, 'milliseconds, above every placement budget')],
  RECO_CACHE_FRESH_MS: ['cacheFreshMs', wholeNumber(0)],
  RECO_CACHE_STALE_MS: ['cacheStaleMs', wholeNumber(0)],
  RECO_CACHE_MAX_ENTRIES: ['cacheMaxEntries', positiveInt],
  RECO_BREAKER_FAILURES: ['breakerFailures', positiveInt],
  RECO_BREAKER_FAILURE_SHARE: [
    'breakerFailureShare',
    z
      .string()
      .regex(/^(0(\.\d+)?|1(\.0+)?)$/, 'must be a share between 0 and 1, such as 0.5')
      .transform(Number)
      .pipe(z.number().gt(0, 'must be above 0')),
  ],
  RECO_BREAKER_WINDOW_CALLS: ['breakerWindowCalls', positiveInt],
  RECO_BREAKER_WINDOW_MS: ['breakerWindowMs', positiveInt],
  RECO_BREAKER_PROBE_MS: ['breakerProbeMs', positiveInt],
  RECO_MAX_INFLIGHT: ['maxInflight', positiveInt],
  RECO_REDIS_URL: [
    'redisUrl',
    z.url().refine((u) => /^rediss?:$/.test(new URL(u).protocol), 'must be a redis:// or rediss:// URL'),
  ],
  RECO_REDIS_TIMEOUT_MS: ['redisTimeoutMs', wholeNumber(1, 10_000, 'milliseconds')],
  RECO_REDIS_KEY_PREFIX: ['redisKeyPrefix', z.string().regex(/^[A-Za-z0-9:_-]{0,64}$/, 'must be [A-Za-z0-9:_-]{0,64}')],
  RECO_VARIANTS: ['variants', variantWeights],
  LOG_LEVEL: ['logLevel', z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])],
} as const satisfies Record<string, readonly [keyof ProxyConfig, z.ZodType]>;

/** The documented environment variables, for the README and for tests. */
export const environmentVariables = Object.keys(fromEnv);

/**
 * Reads the configuration from `env` over the defaults; throws one error that
 * names every bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ProxyConfig> = {}): ProxyConfig {
  const config: Record<string, unknown> = { ...defaults };
  const problems: string[] = [];
  for (const [name, [key, parser]] of Object.entries(fromEnv)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const parsed = parser.safeParse(raw);
    if (parsed.success) config[key] = parsed.data;
    else problems.push(`${name}=${JSON.stringify(raw.slice(0, 80))}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  const { keepAliveTimeoutMs, headersTimeoutMs } = config as ProxyConfig;
  // Node closes a reused socket whose next headers are late; that must not happen before keep-alive ends.
  if (headersTimeoutMs <= keepAliveTimeoutMs)
    problems.push(`RECO_HEADERS_TIMEOUT_MS=${headersTimeoutMs}: must be above RECO_KEEP_ALIVE_TIMEOUT_MS`);
  if (problems.length > 0) throw new Error(`config: ${problems.join('; ')}`);
  return { ...(config as ProxyConfig), ...overrides };
}
