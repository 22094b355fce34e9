/** Runs a paced load in its own process (load-process.ts) and returns what it saw. */
import { startChild } from './child.ts';
import type { LoadSpec } from './load-process.ts';
import type { PacedRun } from './paced-load.ts';

/** A load running in a child; `result` resolves when it has finished. */
export interface RunningLoad {
  startedAt: number;
  result: Promise<PacedRun>;
}

/** Starts the load; resolves once it has begun sending. */
export async function startLoad(spec: LoadSpec): Promise<RunningLoad> {
  const child = await startChild<{ ready: true; startedAt: number }>('workshop/test-support/load-process.ts', {
    args: [JSON.stringify(spec)],
  });
  const result = (async () => {
    await child.closed;
    const line = child
      .output()
      .split('\n')
      .find((l) => l.startsWith('{"result"'));
    if (!line) throw new Error(`load child ended without a result:\n${child.output().slice(-2000)}`);
    return (JSON.parse(line) as { result: PacedRun }).result;
  })();
  return { startedAt: child.info.startedAt, result };
}
