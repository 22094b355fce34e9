/**
 * `npm start`'s launcher as a child process for tests: the real four processes
 * (demo/processes.ts) on the ports `portsFromEnv` reads, logging into the folder named by the
 * first argument. Prints `{"ready":true,"pid":…,"pids":{…},"urls":{…}}` once every process
 * answers; killing this process is killing the stack. SIGTERM stops it as Ctrl-C stops npm start.
 * A test helper's ready line, not a server's log: it writes with `console`.
 */
import { portsFromEnv, startProcesses } from '../../demo/processes.ts';

const logDir = process.argv[2];
if (!logDir) throw new Error('stack-launcher-child: the log folder is the first argument');
const stack = await startProcesses(portsFromEnv(), { logDir });
console.log(JSON.stringify({ ready: true, pid: process.pid, pids: stack.pids, urls: stack.urls }));
process.once('SIGTERM', () => void stack.stop().then(() => process.exit(0)));
