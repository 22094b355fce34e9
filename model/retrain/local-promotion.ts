/**
 * `--promote` on the local stack: starts a second model container for the new version and
 * tells the running local SageMaker runtime (`POST /_variants`) to route a share of the calls
 * to it — the local twin of a new endpoint config with two production variants. Nothing is
 * restarted; the champion keeps serving. `--full` gives the new version all the traffic and
 * leaves the old champion at weight 0, still running, so a rollback is one `POST /_variants`.
 */
import { freeLoopbackPort } from '../container/loopback-port.ts';
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitWithStack } from '../../workshop/local-stack/stack-lifetime.ts';
import { RetrainError } from './retrain-error.ts';

/** One production variant as the runtime lists it. */
export interface RuntimeVariant {
  name: string;
  url: string;
  weight: number;
}

/** What to promote and where. */
export interface PromotionOptions {
  /** The local runtime's base URL (its `/_variants` control route). */
  runtimeUrl: string;
  /** The new version's artifact folder and its version (which names its variant). */
  modelDir: string;
  modelVersion: string;
  /**
   * A container already running (any language, `--candidate-url`): served as the variant as it is,
   * nothing started; `modelDir` is then unused.
   */
  containerUrl?: string | undefined;
  /** Percent of traffic for the new version (1..99); ignored with `full`. */
  sharePercent: number;
  /** Make the new version the champion: all traffic, the others kept at weight 0. */
  full: boolean;
  /** Folder for the new container's log. */
  logDir: string;
  /** How long the new container may take to answer `/ping` 200. */
  readyWithinMs?: number;
  /**
   * The pid of the `npm start` launcher whose runtime this is (workshop/local-stack/stack-lifetime.ts): the new
   * container ends when that launcher does, however it ends. Unset (a runtime started by hand),
   * the container runs until stopped.
   */
  stackPid?: number | undefined;
}

/** What was done. */
export interface PromotionResult {
  variants: RuntimeVariant[];
  /** The new container's URL and process id (undefined when an existing one was reused). */
  container: { url: string; pid: number | undefined };
}

const serveEntry = fileURLToPath(new URL('../container/serve.ts', import.meta.url));

/**
 * The containers `--promote` started, one JSON line each (`pid`, `url`, `modelVersion`), kept in
 * the stack's log folder: they outlive the retrain, and `npm start`'s stop ends them with the rest.
 */
export function promotedContainersFile(logDir: string): string {
  return join(logDir, 'promoted-containers.jsonl');
}

/**
 * Stops the containers `--promote` started for a stack using `logDir` and forgets them. A pid is
 * signalled only while its command line is still a model container's (pids are reused).
 */
export function stopPromotedContainers(logDir: string): number {
  const file = promotedContainersFile(logDir);
  if (!existsSync(file)) return 0;
  let stopped = 0;
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const { pid } = JSON.parse(line) as { pid: number };
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(serveEntry)) continue;
      process.kill(pid, 'SIGTERM');
      stopped++;
    } catch {
      // already gone
    }
  }
  rmSync(file, { force: true });
  return stopped;
}

/**
 * The weights after promotion: the new variant gets `share` percent, the others share the rest
 * in their current proportions; with `full`, the new one gets everything and the others 0.
 */
export function promotedWeights(
  current: readonly RuntimeVariant[],
  added: { name: string; url: string },
  share: number,
  full: boolean,
): RuntimeVariant[] {
  const others = current.filter((v) => v.name !== added.name);
  if (full) return [...others.map((v) => ({ ...v, weight: 0 })), { ...added, weight: 100 }];
  const total = others.reduce((sum, v) => sum + v.weight, 0);
  if (total <= 0) return [{ ...added, weight: 100 }];
  const rest = 100 - share;
  return [
    ...others.map((v) => ({ ...v, weight: Math.round((v.weight / total) * rest * 1000) / 1000 })),
    { ...added, weight: share },
  ];
}

async function pingOk(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

/** Starts a detached model container for `modelDir`; resolves once `/ping` answers 200. */
async function startContainer(options: PromotionOptions): Promise<{ url: string; pid: number }> {
  const port = await freeLoopbackPort();
  const url = `http://127.0.0.1:${port}`;
  mkdirSync(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `model-container-${options.modelVersion}.log`);
  const log = openSync(logFile, 'a');
  // Detached: the container must outlive this command, as a second variant outlives a deploy —
  // but not the stack it serves, whose launcher it watches when there is one.
  const lifetime = options.stackPid === undefined ? { nodeArgs: [], env: {} } : exitWithStack(options.stackPid);
  const child = spawn(process.execPath, ['--import', 'tsx', ...lifetime.nodeArgs, serveEntry], {
    detached: true,
    stdio: ['ignore', log, log],
    env: {
      ...process.env,
      SM_MODEL_DIR: options.modelDir,
      SAGEMAKER_BIND_TO_PORT: String(port),
      ...lifetime.env,
    },
  });
  closeSync(log);
  let exited: number | null = null;
  child.once('exit', (code) => {
    exited = code ?? -1;
  });
  const deadline = Date.now() + (options.readyWithinMs ?? 60_000);
  while (!(await pingOk(url))) {
    if (exited !== null)
      throw new RetrainError('promotionFailed', `the challenger container exited (${exited}); see ${logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new RetrainError('promotionFailed', `the challenger container did not answer /ping; see ${logFile}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.unref();
  appendFileSync(
    promotedContainersFile(options.logDir),
    `${JSON.stringify({ pid: child.pid, url, modelVersion: options.modelVersion })}\n`,
  );
  return { url, pid: child.pid! };
}

async function runtimeVariants(runtimeUrl: string): Promise<RuntimeVariant[]> {
  try {
    const res = await fetch(`${runtimeUrl}/_variants`, { signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`GET /_variants answered ${res.status}`);
    return ((await res.json()) as { variants: RuntimeVariant[] }).variants;
  } catch (error) {
    throw new RetrainError(
      'promotionFailed',
      `no local SageMaker runtime with a /_variants route at ${runtimeUrl} (${(error as Error).message}); ` +
        'start the stack with npm start, or pass --runtime-url',
    );
  }
}

/**
 * A variant name for a container's `modelVersion` (SageMaker's rule: letters, digits, inner hyphens,
 * at most 63), since a foreign container's version may be anything.
 */
export function variantNameFor(modelVersion: string): string {
  const name = modelVersion
    .replace(/[^a-zA-Z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
  return name === '' ? 'challenger' : name;
}

/** Serves `modelDir` (or the running `containerUrl`) as a production variant of the running local runtime. */
export async function promoteLocally(options: PromotionOptions): Promise<PromotionResult> {
  if (!options.full && !(options.sharePercent > 0 && options.sharePercent < 100))
    throw new RetrainError('usage', `--share must be a percentage between 0 and 100, got ${options.sharePercent}`);
  const current = await runtimeVariants(options.runtimeUrl);
  const existing = current.find((v) => v.name === options.modelVersion);
  let container: { url: string; pid: number | undefined };
  if (existing && (await pingOk(existing.url))) container = { url: existing.url, pid: undefined };
  else if (options.containerUrl !== undefined) {
    const url = options.containerUrl.replace(/\/+$/, '');
    if (!(await pingOk(url)))
      throw new RetrainError('promotionFailed', `the candidate container at ${url} does not answer /ping with 200`);
    container = { url, pid: undefined };
  } else container = await startContainer(options);
  const variants = promotedWeights(
    current,
    { name: options.modelVersion, url: container.url },
    options.sharePercent,
    options.full,
  );
  const res = await fetch(`${options.runtimeUrl}/_variants`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ variants }),
  });
  if (!res.ok)
    throw new RetrainError('promotionFailed', `the runtime refused the variants: ${res.status} ${await res.text()}`);
  return { variants, container };
}
