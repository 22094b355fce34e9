/**
 * The one place the proxy talks to SageMaker: `InvokeEndpoint` through the
 * AWS SDK with one attempt (retries would blow the budget), keep-alive, the
 * caller's abort signal, and the response checked against the contract (docs/contracts.md "Proxy → endpoint").
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Logger } from 'pino';
import type { BatchInvocation, Invocation } from '../../contracts/invocation.ts';
import { upstreamSocketPool } from '../config.ts';
import {
  checkBatchInvocationAnswer,
  checkInvocationAnswer,
  InvalidInvocationAnswerError,
  readAnswerJson,
} from '../../contracts/invocation-answer.ts';
import { ContractBreachLog, ContractError } from './upstream-errors.ts';

/** A model answer that kept the contract. */
export interface ModelAnswer {
  ids: string[];
  modelVersion: string;
  /** The production variant that answered. */
  variant: string | null;
}

/** Per-call options. */
export interface InvokeOptions {
  requestId: string;
  signal: AbortSignal;
  targetVariant?: string;
}

/**
 * The endpoint answered a batch body as a container that does not know it: a 4xx, or a 200 without
 * `shelves[]` (it read the body as a single one). The caller asks shelf by shelf instead.
 */
export class BatchRefusedError extends Error {
  override readonly name = 'BatchRefusedError';
}

/** A SageMaker real-time endpoint. */
export interface SageMakerEndpoint {
  invoke(request: Invocation, options: InvokeOptions): Promise<ModelAnswer>;
  /** One call for several shelves (the batch body); one answer per asked shelf, in order. */
  invokeBatch?(request: BatchInvocation, options: InvokeOptions): Promise<ModelAnswer[]>;
  close(): void;
}

/** How to reach the endpoint; credentials default to the AWS provider chain. */
export interface EndpointOptions {
  endpointName: string;
  region: string;
  endpointUrl?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Where an answer that broke the contract is logged, with the rule and the variant; default: nowhere. */
  logger?: Logger | undefined;
}

/** Turns a broken rule into the proxy's `ContractError` (a `bad-contract` failure), naming rule and variant. */
function contractError(error: unknown, variant: string | null): never {
  if (!(error instanceof InvalidInvocationAnswerError)) throw error;
  throw new ContractError(`sagemaker: the answer broke the contract: ${error.message}`, error.rule, variant);
}

/** A single answer: the content type, JSON, the answer schema, at most `k`, no duplicates, best first. */
export function parseAnswer(
  body: string,
  contentType: string | undefined,
  variant: string | null,
  k: number,
): ModelAnswer {
  try {
    const { recommendations, modelVersion } = checkInvocationAnswer(readAnswerJson(body, contentType), k);
    return { ids: recommendations.map((r) => r.itemId), modelVersion, variant };
  } catch (error) {
    return contractError(error, variant);
  }
}

/** A batch answer: `shelves[]` of exactly one entry per asked shelf, each kept to its rules, and `modelVersion`. */
export function parseBatchAnswer(
  body: string,
  contentType: string | undefined,
  variant: string | null,
  ks: readonly number[],
): ModelAnswer[] {
  try {
    const raw = readAnswerJson(body, contentType);
    if (typeof raw === 'object' && raw !== null && (raw as { shelves?: unknown }).shelves === undefined) {
      throw new BatchRefusedError('sagemaker: the endpoint answered a batch without shelves[]');
    }
    const { shelves, modelVersion } = checkBatchInvocationAnswer(raw, ks);
    return shelves.map((shelf) => ({ ids: shelf.recommendations.map((r) => r.itemId), modelVersion, variant }));
  } catch (error) {
    return contractError(error, variant);
  }
}

/** Builds the SDK client once; every call reuses its keep-alive sockets. */
export function createSageMakerEndpoint(options: EndpointOptions): SageMakerEndpoint {
  const agentOptions = { keepAlive: true, maxSockets: upstreamSocketPool };
  const client = new SageMakerRuntimeClient({
    region: options.region,
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: 1000,
    }),
  });
  const send = async (request: Invocation | BatchInvocation, { requestId, signal, targetVariant }: InvokeOptions) => {
    const output = await client.send(
      new InvokeEndpointCommand({
        EndpointName: options.endpointName,
        ContentType: 'application/json',
        Accept: 'application/json',
        Body: JSON.stringify(request),
        InferenceId: requestId,
        CustomAttributes: `requestId=${requestId}`,
        ...(targetVariant ? { TargetVariant: targetVariant } : {}),
      }),
      { abortSignal: signal },
    );
    return {
      body: output.Body ? new TextDecoder().decode(output.Body) : '',
      contentType: output.ContentType,
      variant: output.InvokedProductionVariant ?? null,
    };
  };
  const breaches = new ContractBreachLog(options.logger);
  /** Logs a broken contract (rule, variant, the call's request id) before it goes on as a failure. */
  const logged = <T>(parse: () => T, requestId: string): T => {
    try {
      return parse();
    } catch (error) {
      if (error instanceof ContractError) breaches.record(error, requestId);
      throw error;
    }
  };
  return {
    async invoke(request, options) {
      const { body, contentType, variant } = await send(request, options);
      return logged(() => parseAnswer(body, contentType, variant, request.k), options.requestId);
    },
    async invokeBatch(request, options) {
      let sent: { body: string; contentType: string | undefined; variant: string | null };
      try {
        sent = await send(request, options);
      } catch (error) {
        // A container that refuses the body (its 4xx, a ModelError to the SDK) does not know the batch body;
        // a 413 (too large) or 429 says nothing about the body's shape.
        const e = error as { name?: string; OriginalStatusCode?: number };
        const status = e.OriginalStatusCode ?? 0;
        if (e.name === 'ModelError' && status >= 400 && status < 500 && status !== 413 && status !== 429) {
          throw new BatchRefusedError(`sagemaker: the container refused the batch body (${status})`);
        }
        throw error;
      }
      const ks = request.shelves.map((shelf) => shelf.k);
      return logged(() => parseBatchAnswer(sent.body, sent.contentType, sent.variant, ks), options.requestId);
    },
    close: () => client.destroy(),
  };
}
