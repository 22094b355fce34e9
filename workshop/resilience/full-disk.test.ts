/**
 * The full-disk story on a real small filesystem: a 384 KiB tmpfs mounted by the test (root
 * only), a proxy process storing events there. Flood until 503s; shelves still served and
 * /readyz still ready, saying events are unavailable and why; remount larger (space freed); the store recovers by
 * itself; keep posting; SIGKILL; restart; the client retries what got no 202. Every
 * acknowledged id must be in `events:export --format jsonl --types all` exactly once, and
 * on disk exactly once. Also: the proxy starts on a torn line, a garbage line and an
 * unparseable segment.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { listSegments } from '../../server/events/segment-files.ts';
import { projectRoot } from '../test-support/child.ts';
import { clickEvent, everyStoredId } from '../test-support/event-store.ts';
import { until } from '../test-support/until.ts';
import { freePort, type ProxyChild, startProxyChild } from '../test-support/proxy-child.ts';
import { fetchShelf } from '../test-support/shelf-request.ts';

const isRoot = process.getuid?.() === 0;

/** A proxy with no model (shelves from fallbacks): this suite is about the event store. */
const env = (port: number, eventsDir: string): Record<string, string> => ({
  PROXY_PORT: String(port),
  SAGEMAKER_ENDPOINT_URL: 'http://127.0.0.1:9',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  RECO_RATE_LIMIT: '0',
  RECO_EVENTS_PER_MINUTE: '0',
  // The flood posts as a storefront's back end would, with raw customer ids.
  RECO_ALLOW_RAW_USER_IDS: 'true',
  RECO_EVENTS_DIR: eventsDir,
  RECO_EVENTS_SEGMENT_BYTES: String(64 * 1024),
  LOG_LEVEL: 'warn',
});

interface Batch {
  ids: string[];
  body: string;
  acked: boolean;
}

const statuses = new Map<string, number>();
const count = (label: string): void => {
  statuses.set(label, (statuses.get(label) ?? 0) + 1);
};

async function post(url: string, batch: Batch): Promise<number> {
  try {
    const res = await fetch(`${url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: batch.body,
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json()) as { error?: { code: string; message: string } };
    count(String(res.status));
    if (res.status === 202) batch.acked = true;
    if (res.status === 503) {
      assert.match(res.headers.get('retry-after') ?? '', /^\d+$/, 'a 503 says when to retry');
      assert.equal(body.error?.code, 'events_unavailable');
      assert.equal(typeof body.error?.message, 'string');
    }
    return res.status;
  } catch {
    count('no answer');
    return 0;
  }
}

describe('a full disk loses nothing and breaks nothing', { skip: !isRoot && 'needs root to mount a tmpfs' }, () => {
  const mounted: string[] = [];
  const proxies: ProxyChild[] = [];
  after(async () => {
    await Promise.all(proxies.map((p) => p.kill('SIGKILL')));
    for (const dir of mounted) spawnSync('umount', [dir]);
  });

  it('503s while full, recovers by itself, and after SIGKILL every acknowledged id is stored exactly once', {
    timeout: 120_000,
  }, async (t) => {
    const mount = mkdtempSync(join(tmpdir(), 'reco-full-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=384k', 'tmpfs', mount]);
    mounted.push(mount);
    const eventsDir = join(mount, 'events');
    const port = await freePort();
    let proxy = await startProxyChild(env(port, eventsDir));
    proxies.push(proxy);
    const batches: Batch[] = [];
    let n = 0;
    const next = (): Batch => {
      const ids = Array.from({ length: 50 }, (_, i) => `full-${n}-${String(i).padStart(3, '0')}`);
      n++;
      const batch = { ids, body: JSON.stringify({ events: ids.map((id) => clickEvent(id)) }), acked: false };
      batches.push(batch);
      return batch;
    };

    // Flood until the store refuses.
    let refused = 0;
    for (let i = 0; i < 2000 && refused < 20; i++) {
      const answers = await Promise.all([post(proxy.url, next()), post(proxy.url, next())]);
      refused += answers.filter((s) => s === 503).length;
    }
    assert.ok(refused >= 20, `the store refused ${refused} batches`);
    // Readiness means shelves: a full event disk does not take this instance out of the balancer.
    const readyWhileFull = await fetch(`${proxy.url}/readyz`);
    const readyBody = (await readyWhileFull.json()) as { status: string; events: string; reason?: string };
    assert.equal(readyWhileFull.status, 200);
    assert.equal(readyBody.status, 'ready');
    assert.equal(readyBody.events, 'unavailable');
    assert.match(readyBody.reason ?? '', /ENOSPC|disk/);
    const metricsWhileFull = await (await fetch(`${proxy.adminUrl}/metrics`)).text();
    assert.match(metricsWhileFull, /^reco_events_store_writable 0$/m);
    const shelf = await fetchShelf(proxy.url, { placement: 'home', userId: '17850' });
    assert.equal(shelf.status, 200, 'shelves are served while events are refused');
    await shelf.arrayBuffer();

    // Space comes back: the store notices by itself.
    execFileSync('mount', ['-o', 'remount,size=64m', mount]);
    await until(
      () => post(proxy.url, next()),
      (status) => status === 202,
      'a 202 after space came back',
      30_000,
    );
    const readyAgain = (await (await fetch(`${proxy.url}/readyz`)).json()) as { events: string };
    assert.equal(readyAgain.events, 'ok', '/readyz says events are ok again');

    // Keep posting, and kill the proxy mid-flow.
    let stop = false;
    const senders = Array.from({ length: 4 }, async () => {
      while (!stop) await post(proxy.url, next());
    });
    await until(
      () => batches.filter((b) => b.acked).length,
      (acked) => acked > batches.length / 2 + 20,
      'more batches acknowledged after recovery',
      20_000,
    );
    await proxy.kill('SIGKILL');
    stop = true;
    await Promise.all(senders);
    proxy = await startProxyChild(env(port, eventsDir));
    proxies.push(proxy);
    for (const batch of batches.filter((b) => !b.acked)) {
      await until(
        () => post(proxy.url, batch),
        (s) => s === 202,
        'a retried batch acknowledged',
        10_000,
      );
    }
    await proxy.kill('SIGTERM');

    const out = join(mkdtempSync(join(tmpdir(), 'reco-export-')), 'all.jsonl');
    execFileSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'server/events/export-cli.ts',
        '--dir',
        eventsDir,
        '--format',
        'jsonl',
        '--types',
        'all',
        '--out',
        out,
      ],
      { cwd: projectRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' }, stdio: 'pipe' },
    );
    const exported = readFileSync(out, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { id: string }).id);
    const acked = batches.filter((b) => b.acked).flatMap((b) => b.ids);
    const onDisk = new Map<string, number>();
    for (const id of everyStoredId(eventsDir)) onDisk.set(id, (onDisk.get(id) ?? 0) + 1);
    const exportedSet = new Set(exported);
    t.diagnostic(
      `${batches.length} batches, statuses ${JSON.stringify([...statuses])}, ${acked.length} ids acknowledged, ` +
        `${exported.length} exported, ${listSegments(eventsDir).length} segments`,
    );
    assert.equal(statuses.get('500'), undefined, 'never a 500');
    assert.equal(exportedSet.size, exported.length, 'the export holds each id once');
    assert.deepEqual(
      acked.filter((id) => !exportedSet.has(id)),
      [],
      'acknowledged ids missing from the export',
    );
    assert.deepEqual(
      [...onDisk].filter(([, c]) => c > 1),
      [],
      'ids stored more than once on disk',
    );
  });

  it('starts on a torn line, a garbage line and an unparseable segment', { timeout: 60_000 }, async () => {
    const eventsDir = join(mkdtempSync(join(tmpdir(), 'reco-bad-log-')), 'events');
    const port = await freePort();
    let proxy = await startProxyChild(env(port, eventsDir));
    proxies.push(proxy);
    const first = {
      ids: ['bad-log-0001'],
      body: JSON.stringify({ events: [clickEvent('bad-log-0001')] }),
      acked: false,
    };
    assert.equal(await post(proxy.url, first), 202);
    await proxy.kill('SIGKILL');
    const [segment] = listSegments(eventsDir);
    appendFileSync(segment!.path, 'garbage, not JSON\n{"id":"bad-log-0002","type":"cli');
    mkdirSync(eventsDir, { recursive: true });
    writeFileSync(join(eventsDir, 'events-20261101T000000000Z-elsewhere-1.jsonl'), Buffer.from([0xff, 0, 10, 1, 2]));
    proxy = await startProxyChild(env(port, eventsDir));
    proxies.push(proxy);
    const again = { ...first, acked: false };
    const res = await fetch(`${proxy.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: again.body,
    });
    assert.equal(res.status, 202);
    assert.equal(((await res.json()) as { duplicates: number }).duplicates, 1, 'the good line survived');
    await proxy.kill('SIGTERM');
    assert.match(proxy.output(), /moved to quarantine/);
    rmSync(eventsDir, { recursive: true });
  });
});
