/**
 * Sorts what went wrong with a SageMaker call into the answer's
 * `fallbackReason`, with a finer label for the metrics (docs/contracts.md "Proxy → endpoint").
 */
import type { Logger } from 'pino';
import type { AnswerRule } from '../../contracts/invocation-answer.ts';
import type { FallbackReason } from '../../contracts/shelf-answer.ts';

/**
 * A call that failed because the proxy is set up wrong, not because the cloud is sick: it
 * fails the same way until an operator acts, so it is counted, logged and alerted on.
 */
export type ConfigErrorKind =
  | 'endpoint-not-found'
  | 'variant-not-found'
  | 'access-denied'
  | 'bad-credentials'
  | 'no-credentials';

/** A reason plus the finer label the metrics count. */
export interface UpstreamFailure {
  reason: FallbackReason;
  label: string;
  /**
   * The endpoint refused this request itself (a validation error, a payload too large, the
   * container's 4xx, a target variant it does not have): a sign of a bad request, not of a
   * sick cloud, so the breaker ignores it (a probe's is released: the next caller probes).
   */
  causedByRequest?: true;
  /**
   * A configuration error. An unknown endpoint or bad credentials fail every call alike, so
   * they count for the breaker (an open breaker saves a doomed call per shelf, and its probe
   * finds the fix); an unknown variant fails only its shoppers' calls, so it is `causedByRequest`.
   */
  configError?: ConfigErrorKind;
}

/** The endpoint answered 200 with a body that breaks the contract: which rule, and which variant answered. */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  constructor(
    message: string,
    /** The rule broken (`contracts/invocation-answer.ts`'s `AnswerRule`: `schema`, `at-most-k`, `best-first`…). */
    readonly rule: AnswerRule | 'unknown' = 'unknown',
    /** The production variant that answered, when SageMaker said. */
    readonly variant: string | null = null,
  ) {
    super(message);
  }
}

/** How often each (rule, variant) of a broken contract is logged at most: a broken model fails every call. */
export const contractBreachLogEveryMs = 60_000;

/**
 * Logs answers that broke the contract at `warn`: each rule and variant at once the first time, then at
 * most once per `contractBreachLogEveryMs` with how many came in between. The line names the rule, the
 * variant and the detail, so the team that owns the model sees what to fix (the request log says only
 * `bad-contract`).
 */
export class ContractBreachLog {
  readonly #last = new Map<string, { at: number; since: number }>();

  constructor(
    private readonly logger: Logger | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  record(error: ContractError, requestId: string): void {
    if (!this.logger) return;
    const key = `${error.rule}\u0000${error.variant ?? ''}`;
    const now = this.now();
    const last = this.#last.get(key);
    if (last && now - last.at < contractBreachLogEveryMs) {
      last.since++;
      return;
    }
    this.logger.warn(
      {
        rule: error.rule,
        variant: error.variant,
        requestId,
        detail: error.message,
        sinceLastLog: last ? last.since + 1 : 1,
      },
      `sagemaker: the model's answer broke the contract (rule ${error.rule}); ` +
        'the shelf fell back (logged once a minute per rule and variant)',
    );
    this.#last.set(key, { at: now, since: 0 });
  }
}

interface ErrorLike {
  name?: string;
  message?: string;
  OriginalStatusCode?: number;
  code?: string;
  $metadata?: { httpStatusCode?: number };
  cause?: unknown;
}

const throttling = new Set(['ThrottlingException', 'ModelNotReadyException', 'TooManyRequestsException']);

/** AWS's front door refusing who signed the call: a key it does not know, a bad signature, an expired token. */
const badCredentials = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'InvalidClientTokenId',
  'MissingAuthenticationTokenException',
  'IncompleteSignatureException',
  'ExpiredTokenException',
  'SignatureDoesNotMatch',
]);

function configError(kind: ConfigErrorKind, reason: FallbackReason = 'error'): UpstreamFailure {
  return kind === 'variant-not-found'
    ? { reason, label: kind, causedByRequest: true, configError: kind }
    : { reason, label: kind, configError: kind };
}

/**
 * A ValidationError that names a missing endpoint or variant. AWS words them "Endpoint X of
 * account N not found." and "… variant X … not found …"; anything else is the request's fault.
 */
function missingResource(message: string | undefined): ConfigErrorKind | undefined {
  if (!message || !/\bnot found\b|\bdoes not exist\b/i.test(message)) return undefined;
  if (/\bvariant\b/i.test(message)) return 'variant-not-found';
  if (/\bendpoint\b/i.test(message)) return 'endpoint-not-found';
  return undefined;
}

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
  if (e.name === 'CredentialsProviderError') return configError('no-credentials', 'not-configured');
  if (e.name && badCredentials.has(e.name)) return configError('bad-credentials');
  if (e.name === 'AccessDeniedException') return configError('access-denied');
  if (error instanceof ContractError || e.name === 'SyntaxError') return { reason: 'error', label: 'bad-contract' };
  if (e.name === 'ValidationError') {
    const missing = missingResource(e.message);
    if (missing) return configError(missing);
  }
  if (e.name === 'ValidationError' || status === 413)
    return { reason: 'error', label: 'request-refused', causedByRequest: true };
  if (e.name === 'ModelError' && (e.OriginalStatusCode ?? 0) >= 400 && (e.OriginalStatusCode ?? 0) < 500)
    return { reason: 'error', label: 'request-refused', causedByRequest: true };
  if (e.name === 'ModelError') return { reason: 'error', label: 'model-error' };
  if (code === 'ECONNREFUSED') return { reason: 'error', label: 'connection-refused' };
  if (code === 'ECONNRESET' || e.name === 'TimeoutError') return { reason: 'error', label: 'connection-reset' };
  if (status === 403) return configError('access-denied');
  if (status !== undefined && status >= 500) return { reason: 'error', label: 'server-error' };
  if (status !== undefined && status >= 400) return { reason: 'error', label: 'client-error' };
  return { reason: 'error', label: 'unknown' };
}

/** How often each kind of configuration error is logged at most: a wrong setting fails every call. */
export const configErrorLogEveryMs = 60_000;

/**
 * Counts configuration errors (`count`, the metric) and logs each kind at once the first
 * time, then at most once per `configErrorLogEveryMs` with how many came in between: a wrong
 * endpoint name fails every shelf's call, and a line per request would flood the logs.
 */
export class ConfigErrorReport {
  readonly #lastLog = new Map<ConfigErrorKind, { at: number; since: number }>();

  constructor(
    private readonly options: {
      count: (kind: ConfigErrorKind) => void;
      logger?: Logger | undefined;
      now?: () => number;
    },
  ) {}

  /** One call failed with a configuration error of this kind. */
  record(kind: ConfigErrorKind, error: unknown): void {
    this.options.count(kind);
    const { logger } = this.options;
    if (!logger) return;
    const now = this.options.now?.() ?? Date.now();
    const last = this.#lastLog.get(kind);
    if (last && now - last.at < configErrorLogEveryMs) {
      last.since++;
      return;
    }
    const message = (error as { message?: unknown } | null)?.message;
    logger.error(
      { kind, err: typeof message === 'string' ? message : String(error), sinceLastLog: last ? last.since + 1 : 1 },
      'sagemaker: configuration error, every such call fails until the setting is fixed (logged once a minute)',
    );
    this.#lastLog.set(kind, { at: now, since: 0 });
  }
}
