/** The demo storefront's sign-in tells the proxy, from its server, which customer the guest's session is. */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createStorefront } from './server.ts';

describe('the storefront sign-in', () => {
  const posted: Array<{ authorization: string | undefined; body: { events: Array<Record<string, unknown>> } }> = [];
  const proxy = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.method !== 'POST' || req.url !== '/v1/events') return void res.writeHead(404).end();
    posted.push({ authorization: req.headers.authorization, body: JSON.parse(body) });
    res.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":1,"duplicates":0,"rejected":[]}');
  });
  let storefront: ReturnType<typeof createStorefront>;
  let url = '';
  before(async () => {
    proxy.listen(0, '127.0.0.1');
    await once(proxy, 'listening');
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    storefront = createStorefront({
      proxyUrl,
      proxyAdminUrl: proxyUrl,
      runtimeUrl: proxyUrl,
      shopperTokenSecret: 'sign-in-test-shopper-token-secret-0123456789',
      serverKey: 'sign-in-test-server-key-0123456789',
    });
    storefront.listen(0, '127.0.0.1');
    await once(storefront, 'listening');
    url = `http://127.0.0.1:${(storefront.address() as AddressInfo).port}`;
  });
  after(() => {
    storefront.closeAllConnections();
    storefront.close();
    proxy.closeAllConnections();
    proxy.close();
  });

  it('posts identify (session → customer) with the server key when a guest signs in', async () => {
    const session = '0b9d3c1e-6f1a-4c3e-9a55-1f2e3d4c5b6a';
    const res = await fetch(`${url}/login?customer=12347`, {
      headers: { cookie: `session=${session}` },
      redirect: 'manual',
    });
    assert.equal(res.status, 303);
    assert.equal(posted.length, 1);
    assert.equal(posted[0]!.authorization, 'Bearer sign-in-test-server-key-0123456789');
    const [identify] = posted[0]!.body.events;
    assert.equal(identify!.type, 'identify');
    assert.equal(identify!.sessionId, session);
    assert.equal(identify!.userId, '12347');
  });
});
