/**
 * CloudWatch's `PutMetricData` as `@aws-sdk/client-cloudwatch` 3.1164.0 sends it, so the proxy's
 * fallback-metric publisher runs its real SDK code path locally. That client speaks **awsJson1_0**
 * in query-compatible mode (not the older awsQuery form encoding, not rpcv2Cbor): `POST /`,
 * `Content-Type: application/x-amz-json-1.0`,
 * `X-Amz-Target: GraniteServiceVersion20100801.PutMetricData`, `x-amzn-query-mode: true`, a JSON
 * body with timestamps as epoch seconds, gzip'd (`Content-Encoding: gzip`) from 10 KiB on, signed
 * with SigV4 for the service `monitoring`. Errors are JSON with `__type` and `message`, plus the
 * `x-amzn-query-error: Code;Sender` header the SDK reads in that mode.
 *
 * Checked as CloudWatch documents it: signature, namespace (1..255, not `AWS/…`), 1..1000 datums,
 * each with a name, at most 30 dimensions, exactly one of `Value`, `StatisticValues` and `Values`,
 * a complete statistic set (`SampleCount` > 0, `Minimum` ≤ `Maximum`), a known unit, and a
 * timestamp from two weeks ago to two hours ahead. Accepted datums are kept, in order, for tests
 * and the demo to read (`GET /_metric-data`).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AwsError } from './aws-errors.ts';
import { header } from './invoke-context.ts';
import { readBody } from './request-body.ts';
import type { SigV4Verifier } from './sigv4-verify.ts';

/** The JSON-RPC target prefix of CloudWatch (its Smithy service name). */
export const cloudWatchTarget = 'GraniteServiceVersion20100801';

/** CloudWatch's request size limit, compressed or not: 1 MB. */
const MAX_REQUEST_BYTES = 1024 * 1024;

/** One datum as the SDK sends it (awsJson1_0: timestamps in epoch seconds). */
export interface ReceivedDatum {
  MetricName: string;
  Dimensions?: Array<{ Name: string; Value: string }>;
  Timestamp?: number;
  Value?: number;
  StatisticValues?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
  Values?: number[];
  Counts?: number[];
  Unit?: string;
  StorageResolution?: number;
}

/** A datum this server accepted, with its namespace and when it arrived. */
export interface RecordedDatum extends ReceivedDatum {
  Namespace: string;
  /** Epoch milliseconds of arrival. */
  receivedAt: number;
}

/** What the handler needs from its runtime. */
export interface MetricDataContext {
  /** A verifier scoped to the service `monitoring`. */
  verify: SigV4Verifier;
  /** Where accepted datums go. */
  recorded: RecordedDatum[];
  now: () => number;
}

/** CloudWatch's standard units (MetricDatum.Unit). */
const units = new Set(
  (
    'Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits Kilobits Megabits ' +
    'Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second Megabytes/Second Gigabytes/Second ' +
    'Terabytes/Second Bits/Second Kilobits/Second Megabits/Second Gigabits/Second Terabits/Second ' +
    'Count/Second None'
  ).split(' '),
);

/** A modeled CloudWatch error: shape id, awsQuery code and status, as the client's schema registers them. */
function cloudWatchError(shape: string, queryCode: string, message: string): AwsError & { queryCode: string } {
  return { status: 400, type: `com.amazonaws.cloudwatch#${shape}`, body: { message }, queryCode };
}

const invalidValue = (message: string) =>
  cloudWatchError('InvalidParameterValueException', 'InvalidParameterValue', message);
const missing = (parameter: string) =>
  cloudWatchError('MissingRequiredParameterException', 'MissingParameter', `The parameter ${parameter} is required.`);
const combination = (message: string) =>
  cloudWatchError('InvalidParameterCombinationException', 'InvalidParameterCombination', message);

/** Writes an awsJson1_0 answer; errors carry `__type` and, in query mode, `x-amzn-query-error`. */
function sendJson(res: ServerResponse, requestId: string, status: number, body: unknown, queryError?: string): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(payload),
    'x-amzn-requestid': requestId,
    ...(queryError ? { 'x-amzn-query-error': queryError } : {}),
  });
  res.end(payload);
}

function sendError(res: ServerResponse, requestId: string, error: AwsError & { queryCode?: string }): void {
  // Gateway errors (signature, key) come from AWS's shared front door, named in its own namespace.
  const type = error.type?.includes('#') ? error.type : `com.amazon.coral.service#${error.type ?? 'Unknown'}`;
  const message = (error.body.message ?? error.body.Message) as string | undefined;
  const sender = error.status < 500 ? 'Sender' : 'Receiver';
  const code = error.queryCode ?? type.split('#')[1];
  sendJson(res, requestId, error.status, { __type: type, message }, `${code};${sender}`);
}

const isText = (v: unknown, max: number): v is string => typeof v === 'string' && v.length >= 1 && v.length <= max;
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The first rule `input` breaks, as CloudWatch would answer it; `null` when it is a valid request. */
export function checkPutMetricData(input: unknown, nowMs: number): (AwsError & { queryCode: string }) | null {
  const { Namespace, MetricData } = (input ?? {}) as { Namespace?: unknown; MetricData?: unknown };
  if (Namespace === undefined) return missing('Namespace');
  if (!isText(Namespace, 255)) return invalidValue('The parameter Namespace must be 1 to 255 characters.');
  if (Namespace.startsWith('AWS/')) return invalidValue('The value AWS/ for parameter Namespace is invalid.');
  if (MetricData === undefined) return missing('MetricData');
  if (!Array.isArray(MetricData) || MetricData.length < 1 || MetricData.length > 1000)
    return invalidValue('The collection MetricData must contain 1 to 1000 items.');
  for (const [i, raw] of MetricData.entries()) {
    const at = `MetricData.member.${i + 1}`;
    const d = (raw ?? {}) as Partial<Record<keyof ReceivedDatum, unknown>>;
    if (d.MetricName === undefined) return missing(`${at}.MetricName`);
    if (!isText(d.MetricName, 255)) return invalidValue(`The parameter ${at}.MetricName must be 1 to 255 characters.`);
    const dimensions = d.Dimensions ?? [];
    if (!Array.isArray(dimensions) || dimensions.length > 30)
      return invalidValue(`The collection ${at}.Dimensions must not have more than 30 members.`);
    for (const [j, dim] of dimensions.entries()) {
      const { Name, Value } = (dim ?? {}) as { Name?: unknown; Value?: unknown };
      if (!isText(Name, 255) || !isText(Value, 1024))
        return invalidValue(`The parameter ${at}.Dimensions.member.${j + 1} needs a Name and a Value.`);
    }
    const given = (['Value', 'StatisticValues', 'Values'] as const).filter((k) => d[k] !== undefined);
    if (given.length > 1)
      return combination(`The parameters ${at}.${given[0]} and ${at}.${given[1]} are mutually exclusive.`);
    if (given.length === 0) return missing(`${at}.Value`);
    if (d.Value !== undefined && !isNumber(d.Value)) return invalidValue(`The parameter ${at}.Value must be a number.`);
    if (d.StatisticValues !== undefined) {
      const s = d.StatisticValues as Record<string, unknown>;
      for (const k of ['SampleCount', 'Sum', 'Minimum', 'Maximum'])
        if (!isNumber(s[k])) return missing(`${at}.StatisticValues.${k}`);
      if (!((s.SampleCount as number) > 0))
        return invalidValue(`The parameter ${at}.StatisticValues.SampleCount must be greater than 0.`);
      if ((s.Minimum as number) > (s.Maximum as number))
        return invalidValue(`The parameter ${at}.StatisticValues.Minimum must not exceed Maximum.`);
    }
    if (d.Values !== undefined && !(Array.isArray(d.Values) && d.Values.every(isNumber)))
      return invalidValue(`The parameter ${at}.Values must be numbers.`);
    if (d.Unit !== undefined && !units.has(d.Unit as string))
      return invalidValue(`The parameter ${at}.Unit must be a CloudWatch standard unit, got '${String(d.Unit)}'.`);
    if (d.Timestamp !== undefined) {
      if (!isNumber(d.Timestamp)) return invalidValue(`The parameter ${at}.Timestamp must be a timestamp.`);
      const ms = d.Timestamp * 1000;
      if (ms < nowMs - 14 * 24 * 3600_000 || ms > nowMs + 2 * 3600_000)
        return invalidValue(`The parameter ${at}.Timestamp must be within the last two weeks and two hours ahead.`);
    }
  }
  return null;
}

/** `POST /` with a CloudWatch `X-Amz-Target`: verifies, checks and records a `PutMetricData`. */
export async function handleCloudWatchCall(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: MetricDataContext,
): Promise<void> {
  const requestId = randomUUID();
  const { body, tooLarge } = await readBody(req, MAX_REQUEST_BYTES);
  if (tooLarge) return sendError(res, requestId, { status: 413, type: 'RequestEntityTooLarge', body: {} });
  const [path = '/', rawQuery = ''] = (req.url ?? '/').split('?', 2);
  const rejected = await ctx.verify({
    method: req.method ?? 'POST',
    path,
    query: Object.fromEntries(new URLSearchParams(rawQuery)),
    headers: req.headers,
    body,
  });
  if (rejected) return sendError(res, requestId, rejected);
  const operation = header(req, 'x-amz-target')?.slice(cloudWatchTarget.length + 1);
  if (operation !== 'PutMetricData')
    return sendError(res, requestId, {
      status: 400,
      type: 'UnknownOperationException',
      body: { message: `local-sagemaker: CloudWatch ${operation} is not served here, only PutMetricData.` },
    });
  if (!header(req, 'content-type')?.startsWith('application/x-amz-json-1.0'))
    return sendError(res, requestId, {
      status: 400,
      type: 'SerializationException',
      body: { message: 'Content-Type must be application/x-amz-json-1.0' },
    });
  let input: unknown;
  try {
    const encoding = header(req, 'content-encoding');
    const text = encoding === 'gzip' ? gunzipSync(body, { maxOutputLength: MAX_REQUEST_BYTES }) : body;
    input = JSON.parse(text.toString('utf8'));
  } catch {
    return sendError(res, requestId, {
      status: 400,
      type: 'SerializationException',
      body: { message: 'The request body is not (gzip-compressed) JSON within 1 MB.' },
    });
  }
  const now = ctx.now();
  const invalid = checkPutMetricData(input, now);
  if (invalid) return sendError(res, requestId, invalid);
  const { Namespace, MetricData } = input as { Namespace: string; MetricData: ReceivedDatum[] };
  for (const datum of MetricData) ctx.recorded.push({ Namespace, ...datum, receivedAt: now });
  sendJson(res, requestId, 200, {});
}
