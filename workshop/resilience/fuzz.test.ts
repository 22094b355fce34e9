/**
 * Fuzzing: 10,500 generated hostile requests (wrong types, huge and unicode strings,
 * deep JSON, wrong content types, truncated bodies, header abuse, odd methods and
 * paths) against the proxy as a real process. Goals: zero 5xx, every 4xx in the JSON
 * error shape `{ error: { code, message } }`, and the process stays up and healthy.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StartedChild } from '../test-support/child.ts';
import type { CloudInfo } from '../test-support/cloud-process.ts';
import { startCloud } from '../test-support/targets.ts';
import { seeded } from '../../model/recommenders/seeded-random.ts';
import { fuzzCase, type FuzzCase } from './fuzz-cases.ts';
import { freePort, proxyEnv, startProxyChild, type ProxyChild } from '../test-support/proxy-child.ts';
import { sendRaw, type RawAnswer } from './raw-http.ts';
import { wholeNumber } from '../../environment/parsers.ts';
import { readEnvironment } from '../../environment/read-environment.ts';

const total = 10_500;
const concurrency = 32;
const { seed } = readEnvironment('fuzz', { seed: 20261127 }, { FUZZ_SEED: ['seed', wholeNumber(0)] });

function isErrorShape(answer: RawAnswer): boolean {
  try {
    const body = JSON.parse(answer.body) as { error?: { code?: unknown; message?: unknown } };
    return typeof body.error?.code === 'string' && typeof body.error.message === 'string';
  } catch {
    return false;
  }
}

describe('fuzzing /v1/recommendations and /v1/events', { timeout: 150_000 }, () => {
  let cloud: StartedChild<CloudInfo>;
  let proxy: ProxyChild;
  before(async () => {
    cloud = await startCloud();
    const eventsDir = join(mkdtempSync(join(tmpdir(), 'reco-fuzz-')), 'events');
    proxy = await startProxyChild(
      proxyEnv(cloud.info, await freePort(), { RECO_EVENTS_DIR: eventsDir, LOG_LEVEL: 'error' }),
    );
  });
  after(async () => {
    await proxy?.kill('SIGTERM');
    await cloud?.stop();
  });

  it(`${total} hostile requests: no 5xx, every 4xx in the JSON error shape, the process stays up`, async (t) => {
    const random = seeded(seed);
    const cases: FuzzCase[] = Array.from({ length: total }, (_, i) => fuzzCase(random, i));
    const byKind: Record<string, Record<string, number>> = {};
    const failures: string[] = [];
    const byProblem: Record<string, number> = {};
    const fail = (problem: string, c: FuzzCase, status: number, what: string): void => {
      failures.push(`${problem}: ${what}`);
      const key = `${problem} (${c.kind}, ${status})`;
      byProblem[key] = (byProblem[key] ?? 0) + 1;
    };
    const deadline = Date.now() + 120_000;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < cases.length && Date.now() < deadline) {
        const index = next++;
        const c = cases[index]!;
        const answer = await sendRaw(proxy.port, c.raw, { timeoutMs: 5000, halfClose: c.mayNotAnswer ?? false });
        const tally = (byKind[c.kind] ??= {});
        tally[answer.status] = (tally[answer.status] ?? 0) + 1;
        const requestLine = c.raw.toString('latin1', 0, 120).split('\r\n')[0];
        const what = `#${index} ${c.kind} ${requestLine} → ${answer.status} ${answer.body.slice(0, 120)}`;
        if (answer.status === 0 && !c.mayNotAnswer) fail('no answer', c, 0, what);
        else if (answer.status >= 500) fail('5xx', c, answer.status, what);
        else if (answer.status >= 400 && c.method !== 'HEAD' && !isErrorShape(answer))
          fail('4xx not in the JSON error shape', c, answer.status, what);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const health = await fetch(`${proxy.url}/healthz`).then(
      (r) => r.status,
      () => 0,
    );
    t.diagnostic(`seed ${seed}; sent ${next} of ${total}; statuses by kind: ${JSON.stringify(byKind)}`);
    if (failures.length > 0) {
      t.diagnostic(`${failures.length} failures by problem: ${JSON.stringify(byProblem)}`);
      for (const f of failures.slice(0, 6)) t.diagnostic(`e.g. ${JSON.stringify(f)}`);
    }
    assert.equal(next, total, 'every case was sent within the time box');
    assert.equal(proxy.exit(), null, `the proxy exited: ${proxy.output().slice(-1000)}`);
    assert.equal(health, 200, 'the proxy still answers /healthz');
    assert.doesNotMatch(proxy.output(), /unhandled|uncaught/i);
    assert.deepEqual(byProblem, {}, `${failures.length} bad answers (see the diagnostics)`);
  });
});
