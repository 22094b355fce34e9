/**
 * Test support: the real `SageMakerRuntimeClient` pointed at a started local runtime,
 * one attempt only so each error is seen exactly as the runtime sent it.
 */
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { StartedLocalRuntime } from './local-sagemaker.ts';

process.env.AWS_EC2_METADATA_DISABLED = 'true';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** A client for `started`; override credentials or any config through `overrides`. */
export function sdkClientFor(
  started: StartedLocalRuntime,
  overrides: Partial<ConstructorParameters<typeof SageMakerRuntimeClient>[0]> = {},
): SageMakerRuntimeClient {
  return new SageMakerRuntimeClient({
    endpoint: started.url,
    region: started.region,
    credentials: started.credentials,
    maxAttempts: 1,
    ...overrides,
  });
}

/** Runs `fn` expecting it to reject; returns what it rejected with. */
export async function rejection(fn: () => Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await fn();
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, it succeeded');
}
