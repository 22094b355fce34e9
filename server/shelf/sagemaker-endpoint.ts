/**
 * The one place the proxy talks to SageMaker: `InvokeEndpoint` through the
 * AWS SDK with one attempt (retries would blow the budget), keep-alive, the
 * caller's abort signal, and the response checked against the contract (docs/contracts.md "Proxy → endpoint").
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { BatchInvocation, Invocation } from '../../contracts/invocation.ts';
import { upstreamSocketPool } from '../config.ts';
import { ContractError } from './upstream-errors.ts';

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
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new ContractError('sagemaker: the endpoint answered with a body that is not JSON');
  }
}

function parseAnswer(body: string, variant: string | null): ModelAnswer {
  const { recommendations, modelVersion } = (parseJson(body) ?? {}) as {
    recommendations?: unknown;
    modelVersion?: unknown;
  };
  if (!Array.isArray(recommendations) || typeof modelVersion !== 'string') {
    throw new ContractError('sagemaker: the answer lacks recommendations[] or modelVersion');
  }
  return { ids: itemIds(recommendations), modelVersion, variant };
}

/** A batch answer: `shelves[]` of exactly `asked` entries, each with `recommendations[]`, and `modelVersion`. */
export function parseBatchAnswer(body: string, variant: string | null, asked: number): ModelAnswer[] {
  const { shelves, modelVersion } = (parseJson(body) ?? {}) as { shelves?: unknown; modelVersion?: unknown };
  if (shelves === undefined) throw new BatchRefusedError('sagemaker: the endpoint answered a batch without shelves[]');
  if (!Array.isArray(shelves) || shelves.length !== asked || typeof modelVersion !== 'string') {
    throw new ContractError(`sagemaker: the batch answer lacks ${asked} shelves[] or modelVersion`);
  }
  return shelves.map((shelf) => {
    const { recommendations } = (shelf ?? {}) as { recommendations?: unknown };
    if (!Array.isArray(recommendations)) throw new ContractError('sagemaker: a batch shelf lacks recommendations[]');
    return { ids: itemIds(recommendations), modelVersion, variant };
  });
}

function itemIds(recommendations: unknown[]): string[] {
  const ids: string[] = [];
  for (const r of recommendations) {
    const itemId = (r as { itemId?: unknown } | null)?.itemId;
    if (typeof itemId !== 'string') throw new ContractError('sagemaker: a recommendation lacks a string itemId');
    ids.push(itemId);
  }
  return ids;
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
      variant: output.InvokedProductionVariant ?? null,
    };
  };
  return {
    async invoke(request, options) {
      const { body, variant } = await send(request, options);
      return parseAnswer(body, variant);
    },
    async invokeBatch(request, options) {
      let sent: { body: string; variant: string | null };
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
      return parseBatchAnswer(sent.body, sent.variant, request.shelves.length);
    },
    close: () => client.destroy(),
  };
}
