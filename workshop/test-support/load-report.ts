/** Reads a paced run the way the resilience goals are stated. */
import type { PacedRun } from './paced-load.ts';
import { summarize, type LatencySummary } from './stats.ts';

/** A run split into its first seconds and the rest. */
export interface RunReport {
  requests: number;
  non2xx: number;
  outcomes: Record<string, number>;
  all: LatencySummary;
  firstSeconds: LatencySummary;
  steady: LatencySummary;
  /** The load process's own worst dispatch delay: high means the machine starved the sender. */
  senderLagMaxMs: number;
}

/** Unanswered requests count as infinitely slow. */
export function reportRun(run: PacedRun, firstMs = 2000): RunReport {
  const latency = run.latencies.map((l) => (Number.isFinite(l) ? l : Number.POSITIVE_INFINITY));
  const outcomes: Record<string, number> = {};
  for (const o of run.outcomes) outcomes[o] = (outcomes[o] ?? 0) + 1;
  return {
    requests: run.outcomes.length,
    non2xx: run.outcomes.filter((o) => !o.startsWith('2')).length,
    outcomes,
    all: summarize(latency),
    firstSeconds: summarize(latency.filter((_, i) => run.sentAt[i]! < firstMs)),
    steady: summarize(latency.filter((_, i) => run.sentAt[i]! >= firstMs)),
    senderLagMaxMs: run.senderLagMaxMs,
  };
}
