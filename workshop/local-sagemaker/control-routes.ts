/**
 * The local-only control routes: `GET|POST /_weather` (the cloud-weather switch),
 * `GET /_stats`, `POST /_stats/reset`, `GET /_metric-data` and `POST /_metric-data/reset` (the
 * CloudWatch datums received), and `GET|POST /_variants` (the production variants and
 * their weights, replaced at run time as `UpdateEndpointWeightsAndCapacities` or a new endpoint
 * config would in the cloud: `npm run retrain -- --promote` adds a challenger without a restart).
 * Unsigned (loopback tool); CORS is opened to localhost origins so the demo's weather panel can
 * flip the switch from the browser.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { WeatherState } from './weather.ts';
import { InvalidWeatherSettingError, parseWeatherSetting, type WeatherSetting } from './weather.ts';
import type { InvocationStats } from './invoke-context.ts';
import type { RecordedDatum } from './put-metric-data.ts';
import { readBody } from './request-body.ts';
import { assertValidVariants, type Variant } from './variants.ts';

/** The runtime's variant list, read per call and replaced whole by `POST /_variants`. */
export interface VariantsHolder {
  get(): readonly Variant[];
  set(variants: readonly Variant[]): void;
}

/** Largest control body accepted; a weather setting is a few dozen bytes. */
const MAX_CONTROL_BODY = 16 * 1024;

const LOCAL_ORIGIN = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

function sendJson(res: ServerResponse, status: number, value: unknown, extra: Record<string, string> = {}): void {
  const payload = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    'cache-control': 'no-store',
    ...extra,
  });
  res.end(payload);
}

function corsHeaders(req: IncomingMessage): Record<string, string> {
  const origin = req.headers.origin;
  if (origin === undefined || !LOCAL_ORIGIN.test(origin)) return {};
  return { 'access-control-allow-origin': origin, vary: 'Origin' };
}

function badRequest(res: ServerResponse, message: string, cors: Record<string, string>): void {
  sendJson(res, 400, { error: { code: 'invalid_request', message } }, cors);
}

/** Applies a `POST /_weather` body, answering 400 with the reason when it is not a valid setting. */
async function setChaos(
  req: IncomingMessage,
  res: ServerResponse,
  state: { weather: WeatherState; logger: Logger },
  cors: Record<string, string>,
): Promise<void> {
  const { body, tooLarge } = await readBody(req, MAX_CONTROL_BODY);
  if (tooLarge) return badRequest(res, 'local-sagemaker: weather body too large', cors);
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    return badRequest(res, 'local-sagemaker: weather body is not JSON', cors);
  }
  let setting: WeatherSetting;
  try {
    setting = parseWeatherSetting(input);
  } catch (error) {
    if (error instanceof InvalidWeatherSettingError) return badRequest(res, error.message, cors);
    throw error;
  }
  state.weather.set(setting);
  state.logger.info(setting, 'weather set');
  sendJson(res, 200, state.weather.get(), cors);
}

/**
 * Applies a `POST /_variants` body `{"variants":[{"name","url","weight"},…]}`: the whole list
 * is replaced at once (a call in flight keeps the variant it picked), and counters gain an
 * entry per new name. Answers 400 with the reason, changing nothing, when the list is unusable.
 */
async function setVariants(
  req: IncomingMessage,
  res: ServerResponse,
  state: { variants: VariantsHolder; stats: InvocationStats; logger: Logger },
): Promise<void> {
  const { body, tooLarge } = await readBody(req, MAX_CONTROL_BODY);
  if (tooLarge) return badRequest(res, 'local-sagemaker: variants body too large', {});
  let input: unknown;
  try {
    input = JSON.parse(body.toString('utf8'));
  } catch {
    return badRequest(res, 'local-sagemaker: variants body is not JSON', {});
  }
  const list = (input as { variants?: unknown } | null)?.variants;
  if (!Array.isArray(list))
    return badRequest(res, 'local-sagemaker: expected {"variants":[{"name","url","weight"}]}', {});
  const variants: Variant[] = list.map((v: { name?: unknown; url?: unknown; weight?: unknown } | null) => ({
    name: String(v?.name ?? ''),
    url: String(v?.url ?? '').replace(/\/+$/, ''),
    weight: typeof v?.weight === 'number' ? v.weight : Number.NaN,
  }));
  try {
    assertValidVariants(variants);
  } catch (error) {
    return badRequest(res, (error as Error).message, {});
  }
  state.variants.set(variants);
  for (const v of variants) state.stats.byVariant[v.name] ??= 0;
  state.logger.info({ variants }, 'variants set');
  sendJson(res, 200, { variants });
}

/** Zeroes the counters, keeping one entry per variant. */
export function resetStats(stats: InvocationStats): void {
  stats.invocations = 0;
  for (const name of Object.keys(stats.byVariant)) stats.byVariant[name] = 0;
}

/** Serves a control route; returns `false` when `path` is not one (the caller answers 404). */
export async function handleControlRoute(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  state: {
    weather: WeatherState;
    stats: InvocationStats;
    variants: VariantsHolder;
    metricData: RecordedDatum[];
    logger: Logger;
  },
): Promise<boolean> {
  if (path === '/_weather') {
    const cors = corsHeaders(req);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers': 'content-type',
        'access-control-max-age': '600',
      });
      res.end();
    } else if (req.method === 'GET') {
      sendJson(res, 200, state.weather.get(), cors);
    } else if (req.method === 'POST') {
      await setChaos(req, res, state, cors);
    } else {
      sendJson(
        res,
        405,
        { error: { code: 'method_not_allowed', message: 'local-sagemaker: use GET or POST' } },
        { allow: 'GET, POST, OPTIONS', ...cors },
      );
    }
    return true;
  }
  if (path === '/_variants' && req.method === 'GET') {
    sendJson(res, 200, { variants: state.variants.get() });
    return true;
  }
  if (path === '/_variants' && req.method === 'POST') {
    await setVariants(req, res, state);
    return true;
  }
  if (path === '/_stats' && req.method === 'GET') {
    sendJson(res, 200, state.stats);
    return true;
  }
  if (path === '/_metric-data' && req.method === 'GET') {
    sendJson(res, 200, { datums: state.metricData });
    return true;
  }
  if (path === '/_metric-data/reset' && req.method === 'POST') {
    req.resume();
    state.metricData.length = 0;
    sendJson(res, 200, { datums: [] });
    return true;
  }
  if (path === '/_stats/reset' && req.method === 'POST') {
    req.resume();
    resetStats(state.stats);
    sendJson(res, 200, state.stats);
    return true;
  }
  return false;
}
