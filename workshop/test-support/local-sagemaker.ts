/**
 * Test helper for every part that needs "the cloud": starts a local runtime on
 * 127.0.0.1 and a free port with the default credentials, and closes it without leaks.
 */
import type { AddressInfo } from 'node:net';
import type { LocalRuntime, LocalRuntimeOptions } from '../local-sagemaker/app.ts';
import { createLocalRuntime } from '../local-sagemaker/app.ts';
import {
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_ENDPOINT_NAME,
  DEFAULT_REGION,
  DEFAULT_SECRET_ACCESS_KEY,
  DEFAULT_VARIANTS_SPEC,
} from '../local-sagemaker/defaults.ts';
import { parseVariantsSpec } from '../local-sagemaker/variants.ts';

/** A running local runtime and what a client needs to call it. */
export interface StartedLocalRuntime {
  /** Base URL to give the SDK as `endpoint`, e.g. `http://127.0.0.1:41234`. */
  url: string;
  port: number;
  runtime: LocalRuntime;
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  endpointName: string;
  /** Stops listening and ends every connection, hanging ones included. */
  close(): Promise<void>;
}

/**
 * Starts a runtime on 127.0.0.1:0. Any option may be overridden; `variants` defaults to
 * `AllTraffic` → `http://127.0.0.1:8081` (pass your own container's URL in tests).
 */
export async function startLocalRuntime(partial: Partial<LocalRuntimeOptions> = {}): Promise<StartedLocalRuntime> {
  const options: LocalRuntimeOptions = {
    endpointName: DEFAULT_ENDPOINT_NAME,
    accessKeyId: DEFAULT_ACCESS_KEY_ID,
    secretAccessKey: DEFAULT_SECRET_ACCESS_KEY,
    region: DEFAULT_REGION,
    variants: parseVariantsSpec(DEFAULT_VARIANTS_SPEC),
    ...partial,
  };
  const runtime = createLocalRuntime(options);
  const { server } = runtime;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    runtime,
    credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
    region: options.region,
    endpointName: options.endpointName,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
