/**
 * Saturation throughput with autocannon (in this process; every server under test
 * runs in its own child), two targets alternated over several rounds so the shared
 * machine's drift hits both. Also the CPU each target process spent per answer.
 */
import autocannon from 'autocannon';
import type { StartedChild } from '../../test-support/child.ts';
import { nextShopper, shopperPool } from '../../test-support/shoppers.ts';
import { medianOf, round } from '../../test-support/stats.ts';
import type { TargetInfo } from '../../test-support/target-process.ts';

/** One autocannon round against one target. */
export interface Round {
  okPerSec: number;
  non2xx: number;
  errors: number;
  p50: number;
  p99: number;
  cpuMsPerAnswer: number;
}

/** A target's rounds and their median. */
export interface TargetThroughput {
  rounds: Round[];
  medianOkPerSec: number;
  medianCpuMsPerAnswer: number;
}

/** A comparison: `subject` against `reference`. */
export interface ThroughputComparison {
  connections: number;
  secondsPerRound: number;
  subject: TargetThroughput;
  reference: TargetThroughput;
  /** median subject ÷ median reference. */
  ratio: number;
  /** Per-round ratios (subject round i ÷ reference round i): the spread. */
  roundRatios: number[];
  cpuRatio: number;
}

/** One autocannon run; `path(shopper)` builds each request's path. */
export async function throughputRound(
  target: StartedChild<TargetInfo>,
  path: (shopper: string) => string,
  connections: number,
  seconds: number,
): Promise<Round> {
  const shopper = nextShopper(shopperPool());
  const cpuBefore = target.cpuMs();
  const result = await autocannon({
    url: target.info.url,
    connections,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path(shopper()) }) }],
  });
  const cpu = target.cpuMs() - cpuBefore;
  const ok = result['2xx'];
  return {
    okPerSec: Math.round(ok / seconds),
    non2xx: result.non2xx,
    errors: result.errors,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMsPerAnswer: round(ok > 0 ? cpu / ok : Number.NaN),
  };
}

function summarizeRounds(rounds: Round[]): TargetThroughput {
  return {
    rounds,
    medianOkPerSec: medianOf(rounds.map((r) => r.okPerSec)),
    medianCpuMsPerAnswer: medianOf(rounds.map((r) => r.cpuMsPerAnswer)),
  };
}

/** Alternates reference and subject for `rounds` rounds each. */
export async function compareThroughput(
  subject: { target: StartedChild<TargetInfo>; path: (shopper: string) => string },
  reference: { target: StartedChild<TargetInfo>; path: (shopper: string) => string },
  options: { rounds: number; seconds: number; connections: number },
): Promise<ThroughputComparison> {
  const { rounds, seconds, connections } = options;
  await throughputRound(reference.target, reference.path, connections, 1); // warm both
  await throughputRound(subject.target, subject.path, connections, 1);
  const ref: Round[] = [];
  const sub: Round[] = [];
  for (let i = 0; i < rounds; i++) {
    ref.push(await throughputRound(reference.target, reference.path, connections, seconds));
    sub.push(await throughputRound(subject.target, subject.path, connections, seconds));
  }
  const s = summarizeRounds(sub);
  const r = summarizeRounds(ref);
  return {
    connections,
    secondsPerRound: seconds,
    subject: s,
    reference: r,
    ratio: round(s.medianOkPerSec / r.medianOkPerSec),
    roundRatios: sub.map((x, i) => round(x.okPerSec / ref[i]!.okPerSec)),
    cpuRatio: round(s.medianCpuMsPerAnswer / r.medianCpuMsPerAnswer),
  };
}
