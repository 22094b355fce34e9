/**
 * The admin listener (`RECO_ADMIN_PORT`, `RECO_ADMIN_HOST`): `/metrics` lives there and not on the
 * public listener a balancer forwards; `/healthz` and `/readyz` are on both; closing the proxy
 * closes both; a taken admin port stops the start naming the variable that moves it.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startStack, type TestStack } from '../../workshop/test-support/stack.ts';
import { askShelf } from '../../workshop/test-support/shelf-request.ts';
import { loadConfig } from '../config.ts';

describe('the admin listener', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  it('listens on 127.0.0.1:9464 unless RECO_ADMIN_HOST / RECO_ADMIN_PORT say otherwise', () => {
    const config = loadConfig({ RECO_ALLOW_RAW_USER_IDS: 'true' });
    assert.deepEqual([config.adminHost, config.adminPort], ['127.0.0.1', 9464]);
    const moved = loadConfig({ RECO_ALLOW_RAW_USER_IDS: 'true', RECO_ADMIN_PORT: '9500', RECO_ADMIN_HOST: '::1' });
    assert.deepEqual([moved.adminHost, moved.adminPort], ['::1', 9500]);
    assert.throws(() => loadConfig({ RECO_ADMIN_PORT: 'admin' }), /RECO_ADMIN_PORT="admin": must be a port number/);
  });

  it('serves /metrics there and not on the public listener (404)', async () => {
    await askShelf(stack, { placement: 'home', userId: 'ops' });
    const metrics = await stack.admin('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
    assert.match(metrics.text, /^reco_requests_total\{/m);
    const onPublic = await stack.get('/metrics');
    assert.equal(onPublic.status, 404);
    assert.equal(onPublic.body.error.code, 'not_found');
    assert.notEqual(stack.proxy.adminUrl, stack.proxy.url);
    assert.match(stack.proxy.adminUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('answers /healthz and /readyz on both listeners, and nothing else on the admin one', async () => {
    for (const path of ['/healthz', '/readyz']) {
      assert.equal((await stack.get(path)).status, 200, `public ${path}`);
      assert.equal((await stack.admin(path)).status, 200, `admin ${path}`);
    }
    assert.equal((await stack.admin('/v1/recommendations?placement=home')).status, 404);
    assert.equal((await stack.admin('/reco-shelf.js')).status, 404);
  });

  it('closes with the proxy', async () => {
    const own = await startStack();
    await own.close();
    assert.equal(own.proxy.adminServer.listening, false);
    await assert.rejects(fetch(`${own.proxy.adminUrl}/metrics`));
  });

  it('a taken admin port stops the start, naming RECO_ADMIN_PORT', async () => {
    const holder = createServer().listen(0, '127.0.0.1');
    await once(holder, 'listening');
    const taken = (holder.address() as { port: number }).port;
    try {
      await assert.rejects(startStack({ config: { adminPort: taken } }), /EADDRINUSE.*RECO_ADMIN_PORT=\d+ moves it/);
    } finally {
      holder.close();
    }
  });
});
