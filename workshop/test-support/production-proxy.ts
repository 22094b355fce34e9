/**
 * The proxy as production runs it, for the deploy rehearsal: the compiled bundle
 * (`npm run build:proxy`, rebuilt here when missing or older than a file it was built from),
 * started with exactly the environment a test gives (no inherited variables), as an
 * unprivileged user when the tests run as root, from a folder only root may write.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { buildProxy } from '../../scripts/build-proxy.ts';
import { projectRoot } from './child.ts';

/** The bundle `npm run build:proxy` makes. */
export const productionBundle = join(projectRoot, 'dist/server/main.js');

/**
 * Why the bundle must be (re)built, or undefined when it is current: every source its map
 * lists (the proxy's own files and the npm packages it bundles) must be older than it.
 */
export function staleness(bundle = productionBundle): string | undefined {
  if (!existsSync(bundle) || !existsSync(`${bundle}.map`)) return 'not built';
  const builtAt = statSync(bundle).mtimeMs;
  const { sources } = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
  for (const source of sources) {
    const path = resolve(dirname(bundle), source);
    // Packages' own maps name sources they do not ship: only a missing file of the project's counts.
    if (!existsSync(path)) {
      if (path.includes('/node_modules/')) continue;
      return `${source} is gone`;
    }
    if (statSync(path).mtimeMs > builtAt) return `${source} changed since the build`;
  }
  return undefined;
}

/** Builds the bundle unless it is current; returns why it was built, or undefined. */
export async function ensureProductionBundle(): Promise<string | undefined> {
  const why = staleness();
  if (why) await buildProxy(dirname(productionBundle));
  return why;
}

/** Who the rehearsal runs the proxy as. */
export interface RunAs {
  uid: number;
  gid: number;
  name: string;
  /** Why this user (said in the test's output). */
  why: string;
  /** The command that starts `program args` as this user. */
  command(program: string, args: string[]): [string, string[]];
}

/** `nobody` via setpriv when root (no supplementary groups, no way back); else the user running the tests. */
export function unprivilegedUser(): RunAs {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) {
    return {
      uid,
      gid: process.getgid?.() ?? -1,
      name: `uid ${uid}`,
      why: `the tests do not run as root, so the proxy runs as their own user (uid ${uid})`,
      command: (program, args) => [program, args],
    };
  }
  const [name, , id, group] = execFileSync('getent', ['passwd', 'nobody'], { encoding: 'utf8' }).trim().split(':');
  const nobody = { uid: Number(id), gid: Number(group) };
  return {
    ...nobody,
    name: name!,
    why: `as root: the proxy runs as ${name} (uid ${nobody.uid}) through setpriv, with no supplementary groups`,
    command: (program, args) => [
      'setpriv',
      [`--reuid=${nobody.uid}`, `--regid=${nobody.gid}`, '--clear-groups', '--', program, ...args],
    ],
  };
}

/** Makes `dir` and everything in it root's (when root) and read-only: folders 0555, files 0444. */
export function makeReadOnly(dir: string): void {
  const asRoot = process.getuid?.() === 0;
  const walk = (path: string): void => {
    const stat = lstatSync(path);
    if (asRoot) chownSync(path, 0, 0);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) walk(join(path, name));
      chmodSync(path, 0o555);
    } else if (stat.isFile()) chmodSync(path, 0o444);
  };
  walk(dir);
}

/** A running production proxy. */
export interface ProductionProxy {
  url: string;
  process: ChildProcess;
  output(): string;
  /** How it exited, once it has. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /** Resolves when it has exited. */
  closed: Promise<void>;
  /** Sends `signal` and waits for the exit (SIGKILL after `graceMs`). */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** How to start one. */
export interface ProductionProxyOptions {
  /** The program and its arguments, as the shipped file's command line gives them. */
  argv: [string, ...string[]];
  cwd: string;
  /** The whole environment: nothing of the test's own is passed on. */
  env: Record<string, string>;
  /** Where its public listener will be. */
  url: string;
  runAs: RunAs;
  readyWithinMs?: number;
}

/** Starts the proxy and waits until its `/readyz` answers 200 (or it exits, or the deadline passes). */
export async function startProductionProxy(options: ProductionProxyOptions): Promise<ProductionProxy> {
  const [program, args] = options.runAs.command(options.argv[0], options.argv.slice(1));
  const child = spawn(program, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const closed = new Promise<void>((done) =>
    child.once('close', (code, signal) => {
      exited = { code, signal };
      done();
    }),
  );
  const within = options.readyWithinMs ?? 30_000;
  const deadline = Date.now() + within;
  for (;;) {
    if (exited) throw new Error(`the proxy exited before it was ready: ${JSON.stringify(exited)}\n${out.slice(-3000)}`);
    const ready = await fetch(`${options.url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the proxy was not ready within ${within} ms:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: options.url,
    process: child,
    output: () => out,
    exit: () => exited,
    closed,
    async stop(signal = 'SIGTERM', graceMs = 20_000) {
      if (!exited) child.kill(signal);
      const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await closed;
      clearTimeout(force);
    },
  };
}

/** Every file and folder below `dir` but those below `except`, with its size and time: to see what a run wrote. */
export function filesUnder(dir: string, except: readonly string[] = []): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (path: string): void => {
    if (except.some((e) => path === e || path.startsWith(`${e}/`))) return;
    const stat = lstatSync(path);
    found.set(path, `${stat.isDirectory() ? 'dir' : stat.size}@${stat.mtimeMs}`);
    if (stat.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name));
  };
  walk(dir);
  return found;
}
