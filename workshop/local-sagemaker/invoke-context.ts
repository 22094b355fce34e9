/**
 * What one InvokeEndpoint call needs from its runtime: configuration, the weather,
 * the counters and the container client. Built once per runtime by `app.ts`.
 */
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { ContainerReadiness } from './container-readiness.ts';
import type { WeatherState } from './weather.ts';
import type { ContainerClient } from './container-client.ts';
import type { SigV4Verifier } from './sigv4-verify.ts';
import type { Variant } from './variants.ts';
import type { AnsweredCall } from './data-capture.ts';

/** Invocation counters exposed on `GET /_stats`. */
export interface InvocationStats {
  /** Authenticated, valid InvokeEndpoint calls received (whatever the weather did with them). */
  invocations: number;
  /** Calls relayed to each variant's container. */
  byVariant: Record<string, number>;
}

/** Everything the handler needs; built once per runtime. */
export interface InvokeContext {
  endpointName: string;
  region: string;
  accountId: string;
  variants: readonly Variant[];
  random: () => number;
  verify: SigV4Verifier;
  weather: WeatherState;
  stats: InvocationStats;
  containers: ContainerClient;
  /** Which containers answered `/ping` with 200: a call never reaches one that has not. */
  readiness: ContainerReadiness;
  containerTimeoutMs: number;
  /** Rejections at `warn`, every finished call at `debug` (off unless asked: benchmarks run through here). */
  logger: Logger;
  /** Data capture of answered calls (`data-capture.ts`), when the runtime was asked for it. */
  capture?: (call: AnsweredCall) => void;
}

/** A request header as one string (repeated headers joined with commas), or `undefined`. */
export function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}
