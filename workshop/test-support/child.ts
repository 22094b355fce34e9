/**
 * Starts a TypeScript entry as its own Node process (`node --import tsx`), so a
 * server under test never shares an event loop with the load that measures it.
 * The child reports readiness with one JSON line on stdout that holds `"ready": true`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The project root, so children run with the same cwd whoever starts them. */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

/** A running child and what it announced. */
export interface StartedChild<Info> {
  process: ChildProcess;
  info: Info;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** CPU time (user + system) the child has used, in milliseconds (Linux /proc). */
  cpuMs(): number;
  /** Resolves once the child has exited and its output is read to the end. */
  closed: Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Options for a child. */
export interface ChildOptions {
  env?: Record<string, string>;
  args?: string[];
  /** How long to wait for the ready line. */
  timeoutMs?: number;
  nodeArgs?: string[];
}

const clockTicksPerMs = 100 / 1000; // Linux USER_HZ is 100 on every kernel Node supports here

/** CPU ms of a process from /proc/<pid>/stat (fields 14 and 15 count clock ticks). */
export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicksPerMs;
  } catch {
    return Number.NaN;
  }
}

/** Spawns `entry` (a path from the project root) and waits for its ready line. */
export function startChild<Info>(entry: string, options: ChildOptions = {}): Promise<StartedChild<Info>> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), '--import', 'tsx', entry, ...(options.args ?? [])],
    {
      cwd: projectRoot,
      env: {
        ...process.env,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${entry}: no ready line within ${options.timeoutMs ?? 20_000} ms; output:\n${out.slice(-2000)}`),
      );
    }, options.timeoutMs ?? 20_000);
    let pending = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      out += text;
      pending += text;
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (!line.includes('"ready":true')) continue;
        clearTimeout(timer);
        resolve({
          process: child,
          info: JSON.parse(line) as Info,
          output: () => out,
          closed: exited,
          cpuMs: () => processCpuMs(child.pid ?? -1),
          async stop(graceMs = 3000) {
            if (child.exitCode !== null || child.signalCode !== null) return;
            child.kill('SIGTERM');
            const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
            await exited;
            clearTimeout(force);
          },
        });
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited (${code ?? signal}) before it was ready:\n${out.slice(-2000)}`));
    });
  });
}
