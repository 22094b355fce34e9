/**
 * `POST /endpoints/{name}/invocations`: the InvokeEndpoint wire protocol. Checks size,
 * signature, endpoint and headers as AWS does, applies the cloud weather, then relays the
 * chosen variant's container answer.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AwsError } from './aws-errors.ts';
import {
  constraintViolation,
  endpointNotFound,
  internalFailure,
  modelNotReady,
  payloadTooLarge,
  sendAwsError,
  throttling,
  validationError,
} from './aws-errors.ts';
import { MAX_PAYLOAD_BYTES } from './defaults.ts';
import type { InvokeContext } from './invoke-context.ts';
import { header } from './invoke-context.ts';
import { relayToContainer } from './relay-to-container.ts';
import { readBody } from './request-body.ts';
import type { Variant } from './variants.ts';
import { VARIANT_NAME_PATTERN, pickWeighted } from './variants.ts';

/** A body that breaks the container contract: truncated JSON, for the `garbage` weather. */
const GARBAGE_BODY = '{"recommendations":[{"itemId":"85123A","score":0.9';

/** InferenceId: 1..64 printable characters, not starting with whitespace. */
const INFERENCE_ID_PATTERN = /^\S[\x20-\x7E]*$/;

/** Checks the optional InvokeEndpoint headers; returns the AWS error for the first bad one. */
function validateHeaders(req: IncomingMessage, ctx: InvokeContext): AwsError | Variant | undefined {
  const inferenceId = header(req, 'x-amzn-sagemaker-inference-id');
  if (inferenceId !== undefined) {
    if (inferenceId.length > 64) {
      return constraintViolation(inferenceId, 'inferenceId', 'Member must have length less than or equal to 64');
    }
    if (!INFERENCE_ID_PATTERN.test(inferenceId)) {
      return constraintViolation(
        inferenceId,
        'inferenceId',
        'Member must satisfy regular expression pattern: \\A\\S[\\p{Print}]*\\z',
      );
    }
  }
  const attributes = header(req, 'x-amzn-sagemaker-custom-attributes');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: AWS's rule is "ASCII", control characters included
  if (attributes !== undefined && (attributes.length > 1024 || !/^[\x00-\x7F]*$/.test(attributes))) {
    return constraintViolation(
      '*** sensitive data ***',
      'customAttributes',
      'Member must have length less than or equal to 1024 and be ASCII',
    );
  }
  const target = header(req, 'x-amzn-sagemaker-target-variant');
  if (target === undefined) return undefined;
  if (target.length > 63 || !VARIANT_NAME_PATTERN.test(target)) {
    return constraintViolation(
      target,
      'targetVariant',
      'Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*',
    );
  }
  const variant = ctx.variants.find((v) => v.name === target);
  return (
    variant ??
    validationError(`Variant ${target} not found for endpoint ${ctx.endpointName} of account ${ctx.accountId}.`)
  );
}

/** Resolves after `ms`, or early with `false` when the client leaves; frees its timer either way. */
function waitUnlessClosed(res: ServerResponse, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    res.once('close', onClose);
  });
}

/** Handles one InvokeEndpoint call whose path named `rawEndpointName` (still URL-encoded). */
export async function handleInvokeEndpoint(
  req: IncomingMessage,
  res: ServerResponse,
  rawEndpointName: string,
  ctx: InvokeContext,
): Promise<void> {
  const requestId = randomUUID();
  const started = performance.now();
  const fail = (error: AwsError, reason: string): void => {
    sendAwsError(res, requestId, error);
    ctx.logger.warn({ requestId, status: error.status, type: error.type, reason }, 'invocation rejected');
  };

  const { body, tooLarge } = await readBody(req, MAX_PAYLOAD_BYTES);
  if (tooLarge) return fail(payloadTooLarge(MAX_PAYLOAD_BYTES), 'payload over 6 MB');

  const [path = '', search = ''] = (req.url ?? '').split('?', 2);
  const query: Record<string, string> = Object.fromEntries(new URLSearchParams(search));
  const authError = await ctx.verify({ method: req.method ?? 'POST', path, query, headers: req.headers, body });
  if (authError) return fail(authError, 'authentication');

  let endpointName: string;
  try {
    endpointName = decodeURIComponent(rawEndpointName);
  } catch {
    endpointName = rawEndpointName;
  }
  if (endpointName !== ctx.endpointName) return fail(endpointNotFound(endpointName, ctx.accountId), 'unknown endpoint');

  const checked = validateHeaders(req, ctx);
  if (checked !== undefined && !('name' in checked)) return fail(checked, 'invalid header');
  const variant = checked ?? pickWeighted(ctx.variants, ctx.random);
  const inferenceId = header(req, 'x-amzn-sagemaker-inference-id');

  ctx.stats.invocations += 1;
  const { mode, latencyMs } = ctx.weather.get();
  const logDone = (status: number, extra: object = {}): void =>
    ctx.logger.debug(
      {
        requestId,
        inferenceId,
        variant: variant.name,
        weather: mode,
        status,
        ms: Math.round(performance.now() - started),
        ...extra,
      },
      'invocation',
    );

  switch (mode) {
    case 'hang': {
      // Never answer; only the client leaving (or the server closing) ends it.
      const release = ctx.weather.hold();
      res.once('close', release);
      logDone(0, { held: true });
      return;
    }
    case 'reset':
      logDone(0, { reset: true });
      req.socket.destroy();
      return;
    case 'error':
      logDone(500);
      return sendAwsError(res, requestId, internalFailure());
    case 'throttle':
      logDone(400);
      return sendAwsError(res, requestId, throttling());
    case 'garbage':
      logDone(200);
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(GARBAGE_BODY),
        'x-amzn-requestid': requestId,
        'x-amzn-invoked-production-variant': variant.name,
      });
      res.end(GARBAGE_BODY);
      return;
    case 'slow': {
      const release = ctx.weather.hold();
      const stillThere = await waitUnlessClosed(res, latencyMs);
      release();
      if (!stillThere) return;
      break;
    }
    case 'normal':
      break;
  }

  // The weather above stands for the cloud; past it, a container never seen healthy is not in service.
  if (!(await ctx.readiness.ready(variant.url))) {
    logDone(429, { notReady: true });
    return sendAwsError(res, requestId, modelNotReady(ctx.endpointName, variant.name));
  }
  await relayToContainer(req, res, { requestId, body, variant, ctx, logDone });
}
