/**
 * The one place the proxy talks to SageMaker: `InvokeEndpoint` through the
 * AWS SDK with one attempt (retries would blow the budget), keep-alive, the
 * caller's abort signal, and the response checked against the contract (docs/contracts.md "Proxy → endpoint").
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Invocation } from '../../contracts/invocation.ts';
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

/** A SageMaker real-time endpoint. */
export interface SageMakerEndpoint {
  invoke(request: Invocation, options: InvokeOptions): Promise<ModelAnswer>;
  close(): void;
}

/** How to reach the endpoint; credentials default to the AWS provider chain. */
export interface EndpointOptions {
  endpointName: string;
  region: string;
  endpointUrl?: string | undefined;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

function parseAnswer(body: string, variant: string | null): ModelAnswer {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new ContractError('sagemaker: the endpoint answered with a body that is not JSON');
  }
  const { recommendations, modelVersion } = (json ?? {}) as { recommendations?: unknown; modelVersion?: unknown };
  if (!Array.isArray(recommendations) || typeof modelVersion !== 'string') {
    throw new ContractError('sagemaker: the answer lacks recommendations[] or modelVersion');
  }
  const ids: string[] = [];
  for (const r of recommendations) {
    const itemId = (r as { itemId?: unknown } | null)?.itemId;
    if (typeof itemId !== 'string') throw new ContractError('sagemaker: a recommendation lacks a string itemId');
    ids.push(itemId);
  }
  return { ids, modelVersion, variant };
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
  return {
    async invoke(request, { requestId, signal, targetVariant }) {
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
      const body = output.Body ? new TextDecoder().decode(output.Body) : '';
      return parseAnswer(body, output.InvokedProductionVariant ?? null);
    },
    close: () => client.destroy(),
  };
}
