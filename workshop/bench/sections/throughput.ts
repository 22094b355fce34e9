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

/**
 * One request: a GET of a path, or a JSON POST of `body` to `path` (the shelf names its shopper in
 * a body, never in a URL: the proxy refuses a userId in a query string).
 */
export type BenchRequest = string | { path: string; body: string };

/** The request to send for a shopper. */
export type RequestFor = (shopper: string) => BenchRequest;

/**
 * The model path's request for a customer, as JSON: what the shelf sends as text/plain, read alike,
 * and read by a proxy build of any age (`bench:ab` compares one from before the shelf posted).
 */
export const modelShelf: RequestFor = (shopper) => ({
  path: '/v1/recommendations',
  body: JSON.stringify({ placement: 'home', userId: shopper }),
});

/** `fetch` of a `BenchRequest` at `baseUrl`. */
export function fetchBench(baseUrl: string, request: BenchRequest): Promise<Response> {
  if (typeof request === 'string') return fetch(`${baseUrl}${request}`);
  const { path, body } = request;
  return fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

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

/** One autocannon run; `path(shopper)` builds each request. */
export async function throughputRound(
  target: StartedChild<TargetInfo>,
  path: RequestFor,
  connections: number,
  seconds: number,
): Promise<Round> {
  const shopper = nextShopper(shopperPool());
  const cpuBefore = target.cpuMs();
  const result = await autocannon({
    url: target.info.url,
    connections,
    duration: seconds,
    requests: [
      {
        setupRequest: (req) => {
          const request = path(shopper());
          if (typeof request === 'string') return { ...req, method: 'GET', path: request };
          const headers = { ...req.headers, 'content-type': 'application/json' };
          return { ...req, method: 'POST', path: request.path, body: request.body, headers };
        },
      },
    ],
  });
  const cpu = target.cpuMs() - cpuBefore;
  const ok = result['2xx'];
  return {
    okPerSec: Math.round(ok / seconds),
    non2xx: result.non2xx,
    errors: result.errors,
    p50: result.latency.p50,
    p99: result.latency.p99,
    // To the microsecond: the proxy's CPU per answer is about 0.1 ms, so hundredths would hide a 10 % change.
    cpuMsPerAnswer: ok > 0 ? Math.round((cpu / ok) * 1000) / 1000 : Number.NaN,
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
  subject: { target: StartedChild<TargetInfo>; path: RequestFor },
  reference: { target: StartedChild<TargetInfo>; path: RequestFor },
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
