/**
 * Ties the processes of an `npm start` stack — its four servers and any challenger container
 * `npm run retrain -- --promote` adds later — to the launcher's life, however the launcher ends:
 * Ctrl-C, SIGTERM, SIGKILL or a crash. A graceful stop already ends them; only this covers the
 * launcher that dies without running its stop (a SIGKILL leaves no handler a chance).
 *
 * How: the launcher writes `stack.json` (its pid and process start time) into its log folder, and
 * every process of the stack runs with `exit-with-stack.ts` preloaded and `RECO_STACK_PID` set,
 * which stops the process once that pid is gone. `--promote` finds the stack through the same
 * log folder it already shares with it (`--log-dir`).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The preload that ends a process when its stack's launcher is gone. */
export const exitWithStackEntry = fileURLToPath(new URL('./exit-with-stack.ts', import.meta.url));

/** The file in a stack's log folder that names its launcher while it runs. */
export function stackFile(logDir: string): string {
  return join(logDir, 'stack.json');
}

/**
 * When `pid` started, in clock ticks since boot (`/proc/<pid>/stat` field 22), or `undefined`
 * when it is not running (or a zombie) — with the pid, it tells a process apart from a later one
 * that reuses the number.
 */
export function processStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : Number(fields[19]);
  } catch {
    return undefined;
  }
}

const hasProcfs = existsSync('/proc/self/stat');

/** True while `pid` runs (not a zombie; without /proc, while it can be signalled). */
export function isRunning(pid: number): boolean {
  if (hasProcfs) return processStartTicks(pid) !== undefined;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Written by the launcher: this process leads the stack whose logs are in `logDir`. */
export function writeStackFile(logDir: string, urls: Record<string, string>): void {
  const record = { pid: process.pid, startTicks: processStartTicks(process.pid), urls };
  writeFileSync(stackFile(logDir), `${JSON.stringify(record)}\n`);
}

/** Removed by the launcher's stop: the stack is gone. */
export function removeStackFile(logDir: string): void {
  rmSync(stackFile(logDir), { force: true });
}

/** The launcher's pid of the stack logging into `logDir`, if that launcher still runs (a stale file is ignored). */
export function liveStackPid(logDir: string): number | undefined {
  let record: { pid?: unknown; startTicks?: unknown };
  try {
    record = JSON.parse(readFileSync(stackFile(logDir), 'utf8'));
  } catch {
    return undefined;
  }
  if (typeof record.pid !== 'number' || !isRunning(record.pid)) return undefined;
  return processStartTicks(record.pid) === record.startTicks ? record.pid : undefined;
}

/** Node arguments and environment that make a process of the stack led by `stackPid` end with it. */
export function exitWithStack(stackPid: number): { nodeArgs: string[]; env: Record<string, string> } {
  return { nodeArgs: ['--import', exitWithStackEntry], env: { RECO_STACK_PID: String(stackPid) } };
}
