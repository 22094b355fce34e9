/**
 * The proxy's configuration: one defaults object, overridden from the
 * environment and validated once at start. Every option is listed in the README.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  awsRegion,
  logLevel,
  port,
  httpUrl,
  nonEmptyText,
  sagemakerEndpointName,
  wholeNumber,
} from '../environment/parsers.ts';
import { readEnvironment } from '../environment/read-environment.ts';

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
  eventsFile: root('var/events.jsonl'),
  widgetBundle: root('dist/reco-shelf.js'),
  hardCapMs: 2000,
  cacheFreshMs: 60_000,
  cacheStaleMs: 86_400_000,
  cacheMaxEntries: 50_000,
  breakerFailures: 5,
  breakerProbeMs: 10_000,
  /** SageMaker production variants and their weights, e.g. `{ "model-a": 90, "model-b": 10 }`; empty: let SageMaker pick. */
  variants: {} as Record<string, number>,
  logLevel: 'info',
};

/** The validated configuration the proxy runs with. */
export type ProxyConfig = typeof defaults;

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
  RECO_PLACEMENTS_FILE: ['placementsFile', nonEmptyText],
  RECO_CATALOG_FILE: ['catalogFile', nonEmptyText],
  RECO_EVENTS_FILE: ['eventsFile', nonEmptyText],
  RECO_WIDGET_BUNDLE: ['widgetBundle', nonEmptyText],
  // Below a budget, a late answer could never warm the cache.
  RECO_HARD_CAP_MS: ['hardCapMs', wholeNumber(100, 60_000, 'milliseconds, above every placement budget')],
  RECO_CACHE_FRESH_MS: ['cacheFreshMs', wholeNumber(0)],
  RECO_CACHE_STALE_MS: ['cacheStaleMs', wholeNumber(0)],
  RECO_CACHE_MAX_ENTRIES: ['cacheMaxEntries', positiveInt],
  RECO_BREAKER_FAILURES: ['breakerFailures', positiveInt],
  RECO_BREAKER_PROBE_MS: ['breakerProbeMs', positiveInt],
  RECO_VARIANTS: ['variants', variantWeights],
  LOG_LEVEL: ['logLevel', logLevel],
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
  return { ...readEnvironment('config', defaults, fromEnv, env), ...overrides };
}
