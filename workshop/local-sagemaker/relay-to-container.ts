/**
 * Relays an accepted invocation to its variant's container and maps the answer to
 * InvokeEndpoint's: 2xx passes through with the variant header, 4xx/5xx becomes a
 * ModelError, no answer becomes ServiceUnavailable (unreachable) or ModelError (timeout).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { modelError, modelTimeout, sendAwsError, serviceUnavailable } from './aws-errors.ts';
import { ContainerCallError } from './container-client.ts';
import type { InvokeContext } from './invoke-context.ts';
import { header } from './invoke-context.ts';
import type { Variant } from './variants.ts';

/** One accepted call: its id, raw body, chosen variant, and how to log its outcome. */
export interface RelayArgs {
  requestId: string;
  body: Buffer;
  variant: Variant;
  ctx: InvokeContext;
  logDone: (status: number, extra?: object) => void;
}

/** Forwards to the variant's container and maps its answer to InvokeEndpoint's. */
export async function relayToContainer(req: IncomingMessage, res: ServerResponse, args: RelayArgs): Promise<void> {
  const { requestId, body, variant, ctx, logDone } = args;
  const gone = new AbortController();
  const onClose = (): void => gone.abort();
  res.once('close', onClose);
  ctx.stats.byVariant[variant.name] = (ctx.stats.byVariant[variant.name] ?? 0) + 1;
  const where = { endpointName: ctx.endpointName, region: ctx.region, accountId: ctx.accountId };
  try {
    const answer = await ctx.containers.call({
      baseUrl: variant.url,
      body,
      contentType: header(req, 'content-type'),
      accept: header(req, 'accept'),
      customAttributes: header(req, 'x-amzn-sagemaker-custom-attributes'),
      timeoutMs: ctx.containerTimeoutMs,
      signal: gone.signal,
    });
    if (answer.status < 200 || answer.status >= 300) {
      logDone(424, { containerStatus: answer.status });
      return sendAwsError(
        res,
        requestId,
        modelError({ ...where, status: answer.status, body: answer.body.toString('utf8') }),
      );
    }
    const headers: Record<string, string | number> = {
      'content-type': answer.contentType ?? 'application/octet-stream',
      'content-length': answer.body.length,
      'x-amzn-requestid': requestId,
      'x-amzn-invoked-production-variant': variant.name,
    };
    // AWS echoes custom attributes only when the container itself set them.
    if (answer.customAttributes !== undefined) headers['x-amzn-sagemaker-custom-attributes'] = answer.customAttributes;
    if (res.destroyed) return;
    res.writeHead(200, headers);
    res.end(answer.body);
    logDone(200);
    ctx.capture?.({
      endpointName: ctx.endpointName,
      variantName: variant.name,
      inferenceId: header(req, 'x-amzn-sagemaker-inference-id'),
      input: { contentType: header(req, 'content-type') ?? 'application/octet-stream', body },
      output: { contentType: String(headers['content-type']), body: answer.body },
    });
  } catch (err) {
    const reason = err instanceof ContainerCallError ? err.reason : 'unreachable';
    if (reason === 'aborted') return logDone(0, { clientGone: true });
    logDone(reason === 'timeout' ? 424 : 503, { container: reason });
    sendAwsError(
      res,
      requestId,
      reason === 'timeout' ? modelTimeout(where, ctx.containerTimeoutMs) : serviceUnavailable(),
    );
  } finally {
    res.off('close', onClose);
  }
}
