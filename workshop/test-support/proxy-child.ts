/**
 * The proxy as a real child process (`node --import tsx server/main.ts`), configured
 * only through its environment, so SIGKILL, crashes and its stdout/stderr are real.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port.ts';
import { projectRoot } from './child.ts';
import type { CloudInfo } from './cloud-process.ts';

/** A running proxy process. */
export interface ProxyChild {
  url: string;
  port: number;
  /** Its admin listener (`/metrics`): `RECO_ADMIN_PORT` from `env`, else a free port. */
  adminUrl: string;
  process: ChildProcess;
  /** Everything it wrote to stdout and stderr. */
  output(): string;
  /** Whether it has exited, and how. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | null;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** The environment a proxy needs to reach `cloud` with its key pair (or `credentials`). */
export function proxyEnv(
  cloud: CloudInfo,
  port: number,
  extra: Record<string, string> = {},
  credentials = cloud.credentials,
): Record<string, string> {
  return {
    PROXY_PORT: String(port),
    SAGEMAKER_ENDPOINT_URL: cloud.runtimeUrl,
    SAGEMAKER_ENDPOINT_NAME: cloud.endpointName,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: cloud.region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    RECO_RATE_LIMIT: '0',
    RECO_EVENTS_PER_MINUTE: '0',
    // The load and fuzz generators call as a storefront's back end would, with raw ids.
    RECO_ALLOW_RAW_USER_IDS: 'true',
    ...extra,
  };
}

/**
 * Starts server/main.ts with exactly `env` (plus PATH/HOME, and a free `RECO_ADMIN_PORT` unless
 * `env` gives one: several proxies run at once) and waits until /readyz says ready.
 */
export async function startProxyChild(env: Record<string, string>, readyWithinMs = 20_000): Promise<ProxyChild> {
  const port = Number(env.PROXY_PORT);
  const adminPort = env.RECO_ADMIN_PORT ?? String(await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', RECO_ADMIN_PORT: adminPort, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const closed = new Promise<void>((resolve) =>
    child.once('close', (code, signal) => {
      exited = { code, signal };
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (exited) throw new Error(`proxy exited before ready: ${JSON.stringify(exited)}\n${out.slice(-2000)}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`proxy not ready within ${readyWithinMs} ms\n${out.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    port,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    process: child,
    output: () => out,
    exit: () => exited,
    async kill(signal) {
      if (!exited) child.kill(signal);
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      await closed;
      clearTimeout(force);
    },
  };
}

export { freePort };
