import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startProcesses } from '../../demo/processes.ts';
import { ensureBuilt } from '../../scripts/ensure-built.ts';
import { projectRoot } from '../test-support/child.ts';
import { freeStackPorts } from '../test-support/free-port.ts';
import { answersWith, startScriptedContainer } from '../test-support/stack.ts';
import { until } from '../test-support/until.ts';
import { outsideContainerUrl } from './outside-container.ts';

test('an outside container comes from --container-url, else MODEL_CONTAINER_URL, else none', () => {
  assert.equal(outsideContainerUrl([], {}), undefined);
  assert.equal(outsideContainerUrl([], { MODEL_CONTAINER_URL: '' }), undefined);
  assert.equal(outsideContainerUrl([], { MODEL_CONTAINER_URL: 'http://127.0.0.1:9000/' }), 'http://127.0.0.1:9000');
  const both = outsideContainerUrl(['--container-url', 'http://localhost:9001'], {
    MODEL_CONTAINER_URL: 'http://127.0.0.1:9000',
  });
  assert.equal(both, 'http://localhost:9001');
});

test('a container URL that is not http://host:port stops the start with the option named', () => {
  for (const bad of ['nope', 'https://127.0.0.1:9000', 'http://127.0.0.1:9000/invocations']) {
    assert.throws(() => outsideContainerUrl(['--container-url', bad], {}), /--container-url/);
  }
});

test('npm start with an outside container starts none of its own and serves the shelf from that one', async () => {
  await ensureBuilt();
  const { products } = JSON.parse(readFileSync(join(projectRoot, 'data/catalog.json'), 'utf8')) as {
    products: Array<{ id: string }>;
  };
  const outside = await startScriptedContainer(
    answersWith(
      products.slice(0, 12).map((p) => p.id),
      'outside-1',
    ),
  );
  const logDir = mkdtempSync(join(tmpdir(), 'outside-container-'));
  const stack = await startProcesses(await freeStackPorts(), { logDir, containerUrl: outside.url });
  try {
    assert.deepEqual(Object.keys(stack.pids).sort(), ['local-sagemaker', 'proxy', 'storefront']);
    assert.equal(stack.urls.container, outside.url);
    const answer = await until(
      () =>
        fetch(`${stack.urls.proxy}/v1/recommendations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ placement: 'home', sessionId: 's-outside-1' }),
        }).then((res) => res.json() as Promise<{ source: string; model: { version: string } | null }>),
      (body) => body.source === 'model',
      'a shelf from the outside container',
      30_000,
    );
    assert.equal(answer.model?.version, 'outside-1');
  } finally {
    await stack.stop();
    await outside.close();
    rmSync(logDir, { recursive: true, force: true });
  }
});
