/**
 * Latency of the inference container's POST /invocations at k = 24: `tsx workshop/bench/model-inference.ts
 * [--calls 5000] [--model-dir DIR]`. Starts the container in a child process (as deployed: its
 * own event loop), calls it sequentially over one keep-alive connection with a mix of known
 * customers, anonymous shoppers with context items and cold starts, and prints p50/p90/p99/max.
 */
import { spawn } from 'node:child_process';
import { request, Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { readArtifact } from '../../model/container/artifact.ts';
import { defaultModelDir } from '../../model/training/shipped-config.ts';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '5000' }, 'model-dir': { type: 'string', default: defaultModelDir } },
});
const calls = Number(values.calls);
const { manifest } = readArtifact(values['model-dir']);
const port = 18000 + Math.floor(Math.random() * 1000);
const serve = fileURLToPath(new URL('../../model/container/serve.ts', import.meta.url));
const child = spawn(process.execPath, ['--import', 'tsx', serve], {
  env: { ...process.env, SM_MODEL_DIR: values['model-dir'], SAGEMAKER_BIND_TO_PORT: String(port) },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve, reject) => {
  child.stdout!.on('data', (chunk: Buffer) => {
    if (chunk.toString().includes('model loaded')) resolve();
  });
  child.on('exit', (code) => reject(new Error(`bench: container exited with ${code}`)));
});

const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const modelTimes: number[] = [];
function invoke(body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/invocations',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        modelTimes.push(Number(/dur=([0-9.]+)/.exec(String(res.headers['server-timing'] ?? ''))?.[1] ?? NaN));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Number(process.hrtime.bigint() - started) / 1e6)
            : reject(new Error(`bench: status ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// 70% known customers (uniform over all, heavy buyers included), 20% anonymous with 1-5 items, 10% cold.
let seed = 42;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
const bodies = Array.from({ length: calls }, () => {
  const r = random();
  if (r < 0.7)
    return JSON.stringify({
      userId: pick(manifest.userIds),
      k: 24,
      exclude: [pick(manifest.itemIds)],
      placement: 'home',
    });
  if (r < 0.9)
    return JSON.stringify({
      items: Array.from({ length: 1 + Math.floor(random() * 5) }, () => pick(manifest.itemIds)),
      k: 24,
    });
  return JSON.stringify({ userId: `new-${r}`, k: 24 });
});
for (const body of bodies.slice(0, 300)) await invoke(body); // warm the JIT
modelTimes.length = 0;
const times: number[] = [];
const started = performance.now();
for (const body of bodies) times.push(await invoke(body));
const seconds = (performance.now() - started) / 1000;
times.sort((a, b) => a - b);
modelTimes.sort((a, b) => a - b);
const quantile = (list: number[], p: number) =>
  list[Math.min(list.length - 1, Math.floor(p * list.length))]!.toFixed(3);
const q = (p: number) => quantile(times, p);
console.log(
  `model-inference: ${manifest.modelVersion}, ${calls} sequential calls at k=24 ` +
    `in ${seconds.toFixed(1)} s (${Math.round(calls / seconds)}/s)`,
);
console.log(
  `model-inference: round trip ms p50 ${q(0.5)}  p90 ${q(0.9)}  p99 ${q(0.99)}  ` +
    `max ${times[times.length - 1]!.toFixed(3)}`,
);
console.log(
  `model-inference: in-container model time ms p50 ${quantile(modelTimes, 0.5)}  p90 ${quantile(modelTimes, 0.9)}  ` +
    `p99 ${quantile(modelTimes, 0.99)}  max ${modelTimes[modelTimes.length - 1]!.toFixed(3)}`,
);
agent.destroy();
child.kill('SIGTERM');
