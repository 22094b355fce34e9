/**
 * `npx tsx workshop/bench/events-store.ts [--events 5000000]`: the event store's numbers (issue #12),
 * against the real proxy process as production runs it (`npm run build:proxy`'s bundle, no tsx;
 * fdatasync on every group commit):
 * 1. writes N generated events as segments (received over the last 20 hours, so every id is
 *    in the dedup window and has to be read; 2 % purchases);
 * 2. starts the proxy on them: time to `/readyz` 200 and the resident memory then
 *    (goal ≤ 5 s, ≤ 250 MB);
 * 3. closed loop, 32 senders of 50-event batches for 10 s: events/s accepted (goal ≥ 20 k);
 * 4. open loop at half that rate for 10 s: p99 of the 202 (goal ≤ 20 ms), with the proxy's
 *    event-loop delay (`reco_event_loop_delay_seconds`, read every second) beside it;
 * 5. the disk alone: one batch's bytes written and fdatasync'ed at the same rate, in the same
 *    folder, without the proxy: what of the 202's tail is the disk's.
 * `--events` smaller than 5 M iterates faster; `--keep DIR` keeps the generated folder there
 * (and reuses it when present), so two trees can be compared on the same data.
 * Writes workshop/bench/events-store.json. Not a test: the numbers depend on the machine and its load.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildProxy } from '../../scripts/build-proxy.ts';
import { segmentName } from '../../server/events/segment-files.ts';
import { processCpuMs, projectRoot } from '../test-support/child.ts';
import { freePort } from '../test-support/free-port.ts';
import { runPaced } from '../test-support/paced-load.ts';
import { summarize } from '../test-support/stats.ts';

const loadAtStart = loadavg();
const { values } = parseArgs({
  options: { events: { type: 'string', default: '5000000' }, keep: { type: 'string' } },
});
const total = Number(values.events);
const log = (msg: string): void => console.log(`workshop/bench/events: ${msg}`);
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

/** How long the process's main thread has waited for a CPU while runnable, in ms (Linux schedstat). */
function runQueueWaitMs(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e6;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1]) / 1024);
}

// node:http with keep-alive rather than fetch: on a loaded machine, fetch's own CPU per request
// showed up in the latency this bench means to measure.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
function post(url: string, body: string): Promise<number> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: hostname, port, path: pathname, method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('error', reject);
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The proxy's event-loop delay of the last second (p99 and max, ms), from its metrics (`url`: its admin listener). */
async function eventLoopDelay(url: string): Promise<{ p99: number; max: number }> {
  const text = await fetch(`${url}/metrics`).then((r) => r.text());
  const read = (quantile: string): number =>
    1000 * Number(new RegExp(`reco_event_loop_delay_seconds\\{quantile="${quantile}"\\} (\\S+)`).exec(text)?.[1]);
  return { p99: read('p99'), max: read('max') };
}

/** Appends `bytes` and fdatasyncs, `rate` times a second for `ms`, in `folder`: the disk alone. */
async function fdatasyncAlone(folder: string, rate: number, bytes: number, ms: number): Promise<number[]> {
  const file = await open(join(folder, 'fdatasync-probe'), 'w');
  const data = Buffer.alloc(bytes, 0x61);
  const latencies: number[] = [];
  const t0 = performance.now();
  try {
    for (let i = 0; i < (rate * ms) / 1000; i++) {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const started = performance.now();
      await file.write(data, 0, data.length, i * bytes);
      await file.datasync();
      latencies.push(performance.now() - started);
    }
  } finally {
    await file.close();
    rmSync(join(folder, 'fdatasync-probe'), { force: true });
  }
  return latencies;
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
let generated: number;
if (values.keep && existsSync(join(values.keep, 'count'))) {
  cpSync(values.keep, dir, { recursive: true });
  rmSync(join(dir, 'count'));
  generated = Number(readFileSync(join(values.keep, 'count'), 'utf8'));
  log(`copied ${generated} events from ${values.keep}`);
} else {
  generated = await generate();
  if (values.keep) {
    cpSync(dir, values.keep, { recursive: true });
    writeFileSync(join(values.keep, 'count'), String(generated));
  }
}
// Built before the clock starts: an operator starts the bundle (`npm run start:proxy`), not the sources.
const proxyBundle = await buildProxy(join(projectRoot, 'dist/server'));
const port = await freePort();
const adminPort = await freePort();
const startedAt = performance.now();
const child = spawn(process.execPath, ['--enable-source-maps', proxyBundle], {
  cwd: projectRoot,
  env: {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    PROXY_PORT: String(port),
    RECO_ADMIN_PORT: String(adminPort),
    RECO_EVENTS_DIR: dir,
    // The bundle looks for its data beside itself (dist/), as the image lays it out; here it is the repository's.
    RECO_CATALOG_FILE: join(projectRoot, 'data/catalog.json'),
    RECO_RATE_LIMIT: '0',
    RECO_EVENTS_PER_MINUTE: '0',
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
  // On a shared machine the wall time is mostly other processes' doing; the CPU time is the start's own.
  const startCpuMs = Math.round(processCpuMs(child.pid!));
  const startWaitedMs = Math.round(runQueueWaitMs(child.pid!));
  const openLine = output.split('\n').find((l) => l.includes('event store open'));
  log(
    `start ${startMs} ms to ready (CPU ${startCpuMs} ms, waited ${startWaitedMs} ms for a CPU), ` +
      `RSS ${rssAfterStart} MB; ${openLine}`,
  );

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
  const loopDelays: Array<{ p99: number; max: number }> = [];
  const watcher = setInterval(() => {
    void eventLoopDelay(`http://127.0.0.1:${adminPort}`).then((d) => loopDelays.push(d));
  }, 1000);
  const waitedBefore = runQueueWaitMs(child.pid!);
  const paced = await runPaced({
    rate,
    durationMs: 10_000,
    send: async () => String(await post(eventsUrl, batchBody())),
  });
  clearInterval(watcher);
  // Time the proxy was ready to run but had no CPU: the other processes' share of its latency.
  const waitedForCpuMs = Math.round(runQueueWaitMs(child.pid!) - waitedBefore);
  const loopDelayMs = {
    p99Max: Math.round(Math.max(0, ...loopDelays.map((d) => d.p99)) * 10) / 10,
    max: Math.round(Math.max(0, ...loopDelays.map((d) => d.max)) * 10) / 10,
  };
  const latency = summarize(paced.latencies.filter(Number.isFinite));
  const outcomes: Record<string, number> = {};
  for (const o of paced.outcomes) outcomes[o] = (outcomes[o] ?? 0) + 1;
  log(`paced at ${rate} batches/s (${rate * 50} events/s): 202 latency ${JSON.stringify(latency)}`);
  log(`outcomes ${JSON.stringify(outcomes)}, sender lag max ${Math.round(paced.senderLagMaxMs)} ms`);
  log(
    `proxy over the paced run: event-loop delay worst p99 ${loopDelayMs.p99Max} ms, max ${loopDelayMs.max} ms; ` +
      `its main thread waited ${waitedForCpuMs} ms for a CPU`,
  );
  const batchBytes = Buffer.byteLength(batchBody()) + 50 * 20;
  const disk = summarize(await fdatasyncAlone(dir, rate, batchBytes, 10_000));
  log(`disk alone: ${batchBytes} bytes + fdatasync at ${rate}/s: ${JSON.stringify(disk)}`);
  const rssEnd = rssMb(child.pid!);
  const results = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    loadAverage: loadAtStart,
    eventsOnDisk: generated,
    start: {
      msToReady: startMs,
      cpuMsToReady: startCpuMs,
      mainThreadWaitedForCpuMs: startWaitedMs,
      storeOpenMs: Number(/"ms":(\d+)/.exec(openLine ?? '')?.[1]),
      rssMb: rssAfterStart,
      goal: '≤ 5000 ms, ≤ 250 MB',
    },
    throughput: { eventsPerSecond: throughput, batch: 50, senders: 32, goal: '≥ 20000' },
    halfRate: {
      batchesPerSecond: rate,
      latencyMs: latency,
      outcomes,
      goal: 'p99 ≤ 20 ms',
      proxyEventLoopDelayMs: loopDelayMs,
      proxyMainThreadWaitedForCpuMs: waitedForCpuMs,
      senderLagMaxMs: paced.senderLagMaxMs,
    },
    diskAlone: { what: 'one batch of bytes written + fdatasync, paced at the same rate', fdatasyncMs: disk },
    loadAverageAtEnd: loadavg(),
    rssAtEndMb: rssEnd,
  };
  writeFileSync(new URL('events-store.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
  log(`written workshop/bench/events-store.json; RSS at end ${rssEnd} MB`);
} finally {
  // A proxy that exited by itself has already closed: waiting for 'close' would hang.
  if (child.exitCode === null && child.signalCode === null) {
    child.kill('SIGTERM');
    await once(child, 'close');
  }
  rmSync(join(dir, '..'), { recursive: true, force: true });
}
