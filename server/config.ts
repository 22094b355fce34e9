/**
 * The proxy's configuration: one defaults object, overridden from the
 * environment and validated once at start. Every option is listed in the README.
 */
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  awsRegion,
  logLevel,
  port,
  httpUrl,
  nonEmptyText,
  sagemakerEndpointName,
  secretKey,
  trueOrFalse,
  wholeNumber,
} from '../environment/parsers.ts';
import { otherProcessVariables } from '../environment/project-variables.ts';
import { readEnvironment } from '../environment/read-environment.ts';

/**
 * The defaults' paths are the repository's: one folder up from this module in the sources, and two up from the
 * compiled `dist/server/main.js`, whose build (scripts/build-proxy.ts) sets `__RECO_ROOT_FROM_MODULE__`.
 */
declare const __RECO_ROOT_FROM_MODULE__: string | undefined;
const rootFromModule = typeof __RECO_ROOT_FROM_MODULE__ === 'string' ? __RECO_ROOT_FROM_MODULE__ : '../';
const root = (path: string): string => fileURLToPath(new URL(`${rootFromModule}${path}`, import.meta.url));

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
  /** The storefront URL item urls and images are relative to; unset: they stay relative. */
  catalogBaseUrl: undefined as string | undefined,
  /** The event store's folder of segment files (one writer per folder). */
  eventsDir: root('var/events'),
  /** A segment is closed (and shipped) once it holds this many bytes… */
  eventsSegmentBytes: 64 * 1024 * 1024,
  /** …or is this many seconds old, whichever comes first. */
  eventsSegmentSeconds: 3600,
  /** A retry of an event id within this many hours is recognised and not stored twice (the promise). */
  eventsDedupHours: 24,
  /** The most the event folder may hold; past it, shipped segments go first, then new events get 503. */
  eventsMaxDiskBytes: 10 * 1024 ** 3,
  /** How long a shipped segment stays on local disk (for local export) before it is deleted. */
  eventsRetainHours: 168,
  /** Shipping: the bucket closed segments are uploaded to; unset means no shipping. */
  eventsS3Bucket: undefined as string | undefined,
  /** Shipping: the key prefix inside the bucket. */
  eventsS3Prefix: 'reco-events/',
  /** Shipping: a private-link or S3-compatible endpoint, addressed path-style; unset means AWS's own. */
  eventsS3Endpoint: undefined as string | undefined,
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
  /** Upstream calls in flight per instance; beyond it, the fallback chain answers at once (`overloaded`). */
  maxInflight: upstreamSocketPool,
  /** Shared state (answers, breaker, rate limit) across instances; unset keeps it all in this process. */
  redisUrl: undefined as string | undefined,
  /** The longest any one Redis call may take before this instance goes on with its own state. */
  redisTimeoutMs: 5,
  /** Prefix of every Redis key, so several shops or environments can share one Redis. */
  redisKeyPrefix: 'reco:',
  /**
   * SageMaker production variants and their weights, e.g. `{ "model-a": 90, "model-b": 10 }`;
   * empty: let SageMaker pick.
   */
  variants: {} as Record<string, number>,
  /**
   * The control arm: this share of shoppers (0..100 %, sticky by a hash of the customer or
   * session id) gets the rules even while the cloud is healthy, so model vs rules is randomised.
   */
  holdoutPercent: 0,
  /** The answer memory (events are joined to their answer by requestId): at most this many answers… */
  answerMemoryEntries: 100_000,
  /** …each for this long: longer than a shelf's events come after it. */
  answerMemoryTtlS: 3600,
  /** Without `RECO_VARIANTS`: how long a person keeps the variant that first answered them. */
  variantPinHours: 168,
  logLevel: 'info',
  /** The HS256 key storefront tokens are verified with (≥ 32 bytes); unset: no token is valid. */
  shopperTokenSecret: undefined as string | undefined,
  /** Trust a raw `userId` (only for a storefront that calls the proxy from its own back end). */
  allowRawUserIds: false,
  /**
   * The HMAC key of customer pseudonyms (≥ 32 bytes); unset: ids reach the endpoint and the export unchanged,
   * so it is required unless the endpoint is on this host, and with `eventsS3Bucket` and `redisUrl`.
   */
  pseudonymKey: undefined as string | undefined,
  /** The bearer key the storefront's server sends `purchase` events with; unset: no purchase is accepted. */
  serverKey: undefined as string | undefined,
  /**
   * Publish `RecoShelf/ModelFallbackPercent` to CloudWatch once a minute (shelf/fallback-metric-publisher.ts),
   * the data of the deploy's third rollback alarm; off: nothing is sent and nothing is counted.
   */
  cloudWatchMetrics: false,
  /** A private-link (or local) CloudWatch endpoint; unset means AWS's own for `region`. */
  cloudWatchEndpoint: undefined as string | undefined,
  // Shopper tokens (issue #20): what a token must say beyond its signature and `exp`.
  /** The `iss` every shopper token must carry; unset: not checked. */
  shopperTokenIssuer: undefined as string | undefined,
  /** An `aud` every shopper token must carry; unset: not checked. */
  shopperTokenAudience: undefined as string | undefined,
  /**
   * The oldest a shopper token may be, in seconds since its `iat` (which it must then carry), whatever its `exp`;
   * 0: no limit (for a storefront whose tokens carry no `iat`).
   */
  shopperTokenMaxAgeS: 86_400,
  // Fresh sessions (issue #20): how many never-seen session ids one client may bring.
  /**
   * New session ids a minute per client on the recommendations route; past it a new session is answered as an
   * anonymous shopper (each would be a cache entry and a billable model call of its own). 0: no limit.
   */
  freshSessionsPerMinute: 60,
  // Admin listener (issue 20, B): what the operator's tools read, never forwarded by the balancer.
  /** Port of the second listener, with `/metrics`, `/healthz` and `/readyz` (0: the system picks one). */
  adminPort: 9464,
  /** Its interface: loopback, so only this host (its Prometheus agent) reads it unless told otherwise. */
  adminHost: '127.0.0.1',
  // The merchandiser's admin page (issue #24) on the admin listener: off unless one of these is set.
  /** The bearer key (≥ 32 bytes) that opens `/admin/api/…`; its user in the audit log is `key`. */
  adminKey: undefined as string | undefined,
  /** The header a single-sign-on proxy in front of the admin listener sets to the signed-in user's name. */
  adminUserHeader: undefined as string | undefined,
  // Events (issue #20, D): what one client may make the store and the idempotency window hold.
  /** Events a minute per client address on `POST /v1/events` (not the storefront's server); 0: no limit. */
  eventsPerMinute: 3000,
};

/** The validated configuration the proxy runs with. */
export type ProxyConfig = typeof defaults;

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

/** How long a session stays joined to the customer an `identify` event named (its events count for them). */
export const identifiedSessionDays = 30;

/** Environment variable → option, with the parser that validates it (read by `environment/read-environment.ts`). */
const fromEnv = {
  PROXY_PORT: ['port', port],
  PROXY_HOST: ['host', nonEmptyText],
  SAGEMAKER_ENDPOINT_NAME: ['endpointName', sagemakerEndpointName],
  AWS_REGION: ['region', awsRegion],
  SAGEMAKER_ENDPOINT_URL: ['endpointUrl', httpUrl],
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
  RECO_PLACEMENTS_FILE: ['placementsFile', nonEmptyText],
  RECO_CATALOG_FILE: ['catalogFile', nonEmptyText],
  RECO_CATALOG_BASE_URL: [
    'catalogBaseUrl',
    z.url({ message: 'must be an absolute URL such as https://shop.example/' }),
  ],
  RECO_EVENTS_DIR: ['eventsDir', nonEmptyText],
  // Smaller than one batch would roll a segment per write.
  RECO_EVENTS_SEGMENT_BYTES: ['eventsSegmentBytes', wholeNumber(64 * 1024, 2 ** 40, 'bytes, at least 65536')],
  RECO_EVENTS_SEGMENT_SECONDS: ['eventsSegmentSeconds', positiveInt],
  RECO_EVENTS_DEDUP_HOURS: ['eventsDedupHours', wholeNumber(1, 24 * 30, 'hours, 1..720')],
  RECO_EVENTS_MAX_DISK_BYTES: ['eventsMaxDiskBytes', wholeNumber(1024 * 1024, Number.MAX_SAFE_INTEGER, 'bytes')],
  RECO_EVENTS_RETAIN_HOURS: ['eventsRetainHours', wholeNumber(1, Number.MAX_SAFE_INTEGER, 'hours, at least 1')],
  RECO_EVENTS_S3_BUCKET: [
    'eventsS3Bucket',
    z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a bucket name'),
  ],
  RECO_EVENTS_S3_PREFIX: [
    'eventsS3Prefix',
    z
      .string()
      .regex(/^[A-Za-z0-9!_.*'()/-]*$/, 'must be a key prefix')
      .transform((p) => (p === '' || p.endsWith('/') ? p : `${p}/`)),
  ],
  RECO_EVENTS_S3_ENDPOINT: ['eventsS3Endpoint', z.url()],
  RECO_WIDGET_BUNDLE: ['widgetBundle', nonEmptyText],
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
  RECO_HOLDOUT_PERCENT: ['holdoutPercent', wholeNumber(0, 100, 'a whole percentage 0..100')],
  // Experiments by shopper (issue #23 item 4, #24 item 5; X1).
  RECO_ANSWER_MEMORY_ENTRIES: ['answerMemoryEntries', wholeNumber(1, 100_000_000, 'answers, at least 1')],
  RECO_ANSWER_MEMORY_TTL_S: ['answerMemoryTtlS', wholeNumber(1, 7 * 86_400, 'seconds, 1..604800')],
  RECO_VARIANT_PIN_HOURS: ['variantPinHours', wholeNumber(1, 24 * 366, 'hours, 1..8784')],
  LOG_LEVEL: ['logLevel', logLevel],
  RECO_SHOPPER_TOKEN_SECRET: ['shopperTokenSecret', secretKey],
  RECO_ALLOW_RAW_USER_IDS: ['allowRawUserIds', trueOrFalse],
  RECO_PSEUDONYM_KEY: ['pseudonymKey', secretKey],
  RECO_SERVER_KEY: ['serverKey', secretKey],
  RECO_CLOUDWATCH_METRICS: ['cloudWatchMetrics', trueOrFalse],
  RECO_CLOUDWATCH_ENDPOINT: ['cloudWatchEndpoint', httpUrl],
  // Shopper tokens (issue #20).
  RECO_SHOPPER_TOKEN_ISSUER: ['shopperTokenIssuer', nonEmptyText],
  RECO_SHOPPER_TOKEN_AUDIENCE: ['shopperTokenAudience', nonEmptyText],
  RECO_SHOPPER_TOKEN_MAX_AGE_S: ['shopperTokenMaxAgeS', wholeNumber(0, 366 * 86_400, 'seconds, 0 for no limit')],
  // Fresh sessions (issue #20).
  RECO_FRESH_SESSIONS_PER_MINUTE: [
    'freshSessionsPerMinute',
    wholeNumber(0, Number.MAX_SAFE_INTEGER, 'new session ids a minute per client, 0 for no limit'),
  ],
  // Admin listener (issue 20, B).
  RECO_ADMIN_PORT: ['adminPort', port],
  RECO_ADMIN_HOST: ['adminHost', nonEmptyText],
  // The admin page (issue #24).
  RECO_ADMIN_KEY: ['adminKey', secretKey],
  RECO_ADMIN_USER_HEADER: [
    'adminUserHeader',
    z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'must be a header name (letters, digits and dashes)')
      .transform((name) => name.toLowerCase()),
  ],
  // Events (issue #20, D)
  RECO_EVENTS_PER_MINUTE: [
    'eventsPerMinute',
    wholeNumber(0, Number.MAX_SAFE_INTEGER, 'events a minute, 0 for no limit'),
  ],
} as const satisfies Record<string, readonly [keyof ProxyConfig, z.ZodType]>;

/** Each environment variable and the option it sets; the README's table is checked against it. */
export const environmentVariables: Readonly<Record<string, keyof ProxyConfig>> = Object.fromEntries(
  Object.entries(fromEnv).map(([name, [key]]) => [name, key]),
);

/**
 * Every `RECO_*` variable a process of the project reads: the proxy's own and its neighbours'
 * (`npm start` and an env file give several processes one environment). Any other stops the start.
 */
export const knownEnvironmentVariables: readonly string[] = [
  ...new Set([...Object.keys(fromEnv), ...Object.keys(otherProcessVariables)]),
].filter((name) => name.startsWith('RECO_'));

/**
 * Reads the configuration from `env` over the defaults; throws one error that
 * names every bad variable, and every `RECO_*` one that no process reads.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<ProxyConfig> = {}): ProxyConfig {
  const read = readEnvironment('config', defaults, fromEnv, env, {
    unknown: { prefix: 'RECO_', known: knownEnvironmentVariables },
  });
  const loaded = { ...read, ...overrides };
  const { keepAliveTimeoutMs, headersTimeoutMs } = loaded;
  // Node closes a reused socket whose next headers are late; that must not happen before keep-alive ends.
  if (headersTimeoutMs <= keepAliveTimeoutMs) {
    throw new Error(`config: RECO_HEADERS_TIMEOUT_MS=${headersTimeoutMs}: must be above RECO_KEEP_ALIVE_TIMEOUT_MS`);
  }
  // No raw customer id leaves the premises: shipped segments are pseudonymised with this key.
  if (loaded.eventsS3Bucket !== undefined && loaded.pseudonymKey === undefined) {
    throw new Error(
      `config: RECO_EVENTS_S3_BUCKET=${loaded.eventsS3Bucket} needs RECO_PSEUDONYM_KEY: events are shipped to the ` +
        'bucket with customer ids pseudonymised by that key, and without it they would leave the premises raw',
    );
  }
  return loaded;
}

/** Whether `url` names this host: 127.0.0.0/8, ::1 or localhost (the local stand-in of the endpoint). */
export function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * What keeps a proxy from starting, every problem at once so that an operator fixes them in one go (tools
 * that only read the configuration, such as the event export, need none of it):
 *
 * - **Who a shopper is**: by verifying the storefront's tokens, or by trusting raw ids from a back end.
 * - **Nothing raw leaves the host.** Without `RECO_PSEUDONYM_KEY` every InvokeEndpoint body would carry the
 *   raw customer id (and the endpoint's data capture would store it in S3), so only a SageMaker endpoint on
 *   this host (the local stand-in) runs without it. Redis holds ids only as digests keyed with it, and every
 *   instance sharing Redis must use the same key, so `RECO_REDIS_URL` needs it too.
 * - **The files it serves from**: the catalog and the placement rules must exist.
 */
export function startProblems(config: ProxyConfig): string[] {
  const problems: string[] = [];
  if (config.shopperTokenSecret === undefined && !config.allowRawUserIds) {
    problems.push(
      'set RECO_SHOPPER_TOKEN_SECRET (the key storefront tokens are signed with) or ' +
        "RECO_ALLOW_RAW_USER_IDS=true (only when the proxy is called from the storefront's own back end)",
    );
  }
  if (config.pseudonymKey === undefined && config.redisUrl !== undefined) {
    problems.push(
      'RECO_REDIS_URL needs RECO_PSEUDONYM_KEY: Redis holds customer and session ids only as digests ' +
        'keyed with it (every instance sharing Redis sets the same key), never raw',
    );
  } else if (
    config.pseudonymKey === undefined &&
    (config.endpointUrl === undefined || !isLoopbackUrl(config.endpointUrl))
  ) {
    const where =
      config.endpointUrl === undefined
        ? `AWS's own endpoint in ${config.region} (SAGEMAKER_ENDPOINT_URL unset)`
        : `SAGEMAKER_ENDPOINT_URL=${config.endpointUrl}, not this host`;
    problems.push(
      `RECO_PSEUDONYM_KEY is unset and the SageMaker endpoint is ${where}: every InvokeEndpoint body ` +
        'would carry raw customer ids off the premises (and data capture would store them). Set ' +
        'RECO_PSEUDONYM_KEY (≥ 32 bytes, the key the model was trained with); only a local stand-in on ' +
        '127.0.0.1, ::1 or localhost runs without it',
    );
  }
  if (!existsSync(config.catalogFile)) {
    problems.push(
      `RECO_CATALOG_FILE: no catalog at ${config.catalogFile} (set it to the shop's catalog export; ` +
        "`npm run data:catalog` writes the demo's)",
    );
  }
  if (!existsSync(config.placementsFile)) {
    problems.push(`RECO_PLACEMENTS_FILE: no placement rules at ${config.placementsFile}`);
  }
  return problems;
}
