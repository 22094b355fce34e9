/** Test support: a loopback port that was free a moment ago (for processes that cannot take port 0). */
export { freeLoopbackPort as freePort } from '../model/loopback-port.ts';
