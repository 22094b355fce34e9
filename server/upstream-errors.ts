/**
 * Sorts what went wrong with a SageMaker call into the answer's
 * `fallbackReason`, with a finer label for the metrics (docs/contracts.md "Proxy → endpoint").
 */
import type { FallbackReason } from '../contracts/shelf-answer.ts';

/** Why an answer did not come from this request's model call. */

/** A reason plus the finer label the metrics count. */
export interface UpstreamFailure {
  reason: FallbackReason;
  label: string;
  /**
   * The endpoint refused this request itself (a validation error, a payload too large, the
   * container's 4xx): a sign of a bad request, not of a sick cloud, so the breaker ignores it.
   */
  causedByRequest?: true;
}

/** The endpoint answered 200 with a body that breaks the contract. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
}

interface ErrorLike {
  name?: string;
  OriginalStatusCode?: number;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

const throttling = new Set(['ThrottlingException', 'ModelNotReadyException', 'TooManyRequestsException']);

/**
 * Classifies a failed call. `deadlineHit` says whether our own abort signal
 * fired: the SDK names a reset connection a TimeoutError too, so the name
 * alone cannot tell a timeout.
 */
export function classifyUpstreamError(error: unknown, deadlineHit: boolean): UpstreamFailure {
  if (deadlineHit) return { reason: 'timeout', label: 'deadline' };
  const e = (error ?? {}) as ErrorLike;
  const status = e.$metadata?.httpStatusCode;
  const code = e.code ?? (e.cause as ErrorLike | undefined)?.code;
  if (e.name && throttling.has(e.name))
    return { reason: 'throttled', label: e.name === 'ModelNotReadyException' ? 'model-not-ready' : 'throttling' };
  if (status === 429) return { reason: 'throttled', label: 'throttling' };
  if (e.name === 'CredentialsProviderError') return { reason: 'not-configured', label: 'no-credentials' };
  if (error instanceof ContractError || e.name === 'SyntaxError') return { reason: 'error', label: 'bad-contract' };
  if (e.name === 'ValidationError' || status === 413)
    return { reason: 'error', label: 'request-refused', causedByRequest: true };
  if (e.name === 'ModelError' && (e.OriginalStatusCode ?? 0) >= 400 && (e.OriginalStatusCode ?? 0) < 500)
    return { reason: 'error', label: 'request-refused', causedByRequest: true };
  if (e.name === 'ModelError') return { reason: 'error', label: 'model-error' };
  if (code === 'ECONNREFUSED') return { reason: 'error', label: 'connection-refused' };
  if (code === 'ECONNRESET' || e.name === 'TimeoutError') return { reason: 'error', label: 'connection-reset' };
  if (status === 403) return { reason: 'error', label: 'auth' };
  if (status !== undefined && status >= 500) return { reason: 'error', label: 'server-error' };
  if (status !== undefined && status >= 400) return { reason: 'error', label: 'client-error' };
  return { reason: 'error', label: 'unknown' };
}
