/** Test support: a loopback port that was free a moment ago (for processes that cannot take port 0). */
import type { StackPorts } from '../../demo/processes.ts';
import { freeLoopbackPort as freePort } from '../../model/container/loopback-port.ts';

export { freePort };

/** Five ports, one for each server of the demo stack and one for the proxy's admin listener. */
export async function freeStackPorts(): Promise<StackPorts> {
  return {
    storefront: await freePort(),
    proxy: await freePort(),
    proxyAdmin: await freePort(),
    sagemaker: await freePort(),
    container: await freePort(),
  };
}
