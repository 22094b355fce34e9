/**
 * `npx tsx bench/events-store.ts [--events 5000000]`: the event store's numbers (issue #12),
 * against the real proxy process (`server/main.ts`, fdatasync on every group commit):
 * 1. writes N generated events as segments (received over the last 20 hours, so every id is
 *    in the dedup window and has to be read; 2 % purchases);
 * 2. starts the proxy on them: time to `/readyz` 200 and the resident memory then
 *    (goal ≤ 5 s, ≤ 250 MB);
 * 3. closed loop, 32 senders of 50-event batches for 10 s: events/s accepted (goal ≥ 20 k);
 * 4. open loop at half that rate for 10 s: p99 of the 202 (goal ≤ 20 ms).
 * Writes bench/events-store.json. Not a test: the numbers depend on the machine.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { segmentName } from '../server/events/segment-files.ts';
import { projectRoot } from '../test-support/child.ts';
import { freePort } from '../test-support/free-port.ts';
import { runPaced } from '../test-support/paced-load.ts';
import { summarize } from '../test-support/stats.ts';

const { values } = parseArgs({ options: { events: { type: 'string', default: '5000000' } } });
const total = Number(values.events);
const log = (msg: string): void => console.log(`bench/events: ${msg}`);
const dir = join(mkdtempSync(join(tmpdir(), 'reco-events-bench-')), 'events');
const segmentBytes = 64 * 1024 * 1024;

async function generate(): Promise<number> {
  const started = Date.now();
  const from = started - 20 * 3_600_000;
  const step = (20 * 3_600_000) / total;
  let out: ReturnType<typeof createWriteStream> | undefined;
  let bytes = 0;
  let written = 0;
  let chunk: string[] = [];
  const flush = async (): Promise<void> => {
    const text = chunk.join('');
    chunk = [];
    if (!out!.write(text)) await once(out!, 'drain');
    bytes += Buffer.byteLength(text);
  };
  for (let i = 0; i < total; i++) {
    const receivedAt = Math.floor(from + i * step);
    if (!out || bytes >= segmentBytes) {
      if (out) {
        await flush();
        out.end();
        await once(out, 'finish');
      }
      out = createWriteStream(join(dir, segmentName(receivedAt, 'bench-0001')));
      bytes = 0;
    }
    const type = i % 50 === 0 ? 'purchase' : i % 10 === 0 ? 'click' : 'impression';
    chunk.push(
      `{"id":"gen-${String(i).padStart(8, '0')}","type":"${type}","placement":"home",` +
        `"requestId":"req-${Math.floor(i / 8)}","source":"model","itemId":"${20000 + (i % 3000)}",` +
        `"userId":"${12000 + (i % 5000)}","ts":${receivedAt - 40},"receivedAt":${receivedAt}}\n`,
    );
    if (chunk.length === 5000) await flush();
    written++;
  }
  await flush();
  out!.end();
  await once(out!, 'finish');
  log(`generated ${written} events in ${Date.now() - started} ms`);
  return written;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1]) / 1024);
}

async function post(url: string, body: string): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  await res.arrayBuffer();
  return res.status;
}

let batchNo = 0;
const batchBody = (): string => {
  const n = batchNo++;
  const events = Array.from({ length: 50 }, (_, i) => ({
    id: `bench-${n}-${i}-${process.pid}`,
    type: 'impression',
    placement: 'home',
    requestId: `req-b${n}`,
    source: 'model',
    itemId: '85123A',
    userId: String(12000 + (n % 5000)),
    ts: Date.now(),
  }));
  return JSON.stringify({ events });
};

mkdirSync(dir, { recursive: true });
const generated = await generate();
const port = await freePort();
const startedAt = performance.now();
const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
  cwd: projectRoot,
  env: {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    PROXY_PORT: String(port),
    RECO_EVENTS_DIR: dir,
    RECO_RATE_LIMIT: '0',
    // The batches carry raw customer ids, as a storefront's back end posts them.
    RECO_ALLOW_RAW_USER_IDS: 'true',
    LOG_LEVEL: 'info',
    // No model here: the warm-up call fails fast and the proxy is ready on its fallbacks.
    SAGEMAKER_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_EC2_METADATA_DISABLED: 'true',
  },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let output = '';
child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
const url = `http://127.0.0.1:${port}`;
try {
  for (;;) {
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (child.exitCode !== null) throw new Error(`proxy exited:\n${output.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const startMs = Math.round(performance.now() - startedAt);
  const rssAfterStart = rssMb(child.pid!);
  const openLine = output.split('\n').find((l) => l.includes('event store open'));
  log(`start ${startMs} ms to ready, RSS ${rssAfterStart} MB; ${openLine}`);

  const eventsUrl = `${url}/v1/events`;
  let accepted = 0;
  let stop = false;
  const statuses = new Map<number, number>();
  const sender = async (): Promise<void> => {
    while (!stop) {
      const status = await post(eventsUrl, batchBody());
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      if (status === 202) accepted += 50;
    }
  };
  const loopStart = performance.now();
  const timer = setTimeout(() => (stop = true), 10_000);
  await Promise.all(Array.from({ length: 32 }, sender));
  clearTimeout(timer);
  const throughput = Math.round(accepted / ((performance.now() - loopStart) / 1000));
  log(
    `closed loop: ${throughput} events/s accepted (50 a batch, 32 senders), statuses ${JSON.stringify([...statuses])}`,
  );

  const rate = Math.max(1, Math.round(throughput / 2 / 50));
  const paced = await runPaced({
    rate,
    durationMs: 10_000,
    send: async () => String(await post(eventsUrl, batchBody())),
  });
  const latency = summarize(paced.latencies.filter(Number.isFinite));
  const outcomes: Record<string, number> = {};
  for (const o of paced.outcomes) outcomes[o] = (outcomes[o] ?? 0) + 1;
  log(`paced at ${rate} batches/s (${rate * 50} events/s): 202 latency ${JSON.stringify(latency)}`);
  log(`outcomes ${JSON.stringify(outcomes)}, sender lag max ${Math.round(paced.senderLagMaxMs)} ms`);
  const rssEnd = rssMb(child.pid!);
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    loadAverage: loadavg(),
    eventsOnDisk: generated,
    start: { msToReady: startMs, rssMb: rssAfterStart, goal: '≤ 5000 ms, ≤ 250 MB' },
    throughput: { eventsPerSecond: throughput, batch: 50, senders: 32, goal: '≥ 20000' },
    halfRate: { batchesPerSecond: rate, latencyMs: latency, outcomes, goal: 'p99 ≤ 20 ms' },
    rssAtEndMb: rssEnd,
  };
  writeFileSync(new URL('events-store.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  log(`written bench/events-store.json; RSS at end ${rssEnd} MB`);
} finally {
  // A proxy that exited by itself has already closed: waiting for 'close' would hang.
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await once(child, 'close');
  }
  rmSync(join(dir, '..'), { recursive: true, force: true });
}
