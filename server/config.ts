/**
 * The proxy's configuration: one defaults object, overridden from the
 * environment and validated once at start. Every option is listed in the README.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

const root = (path: string): string => fileURLToPath(new URL(`../${path}`, import.meta.url));

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
  placementsFile: root('server/placements.json'),
  catalogFile: root('data/catalog.json'),
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
  breakerFailures: 5,
  breakerProbeMs: 10_000,
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
  logLevel: 'info',
  /** The HS256 key storefront tokens are verified with (≥ 32 bytes); unset: no token is valid. */
  shopperTokenSecret: undefined as string | undefined,
  /** Trust a raw `userId` (only for a storefront that calls the proxy from its own back end). */
  allowRawUserIds: false,
  /** The HMAC key of customer pseudonyms (≥ 32 bytes); unset: ids leave the premises unchanged. */
  pseudonymKey: undefined as string | undefined,
  /** The bearer key the storefront's server sends `purchase` events with; unset: no purchase is accepted. */
  serverKey: undefined as string | undefined,
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

// Keys are compared or hashed as UTF-8 bytes; 32 bytes is HS256's key size.
const secretKey = z.string().refine((key) => Buffer.byteLength(key) >= 32, 'must be at least 32 bytes');

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
  RECO_PLACEMENTS_FILE: ['placementsFile', z.string().min(1)],
  RECO_CATALOG_FILE: ['catalogFile', z.string().min(1)],
  RECO_EVENTS_DIR: ['eventsDir', z.string().min(1)],
  // Smaller than one batch would roll a segment per write.
  RECO_EVENTS_SEGMENT_BYTES: ['eventsSegmentBytes', wholeNumber(64 * 1024, 2 ** 40, 'bytes, at least 65536')],
  RECO_EVENTS_SEGMENT_SECONDS: ['eventsSegmentSeconds', positiveInt],
  RECO_EVENTS_DEDUP_HOURS: ['eventsDedupHours', wholeNumber(1, 24 * 30, 'hours, 1..720')],
  RECO_EVENTS_MAX_DISK_BYTES: ['eventsMaxDiskBytes', wholeNumber(1024 * 1024, Number.MAX_SAFE_INTEGER, 'bytes')],
  RECO_EVENTS_RETAIN_HOURS: ['eventsRetainHours', wholeNumber(0)],
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
  RECO_WIDGET_BUNDLE: ['widgetBundle', z.string().min(1)],
  // Below a budget, a late answer could never warm the cache.
  RECO_HARD_CAP_MS: ['hardCapMs', wholeNumber(100, 60_000, 'milliseconds, above every placement budget')],
  RECO_CACHE_FRESH_MS: ['cacheFreshMs', wholeNumber(0)],
  RECO_CACHE_STALE_MS: ['cacheStaleMs', wholeNumber(0)],
  RECO_CACHE_MAX_ENTRIES: ['cacheMaxEntries', positiveInt],
  RECO_BREAKER_FAILURES: ['breakerFailures', positiveInt],
  RECO_BREAKER_PROBE_MS: ['breakerProbeMs', positiveInt],
  RECO_VARIANTS: ['variants', variantWeights],
  RECO_HOLDOUT_PERCENT: ['holdoutPercent', wholeNumber(0, 100, 'a whole percentage 0..100')],
  LOG_LEVEL: ['logLevel', z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'])],
  RECO_SHOPPER_TOKEN_SECRET: ['shopperTokenSecret', secretKey],
  RECO_ALLOW_RAW_USER_IDS: [
    'allowRawUserIds',
    z.enum(['true', 'false'], 'must be true or false').transform((v) => v === 'true'),
  ],
  RECO_PSEUDONYM_KEY: ['pseudonymKey', secretKey],
  RECO_SERVER_KEY: ['serverKey', secretKey],
} as const satisfies Record<string, readonly [keyof ProxyConfig, z.ZodType]>;

/** Each environment variable and the option it sets; the README's table is checked against it. */
export const environmentVariables: Readonly<Record<string, keyof ProxyConfig>> = Object.fromEntries(
  Object.entries(fromEnv).map(([name, [key]]) => [name, key]),
);

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
  if (problems.length > 0) throw new Error(`config: ${problems.join('; ')}`);
  const loaded = { ...(config as ProxyConfig), ...overrides };
  if (loaded.shopperTokenSecret === undefined && !loaded.allowRawUserIds) {
    throw new Error(
      'config: set RECO_SHOPPER_TOKEN_SECRET (the key storefront tokens are signed with) or ' +
        "RECO_ALLOW_RAW_USER_IDS=true (only when the proxy is called from the storefront's own back end)",
    );
  }
  return loaded;
}
