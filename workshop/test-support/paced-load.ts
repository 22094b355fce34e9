/**
 * An open-loop paced sender: requests leave at a fixed rate whatever the server
 * does (a slow server does not slow the sender down, so latency is not hidden),
 * bounded in count and in time. Latency runs from dispatch to the last body byte.
 */
import { Agent, request } from 'node:http';

/** One request's outcome: a label such as "200" or "200:fallback", or "error:ECONNREFUSED". */
export type SendOutcome = string;

/** What a paced run saw. */
export interface PacedRun {
  rate: number;
  durationMs: number;
  /** Per request, in dispatch order. */
  latencies: number[];
  /** Dispatch time of each request, ms since the run began. */
  sentAt: number[];
  outcomes: SendOutcome[];
  /** Requests still unanswered when the drain time ran out (counted as errors). */
  unfinished: number;
  /** Worst delay between a request's planned and actual dispatch: the sender's own noise. */
  senderLagMaxMs: number;
}

/** Options of a run. */
export interface PacedOptions {
  rate: number;
  durationMs: number;
  send: (index: number) => Promise<SendOutcome>;
  /** How long to wait for stragglers after the last dispatch. */
  drainMs?: number;
}

/** Runs `send` at `rate` per second for `durationMs`. */
export async function runPaced({ rate, durationMs, send, drainMs = 5000 }: PacedOptions): Promise<PacedRun> {
  const total = Math.max(1, Math.round((rate * durationMs) / 1000));
  const latencies = new Array<number>(total).fill(Number.NaN);
  const sentAt = new Array<number>(total).fill(Number.NaN);
  const outcomes = new Array<SendOutcome>(total).fill('unfinished');
  const pending = new Set<Promise<void>>();
  let sent = 0;
  let lagMax = 0;
  const t0 = performance.now();
  const dispatch = (i: number): void => {
    const start = performance.now();
    sentAt[i] = start - t0;
    lagMax = Math.max(lagMax, start - t0 - (i * 1000) / rate);
    const done = send(i).then(
      (outcome) => {
        latencies[i] = performance.now() - start;
        outcomes[i] = outcome;
      },
      (error: unknown) => {
        latencies[i] = performance.now() - start;
        outcomes[i] = `error:${(error as NodeJS.ErrnoException).code ?? (error as Error).name}`;
      },
    );
    const tracked = done.finally(() => pending.delete(tracked));
    pending.add(tracked);
  };
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
    while (sent < due) dispatch(sent++);
    if (sent < total)
      await new Promise((r) =>
        setTimeout(r, Math.max(1, Math.min(5, (sent * 1000) / rate - (performance.now() - t0)))),
      );
  }
  const drained = Promise.all(pending).then(() => true);
  const timedOut = new Promise<boolean>((r) => setTimeout(() => r(false), drainMs).unref());
  await Promise.race([drained, timedOut]);
  const unfinished = outcomes.filter((o) => o === 'unfinished').length;
  return { rate, durationMs, latencies, sentAt, outcomes, unfinished, senderLagMaxMs: Math.round(lagMax * 10) / 10 };
}

/**
 * Keep-alive HTTP GETs, and POSTs of a text/plain body (the shelf's request), that read the whole
 * answer; 2xx answers are labelled with their `source` when asked.
 */
export function httpGetter(baseUrl: string, options: { withSource?: boolean; timeoutMs?: number } = {}) {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const { hostname, port } = new URL(baseUrl);
  const send = (path: string, body?: string): Promise<SendOutcome> =>
    new Promise((resolve, reject) => {
      const post =
        body === undefined ? {} : { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) };
      const req = request(
        {
          host: hostname,
          port,
          path,
          agent,
          method: body === undefined ? 'GET' : 'POST',
          headers: post,
          timeout: options.timeoutMs ?? 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const status = String(res.statusCode);
            if (!options.withSource || res.statusCode !== 200) return resolve(status);
            try {
              const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
                source?: string;
                fallbackReason?: string | null;
              };
              resolve(`${status}:${body.source}:${body.fallbackReason ?? 'none'}`);
            } catch {
              resolve(`${status}:unparsable`);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(Object.assign(new Error('client timeout'), { code: 'CLIENT_TIMEOUT' })));
      req.on('error', reject);
      req.end(body);
    });
  return {
    get: (path: string) => send(path),
    post: (path: string, body: string) => send(path, body),
    close: () => agent.destroy(),
  };
}
