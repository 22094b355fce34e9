import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { readArtifact, type LoadedModel } from './artifact.ts';
import { defaultShipped } from '../training/shipped-config.ts';
import { trainArtifact } from '../training/train.ts';
import { createInferenceServer, maxBodyBytes } from './app.ts';

const modelDir = mkdtempSync(join(tmpdir(), 'reco-model-'));
let base = '';
let closeServer = () => {};
let modelVersion = '';

before(async () => {
  // A date-limited slice and a small matrix keep this fast; the full model is the same code.
  ({
    manifest: { modelVersion },
  } = trainArtifact({
    until: '2011-01-01',
    out: modelDir,
    model: { name: 'ease+buy-again', params: { ...defaultShipped.params, topItems: 300 } },
  }));
  const { server, ready } = createInferenceServer({ modelDir });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  await ready;
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeServer = () => server.close();
});
after(() => {
  closeServer();
  rmSync(modelDir, { recursive: true, force: true });
});

async function invoke(body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await fetch(`${base}/invocations`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: res.status,
    body: (await res.json()) as {
      recommendations: { itemId: string; score: number }[];
      modelVersion: string;
      error?: string;
    },
  };
}

test('training on a slice writes an artifact whose version names the algorithm and cut-off', () => {
  assert.match(modelVersion, /^ease-buy-again-2011-01-01-[0-9a-f]{8}$/);
  assert.equal(readArtifact(modelDir).manifest.trainedUntil, '2011-01-01');
});

test('/ping is 503 until the model is loaded, then 200', async () => {
  let release: (model: LoadedModel) => void = () => {};
  const { server, ready } = createInferenceServer({
    modelDir,
    loadModel: () =>
      new Promise((resolve) => {
        release = resolve;
      }),
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    assert.equal((await fetch(`${url}/ping`)).status, 503);
    assert.equal(
      (
        await fetch(`${url}/invocations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
      503,
    );
    release(readArtifact(modelDir));
    await ready;
    assert.equal((await fetch(`${url}/ping`)).status, 200);
  } finally {
    server.close();
  }
});

test('a known customer gets k items and the model version', async () => {
  const { status, body } = await invoke({ userId: '17850', k: 7 });
  assert.equal(status, 200);
  assert.equal(body.recommendations.length, 7);
  assert.equal(body.modelVersion, modelVersion);
  assert.equal(new Set(body.recommendations.map((r) => r.itemId)).size, 7);
  // 17850 bought 85123A again and again in December 2010: buy-again puts it on the shelf.
  assert.ok(body.recommendations.some((r) => r.itemId === '85123A'));
});

test('k defaults to 24 and exclude is honoured', async () => {
  const first = await invoke({ userId: '17850' });
  assert.equal(first.body.recommendations.length, 24);
  const top = first.body.recommendations[0]!.itemId;
  const second = await invoke({ userId: '17850', exclude: [top] });
  assert.ok(!second.body.recommendations.some((r) => r.itemId === top));
});

test('known user, anonymous with items and cold start get different answers', async () => {
  const known = (await invoke({ userId: '17850', k: 10 })).body.recommendations.map((r) => r.itemId);
  const anonymous = (await invoke({ items: ['85123a'], k: 10 })).body.recommendations.map((r) => r.itemId);
  const cold = (await invoke({ userId: 'nobody', k: 10 })).body.recommendations.map((r) => r.itemId);
  const empty = (await invoke({ k: 10 })).body.recommendations.map((r) => r.itemId);
  assert.deepEqual(cold, empty); // unknown user = popularity
  assert.notDeepEqual(known, cold);
  assert.notDeepEqual(anonymous, cold);
  assert.ok(!anonymous.includes('85123A')); // context items (case-insensitive) are not sent back
});

test('malformed bodies get a 400 saying what is wrong', async () => {
  for (const [body, message] of [
    ['{not json', /not valid JSON/],
    ['[1,2]', /JSON object/],
    [{ k: 0 }, /"k"/],
    [{ k: 2.5 }, /"k"/],
    [{ userId: 17850 }, /"userId"/],
    [{ items: '85123A' }, /"items"/],
    [{ exclude: [1] }, /"exclude"/],
    // The contract's strictness (docs/contracts.md "Proxy → endpoint"): every id non-empty, no unknown field.
    [{ userId: '' }, /"userId" must be a non-empty string/],
    [{ userId: null }, /"userId"/],
    [{ items: [''] }, /"items" must be an array/],
    [{ placement: 'Home Page' }, /"placement" must be a placement name/],
    [{ k: 3, limit: 3 }, /"limit" is not a field of the invocation body/],
  ] as const) {
    const { status, body: answer } = await invoke(body);
    assert.equal(status, 400, JSON.stringify(body));
    assert.match(answer.error ?? '', message);
  }
});

test('wrong content type, huge body, wrong method and unknown route are refused, and the server lives on', async () => {
  assert.equal((await invoke({ k: 3 }, { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await invoke({ items: ['x'.repeat(maxBodyBytes)] })).status, 413);
  assert.equal((await fetch(`${base}/invocations`)).status, 405);
  assert.equal((await fetch(`${base}/nope`)).status, 404);
  assert.equal((await invoke({ k: 3 })).status, 200);
});

test('a batch body is answered shelf by shelf, in order, each as its single body would be', async () => {
  const shelves = [
    { placement: 'home', items: [], k: 5, exclude: [] },
    { placement: 'product', items: ['85123A'], k: 3, exclude: ['85123A'] },
  ];
  const res = await fetch(`${base}/invocations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: '17850', shelves }),
  });
  assert.equal(res.status, 200);
  const batch = (await res.json()) as {
    shelves: Array<{ recommendations: Array<{ itemId: string; score: number }> }>;
    modelVersion: string;
  };
  assert.equal(batch.modelVersion, modelVersion);
  assert.equal(batch.shelves.length, 2);
  for (const [i, shelf] of shelves.entries()) {
    const single = await invoke({ userId: '17850', ...shelf });
    assert.deepEqual(batch.shelves[i]!.recommendations, single.body.recommendations, shelf.placement);
    assert.equal(batch.shelves[i]!.recommendations.length, shelf.k);
  }
});

test('a bad batch body is a 400 naming the shelf and field', async () => {
  const nine = Array.from({ length: 9 }, () => ({ placement: 'home', items: [], k: 1, exclude: [] }));
  for (const [body, message] of [
    [{ shelves: nine }, /"shelves" must be an array of 1\.\.8 shelves/],
    [{ shelves: [] }, /"shelves" must be an array of 1\.\.8 shelves/],
    [{ shelves: [{ placement: 'home', k: 0 }] }, /"shelves\[0\]\.k" must be an integer/],
    [{ shelves: [{ placement: 'home' }, { items: [] }] }, /"shelves\[1\]\.placement" must be a placement name/],
    [{ shelves: [{ placement: 'home' }, 'home'] }, /"shelves\[1\]" must be an object/],
    [{ shelves: [{ placement: 'home', limit: 3 }] }, /"shelves\[0\]\.limit" is not a field of a batch body/],
    [{ shelves: [{ placement: 'home' }], k: 3 }, /"k" is not a field of a batch body/],
  ] as const) {
    const { status, body: answer } = await invoke(body);
    assert.equal(status, 400, JSON.stringify(body).slice(0, 80));
    assert.match(answer.error ?? '', message);
  }
});
