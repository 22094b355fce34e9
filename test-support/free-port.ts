/** Test support: a loopback port that was free a moment ago (for processes that cannot take port 0). */
import type { StackPorts } from '../demo/processes.ts';
import { freeLoopbackPort as freePort } from '../model/loopback-port.ts';

export { freePort };

/** Four ports, one for each server of the demo stack. */
export async function freeStackPorts(): Promise<StackPorts> {
  return {
    storefront: await freePort(),
    proxy: await freePort(),
    sagemaker: await freePort(),
    container: await freePort(),
  };
}
