/**
 * `npm start`: builds what is missing, then runs the model container, the
 * local SageMaker runtime, the proxy and the storefront until Ctrl-C/SIGTERM.
 * It prints a banner for a person, not log lines for a machine, so it uses `console`
 * (CONTRIBUTING.md "Logging"); the four processes it starts log with pino.
 */
import { ensureBuilt } from '../scripts/ensure-built.ts';
import { outsideContainerUrl } from '../workshop/local-stack/outside-container.ts';
import { portsFromEnv, startProcesses } from './processes.ts';

const started = Date.now();
try {
  const ports = portsFromEnv();
  const containerUrl = outsideContainerUrl(process.argv.slice(2));
  await ensureBuilt();
  // The demo holds 10 % of shoppers out (rules only), so the shop monitor compares model and rules.
  // Set here, not in processes.ts, so the end-to-end tests' shoppers all see the model.
  const stack = await startProcesses(ports, {
    env: { RECO_HOLDOUT_PERCENT: process.env.RECO_HOLDOUT_PERCENT || '10' },
    containerUrl,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`
reco-shelf is running (ready in ${seconds} s)

  Storefront            ${stack.urls.storefront}
  Proxy                 ${stack.urls.proxy}   (/v1/recommendations, /reco-shelf.js)
  Proxy admin           ${stack.urls.proxyAdmin}   (/metrics, /healthz, /readyz)
  Local SageMaker       ${stack.urls.sagemaker}   (POST /_weather to change the cloud weather)
  Model container       ${stack.urls.container}${containerUrl ? '   (yours: served once its /ping is 200)' : ''}
  Logs                  ${stack.logDir}

Open ${stack.urls.storefront} — Ctrl-C stops everything.
`);
  let stopping = false;
  const stop = async (why: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    console.log(`\nstopping (${why})…`);
    await stack.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop('SIGINT', 0));
  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  // npm does not always pass its SIGTERM on; an orphaned launcher must not keep four servers up.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop('the parent process exited', 0);
  }, 500).unref();
  void stack.exited.then((message) => stop(message, 1));
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
