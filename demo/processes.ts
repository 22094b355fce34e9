/**
 * Runs the whole hybrid path on one machine as four processes — model
 * container, local SageMaker runtime, proxy, storefront — wired by environment
 * variables exactly as they would be apart. Used by `npm start` and the
 * end-to-end tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixedPort } from '../environment/parsers.ts';
import { readEnvironment } from '../environment/read-environment.ts';
import {
  DEFAULT_ACCESS_KEY_ID,
  DEFAULT_REGION,
  DEFAULT_SECRET_ACCESS_KEY,
} from '../workshop/local-sagemaker/defaults.ts';
import { stopPromotedContainers } from '../model/retrain/local-promotion.ts';
import { builtPaths } from '../scripts/ensure-built.ts';
import { exitWithStack, removeStackFile, writeStackFile } from '../workshop/local-stack/stack-lifetime.ts';
import {
  developmentPseudonymKey,
  developmentServerKey,
  developmentShopperTokenSecret,
} from '../environment/development-keys.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The ports the four processes listen on (all on 127.0.0.1); the proxy has two. */
export interface StackPorts {
  storefront: number;
  proxy: number;
  /** The proxy's admin listener (`/metrics`), read by the storefront's shop monitor. */
  proxyAdmin: number;
  sagemaker: number;
  container: number;
}

/** A running stack. */
export interface RunningStack {
  urls: { storefront: string; proxy: string; proxyAdmin: string; sagemaker: string; container: string };
  /** Where each process writes its log (and `stack.json`, which names this launcher while it runs). */
  logDir: string;
  /** Each process's pid, by name. */
  pids: Record<string, number>;
  /** Stops every process (SIGTERM, then SIGKILL after 5 s). */
  stop(): Promise<void>;
  /** Resolves with a message when any process exits on its own. */
  exited: Promise<string>;
}

/**
 * The stack's ports from the environment, with the defaults the README lists (the container's
 * defaults to the runtime's + 1); throws one `InvalidEnvironmentError` naming every bad variable.
 */
export function portsFromEnv(env: NodeJS.ProcessEnv = process.env): StackPorts {
  const defaults = {
    storefront: 8000,
    proxy: 3000,
    proxyAdmin: 9464,
    sagemaker: 8080,
    container: undefined as number | undefined,
  };
  const { container, ...ports } = readEnvironment(
    'start',
    defaults,
    {
      STOREFRONT_PORT: ['storefront', fixedPort],
      PROXY_PORT: ['proxy', fixedPort],
      RECO_ADMIN_PORT: ['proxyAdmin', fixedPort],
      SAGEMAKER_PORT: ['sagemaker', fixedPort],
      MODEL_CONTAINER_PORT: ['container', fixedPort],
    },
    env,
  );
  return { ...ports, container: container ?? ports.sagemaker + 1 };
}

async function waitFor(url: string, child: ChildProcess, name: string, deadline: number): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`start: ${name} exited with ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`start: ${name} was not ready at ${url} within the time allowed`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const portVariables: Record<keyof StackPorts, string> = {
  storefront: 'STOREFRONT_PORT',
  proxy: 'PROXY_PORT',
  proxyAdmin: 'RECO_ADMIN_PORT',
  sagemaker: 'SAGEMAKER_PORT',
  container: 'MODEL_CONTAINER_PORT',
};

/** Fails with the variable to change when a port is taken, before anything starts. */
async function assertPortsFree(ports: Partial<StackPorts>): Promise<void> {
  for (const [name, port] of Object.entries(ports) as Array<[keyof StackPorts, number]>) {
    const server = createServer();
    const free = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!free)
      throw new Error(
        `start: port ${port} (${name}) is already in use — stop what holds it, ` +
          `or set ${portVariables[name]} to another port`,
      );
  }
}

/** Starts the four processes and resolves once each answers its readiness check. */
export async function startProcesses(
  ports: StackPorts,
  options: {
    env?: NodeJS.ProcessEnv;
    logDir?: string;
    readyWithinMs?: number;
    /** A model container already running elsewhere (`npm start -- --container-url`): none is started. */
    containerUrl?: string | undefined;
  } = {},
): Promise<RunningStack> {
  const outside = options.containerUrl;
  const { container: _ours, ...others } = ports;
  await assertPortsFree(outside ? others : ports);
  const env = { ...process.env, ...options.env };
  const logDir = options.logDir ?? join(root, 'var', 'logs');
  mkdirSync(logDir, { recursive: true });
  const accessKeyId = env.LOCAL_SAGEMAKER_ACCESS_KEY_ID || DEFAULT_ACCESS_KEY_ID;
  const secretAccessKey = env.LOCAL_SAGEMAKER_SECRET_ACCESS_KEY || DEFAULT_SECRET_ACCESS_KEY;
  const urls = {
    storefront: `http://localhost:${ports.storefront}`,
    proxy: `http://localhost:${ports.proxy}`,
    proxyAdmin: `http://127.0.0.1:${ports.proxyAdmin}`,
    sagemaker: `http://127.0.0.1:${ports.sagemaker}`,
    container: outside ?? `http://127.0.0.1:${ports.container}`,
  };
  const shared = {
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_REGION: env.AWS_REGION || DEFAULT_REGION,
  };
  const allSpecs: Array<{ name: string; entry: string; env: NodeJS.ProcessEnv; ready: string }> = [
    {
      name: 'model-container',
      entry: 'model/container/serve.ts',
      env: { SAGEMAKER_BIND_TO_PORT: String(ports.container), SM_MODEL_DIR: env.SM_MODEL_DIR || builtPaths.modelDir },
      ready: `${urls.container}/ping`,
    },
    {
      name: 'local-sagemaker',
      entry: 'workshop/local-sagemaker/start.ts',
      env: {
        SAGEMAKER_PORT: String(ports.sagemaker),
        LOCAL_SAGEMAKER_ACCESS_KEY_ID: accessKeyId,
        LOCAL_SAGEMAKER_SECRET_ACCESS_KEY: secretAccessKey,
        LOCAL_SAGEMAKER_VARIANTS: env.LOCAL_SAGEMAKER_VARIANTS || `AllTraffic=${urls.container}`,
      },
      ready: `${urls.sagemaker}/_weather`,
    },
    {
      name: 'proxy',
      entry: 'server/main.ts',
      env: {
        PROXY_PORT: String(ports.proxy),
        RECO_ADMIN_PORT: String(ports.proxyAdmin),
        SAGEMAKER_ENDPOINT_URL: env.SAGEMAKER_ENDPOINT_URL || urls.sagemaker,
        AWS_ACCESS_KEY_ID: accessKeyId,
        AWS_SECRET_ACCESS_KEY: secretAccessKey,
        AWS_SESSION_TOKEN: '',
        AWS_EC2_METADATA_DISABLED: 'true',
        RECO_SHOPPER_TOKEN_SECRET: env.RECO_SHOPPER_TOKEN_SECRET || developmentShopperTokenSecret,
        RECO_PSEUDONYM_KEY: env.RECO_PSEUDONYM_KEY || developmentPseudonymKey,
        RECO_SERVER_KEY: env.RECO_SERVER_KEY || developmentServerKey,
        // No balancer has to take the demo's one proxy out before it stops: Ctrl-C stops it at once.
        RECO_DRAIN_MS: env.RECO_DRAIN_MS || '0',
        // The demo storefront must always be allowed; the caller's origins come on top.
        RECO_ALLOWED_ORIGINS: [
          env.RECO_ALLOWED_ORIGINS,
          `http://localhost:${ports.storefront},http://127.0.0.1:${ports.storefront}`,
        ]
          .filter(Boolean)
          .join(','),
      },
      ready: `${urls.proxy}/readyz`,
    },
    {
      name: 'storefront',
      entry: 'demo/storefront/main.ts',
      env: {
        STOREFRONT_PORT: String(ports.storefront),
        PROXY_URL: urls.proxy,
        PROXY_ADMIN_URL: urls.proxyAdmin,
        LOCAL_SAGEMAKER_URL: urls.sagemaker,
      },
      ready: `${urls.storefront}/static/legacy.css`,
    },
  ];
  // An outside container is not ours to start or wait for: the stand-in pings it until it is in service.
  const specs = outside ? allSpecs.filter((spec) => spec.name !== 'model-container') : allSpecs;

  // Each process ends with this launcher, even one killed without a chance to run its stop.
  const lifetime = exitWithStack(process.pid);
  const children: Array<{ name: string; child: ChildProcess }> = [];
  let stopping = false;
  const exited = new Promise<string>((resolve) => {
    for (const spec of specs) {
      // Each child writes its log file itself: through a pipe, a busy launcher (the e2e test
      // runner driving Chromium) would stall the servers' synchronous log writes.
      const log = openSync(join(logDir, `${spec.name}.log`), 'a');
      const child = spawn(process.execPath, ['--import', 'tsx', ...lifetime.nodeArgs, join(root, spec.entry)], {
        cwd: root,
        env: { ...env, ...shared, ...spec.env, ...lifetime.env },
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      child.once('exit', (code, signal) => {
        if (!stopping) resolve(`${spec.name} exited (${signal ?? code}); see ${join(logDir, `${spec.name}.log`)}`);
      });
      children.push({ name: spec.name, child });
    }
  });

  // `npm run retrain -- --promote` finds this launcher here and ties its challenger to it.
  writeStackFile(logDir, urls);

  const stop = async (): Promise<void> => {
    stopping = true;
    removeStackFile(logDir);
    // Challenger containers `npm run retrain -- --promote` added to this stack go with it.
    stopPromotedContainers(logDir);
    await Promise.all(
      children.map(({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        });
      }),
    );
  };

  const deadline = Date.now() + (options.readyWithinMs ?? 60_000);
  try {
    for (const [i, spec] of specs.entries()) await waitFor(spec.ready, children[i]!.child, spec.name, deadline);
  } catch (error) {
    await stop();
    const name = /start: (\S+)/.exec((error as Error).message)?.[1];
    let tail = '';
    try {
      tail = readFileSync(join(logDir, `${name}.log`), 'utf8')
        .split('\n')
        .slice(-15)
        .join('\n');
    } catch {}
    const busy = /EADDRINUSE[^\n]*:(\d+)/.exec(tail);
    const hint = busy
      ? `\nstart: port ${busy[1]} is already in use — stop what holds it, or pick other ports with ` +
        'STOREFRONT_PORT, PROXY_PORT, RECO_ADMIN_PORT, SAGEMAKER_PORT, MODEL_CONTAINER_PORT.'
      : `\n${tail}`;
    throw new Error(`${(error as Error).message}${hint}`);
  }
  const pids = Object.fromEntries(children.map(({ name, child }) => [name, child.pid!]));
  return { urls, logDir, pids, stop, exited };
}
