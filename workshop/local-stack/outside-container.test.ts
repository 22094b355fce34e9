import assert from 'node:assert/strict';
import { test } from 'node:test';
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
