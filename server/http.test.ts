import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readStoredEvents } from './events/stored-events.ts';
import { startStack, type TestStack } from '../workshop/test-support/stack.ts';
import { askShelf } from '../workshop/test-support/shelf-request.ts';

const json = { 'content-type': 'application/json' };
const event = (id: string, fields: Record<string, unknown> = {}) => ({
  id,
  type: 'click',
  placement: 'home',
  requestId: 'req-1',
  source: 'model',
  itemId: '85123A',
  userId: '17850',
  ts: Date.now(),
  ...fields,
});

const serverKey = 'test-storefront-server-key-0123456789';

describe('the proxy over HTTP', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ config: { allowedOrigins: ['http://shop.test'], serverKey } });
  });
  after(() => stack.close());

  describe('bad input', () => {
    for (const [query, field] of [
      ['', 'placement'],
      ['placement=home&limit=abc', 'limit'],
      ['placement=home&limit=0', 'limit'],
      [`placement=home&sessionId=${'x'.repeat(10_000)}`, 'sessionId'],
      ['placement=home&items=a,b,%3Cscript%3E', 'items'],
      ['placement=home&placement=cart', 'placement'],
    ] as const) {
      it(`answers 400 naming "${field}" for ?${query.slice(0, 40)}`, async () => {
        const { status, body } = await stack.get(`/v1/recommendations?${query}`);
        assert.equal(status, 400);
        assert.equal(body.error.code, 'invalid_request');
        assert.ok(body.error.message.startsWith(field), body.error.message);
      });
    }

    for (const field of ['shopperToken', 'userId']) {
      it(`refuses a ${field} in a query string with 400, naming the POST body as its place`, async () => {
        const { status, body } = await stack.get(`/v1/recommendations?placement=home&${field}=eyJhbGciOi.e30.c2ln`);
        assert.equal(status, 400);
        assert.equal(body.error.code, 'invalid_request');
        assert.match(body.error.message, new RegExp(`^${field}: never in a URL.*body of POST /v1/recommendations`));
      });
    }

    it('refuses a shopperToken in the URL of a POST too: that URL is logged as well', async () => {
      const fields = JSON.stringify({ placement: 'home' });
      const plain = { 'content-type': 'text/plain' };
      const { status, body } = await stack.send('POST', '/v1/recommendations?shopperToken=eyJ.e30.x', fields, plain);
      assert.equal(status, 400);
      assert.match(body.error.message, /^shopperToken: never in a URL/);
      assert.equal((await stack.send('POST', '/v1/recommendations?debug=1', fields, plain)).status, 200);
    });

    it('answers a GET that names no shopper, as old pages and curl send it', async () => {
      const { status, body } = await stack.get(
        '/v1/recommendations?placement=home&sessionId=s-get&items=22423&limit=4',
      );
      assert.equal(status, 200);
      assert.equal(body.items.length, 4);
    });

    it("reads the shelf's text/plain POST as JSON, and names a text body that is not JSON", async () => {
      const fields = JSON.stringify({ placement: 'home', userId: 'plain-1', limit: 3 });
      const plain = await stack.send('POST', '/v1/recommendations', fields, { 'content-type': 'text/plain' });
      assert.equal(plain.status, 200);
      assert.equal(plain.body.items.length, 3);
      assert.equal(stack.container.received.at(-1)?.userId, 'plain-1');
      const utf8 = { 'content-type': 'text/plain;charset=UTF-8' };
      assert.equal((await stack.send('POST', '/v1/recommendations', fields, utf8)).status, 200);
      const broken = await stack.send('POST', '/v1/recommendations', 'placement=home', utf8);
      assert.equal(broken.status, 400);
      assert.match(broken.body.error.message, /^body: not valid JSON/);
    });

    it('answers 400 for a POST body that is not JSON, 415 for a wrong content type, 413 for a huge body', async () => {
      assert.equal((await stack.send('POST', '/v1/recommendations', '{"placement":', json)).status, 400);
      const wrongType = await stack.send('POST', '/v1/recommendations', 'placement=home', {
        'content-type': 'application/x-www-form-urlencoded',
      });
      assert.equal(wrongType.status, 415);
      assert.match(wrongType.body.error.message, /application\/json or text\/plain/);
      const huge = await stack.send(
        'POST',
        '/v1/recommendations',
        JSON.stringify({ placement: 'home', userId: 'x'.repeat(100_000) }),
        json,
      );
      assert.equal(huge.status, 413);
      assert.equal(huge.body.error.code, 'payload_too_large');
    });

    it('refuses a compressed body with 415 instead of inflating it', async () => {
      const res = await stack.send('POST', '/v1/recommendations', 'not compressed at all', {
        ...json,
        'content-encoding': 'gzip',
      });
      assert.equal(res.status, 415);
      assert.equal(res.body.error.code, 'unsupported_media_type');
    });

    it("answers what Node's HTTP parser refuses in the JSON error shape too", async () => {
      const { connect } = await import('node:net');
      const url = new URL(stack.proxy.url);
      const send = (raw: string) =>
        new Promise<string>((resolve) => {
          const socket = connect(Number(url.port), url.hostname, () => socket.end(raw));
          let text = '';
          socket.on('data', (c) => (text += c));
          socket.on('close', () => resolve(text));
        });
      const malformed = await send(
        'GET /v1/recommendations?placement=home HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      );
      assert.match(malformed, /^HTTP\/1\.1 400/);
      assert.match(malformed, /\{"error":\{"code":"invalid_request","message":"malformed HTTP request"\}\}$/);
      const huge = await send(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      assert.match(huge, /^HTTP\/1\.1 431/);
      assert.match(huge, /"code":"headers_too_large"/);
    });

    it('answers a POST with the same fields as a GET', async () => {
      const { status, body } = await stack.send(
        'POST',
        '/v1/recommendations',
        JSON.stringify({ placement: 'cart', userId: '17850', items: ['85123A'], limit: 4 }),
        json,
      );
      assert.equal(status, 200);
      assert.equal(body.items.length, 4);
    });

    it('answers unknown routes and methods in the JSON error shape', async () => {
      const missing = await stack.get('/v2/anything');
      assert.equal(missing.status, 404);
      assert.equal(missing.body.error.code, 'not_found');
      const method = await stack.send('DELETE', '/v1/recommendations', '');
      assert.equal(method.status, 405);
      assert.equal(method.headers.get('allow'), 'GET, POST');
    });
  });

  describe('CORS', () => {
    it('lets a listed storefront origin read answers and Server-Timing', async () => {
      const { headers } = await stack.get('/v1/recommendations?placement=home', { origin: 'http://shop.test' });
      assert.equal(headers.get('access-control-allow-origin'), 'http://shop.test');
      assert.match(headers.get('access-control-expose-headers') ?? '', /Server-Timing/);
      const preflight = await stack.send('OPTIONS', '/v1/events', '', {
        origin: 'http://shop.test',
        'access-control-request-method': 'POST',
      });
      assert.equal(preflight.status, 204);
      assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    });

    it('refuses a POST from an unlisted origin, even the text/plain kind that needs no preflight', async () => {
      const batch = JSON.stringify({ events: [event('evt-forged-01', { type: 'click' })] });
      const forged = await stack.send('POST', '/v1/events', batch, {
        origin: 'http://evil.test',
        'content-type': 'text/plain',
      });
      assert.equal(forged.status, 403);
      assert.equal(forged.body.error.code, 'origin_not_allowed');
      assert.equal(
        (await readStoredEvents(stack.proxy.eventLog.dir)).filter((e) => e.id === 'evt-forged-01').length,
        0,
      );
      const listed = await stack.send('POST', '/v1/events', batch, {
        origin: 'http://shop.test',
        'content-type': 'text/plain',
      });
      assert.equal(listed.status, 202);
    });

    it('refuses an unlisted origin with a 403 it can read (no shelf), never a wildcard', async () => {
      const { status, headers, body } = await stack.get('/v1/recommendations?placement=home', {
        origin: 'http://evil.test',
      });
      assert.equal(status, 403);
      assert.equal(body.error.code, 'origin_not_allowed');
      assert.match(body.error.message, /add it to RECO_ALLOWED_ORIGINS/);
      assert.equal(body.items, undefined);
      assert.equal(headers.get('access-control-allow-origin'), 'http://evil.test');
      const preflight = await stack.send('OPTIONS', '/v1/events', '', { origin: 'http://evil.test' });
      assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    });
  });

  describe('operations', () => {
    it('reports health, readiness and Prometheus metrics', async () => {
      assert.equal((await stack.get('/healthz')).status, 200);
      const ready = await stack.get('/readyz');
      assert.equal(ready.status, 200);
      await askShelf(stack, { placement: 'home', userId: 'ops' });
      const metrics = await stack.admin('/metrics');
      assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
      for (const name of [
        'reco_requests_total',
        'reco_request_duration_seconds_bucket',
        'reco_upstream_duration_seconds_bucket',
        'reco_breaker_state',
        'reco_cache_lookups_total',
        'reco_events_total',
      ]) {
        assert.match(metrics.text, new RegExp(name), name);
      }
    });

    it('serves the widget bundle brotli- or gzip-compressed as accepted, and revalidates by ETag', async () => {
      const { gunzipSync, brotliDecompressSync } = await import('node:zlib');
      const { get } = await import('node:http');
      // node:http, not fetch: fetch would decompress and hide what went over the wire.
      const raw = (encoding: string, headers: Record<string, string> = {}) =>
        new Promise<{ res: { status: number; headers: { get(name: string): string | null } }; body: Buffer }>(
          (resolve, reject) => {
            get(`${stack.proxy.url}/reco-shelf.js`, { headers: { 'accept-encoding': encoding, ...headers } }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () =>
                resolve({
                  res: {
                    status: res.statusCode!,
                    headers: { get: (n) => (res.headers[n] as string | undefined) ?? null },
                  },
                  body: Buffer.concat(chunks),
                }),
              );
            }).on('error', reject);
          },
        );
      const plain = await raw('identity');
      assert.equal(plain.res.status, 200);
      assert.match(plain.res.headers.get('content-type') ?? '', /javascript/);
      const gz = await raw('gzip');
      assert.equal(gz.res.headers.get('content-encoding'), 'gzip');
      assert.deepEqual(gunzipSync(gz.body), plain.body);
      const br = await raw('gzip, deflate, br');
      assert.equal(br.res.headers.get('content-encoding'), 'br');
      assert.deepEqual(brotliDecompressSync(br.body), plain.body);
      assert.ok(br.body.length < plain.body.length / 2);
      const again = await raw('br', { 'if-none-match': plain.res.headers.get('etag')! });
      assert.equal(again.res.status, 304);
    });

    it('serves both bundles with CORS for listed origins, and under a versioned name cached for a year', async () => {
      for (const name of ['reco-shelf', 'reco-shelf.dev']) {
        const listed = await fetch(`${stack.proxy.url}/${name}.js`, { headers: { origin: 'http://shop.test' } });
        assert.equal(listed.status, 200, name);
        assert.equal(listed.headers.get('access-control-allow-origin'), 'http://shop.test');
        assert.match(listed.headers.get('cache-control') ?? '', /max-age=300/);
        const unlisted = await fetch(`${stack.proxy.url}/${name}.js`, { headers: { origin: 'http://evil.test' } });
        assert.equal(unlisted.headers.get('access-control-allow-origin'), null);
        const versioned = /<\/([^>]+)>; rel="canonical"/.exec(listed.headers.get('link') ?? '')?.[1];
        assert.match(versioned ?? '', new RegExp(`^v/[A-Za-z0-9_-]{16}/${name.replace('.', '\\.')}\\.js$`));
        const pinned = await fetch(`${stack.proxy.url}/${versioned}`);
        assert.equal(pinned.status, 200);
        assert.match(pinned.headers.get('cache-control') ?? '', /max-age=31536000, immutable/);
        assert.equal(await pinned.text(), await listed.text());
        const old = await fetch(`${stack.proxy.url}/v/AAAAAAAAAAAAAAAA/${name}.js`);
        assert.equal(old.status, 404);
      }
    });

    it('sets security headers and no framework banner', async () => {
      const { headers } = await stack.get('/healthz');
      assert.equal(headers.get('x-content-type-options'), 'nosniff');
      assert.equal(headers.get('x-powered-by'), null);
    });
  });

  describe('events', () => {
    it('stores a JSON batch durably, once, and says 202', async () => {
      const clicks = async () =>
        Number(
          /reco_shelf_events_total\{type="click",source="model",arm="model",variant="none"\} (\d+)/.exec(
            (await stack.admin('/metrics')).text,
          )?.[1] ?? 0,
        );
      const clicksBefore = await clicks();
      const batch = JSON.stringify({ events: [event('evt-json-0001'), event('evt-json-0002')] });
      const first = await stack.send('POST', '/v1/events', batch, json);
      assert.equal(first.status, 202);
      assert.equal(first.body.accepted, 2);
      const retry = await stack.send('POST', '/v1/events', batch, json);
      assert.deepEqual([retry.body.accepted, retry.body.duplicates], [0, 2]);
      const stored = (await readStoredEvents(stack.proxy.eventLog.dir)).filter((e) => e.id.startsWith('evt-json'));
      assert.equal(stored.length, 2);
      assert.equal(stored[0]!.requestId, 'req-1');
      assert.equal((await clicks()) - clicksBefore, 2);
    });

    it('accepts the text/plain body that sendBeacon sends', async () => {
      const { status, body } = await stack.send(
        'POST',
        '/v1/events',
        JSON.stringify({ events: [event('evt-beacon-01', { type: 'impression' })] }),
        { 'content-type': 'text/plain;charset=UTF-8' },
      );
      assert.equal(status, 202);
      assert.equal(body.accepted, 1);
    });

    it('stores the valid events of a mixed batch and names the bad ones', async () => {
      const { status, body } = await stack.send(
        'POST',
        '/v1/events',
        JSON.stringify({ events: [event('evt-mixed-01'), event('evt-mixed-02', { ts: 'yesterday' })] }),
        json,
      );
      assert.equal(status, 202);
      assert.equal(body.accepted, 1);
      assert.match(body.rejected[0]!.message, /events\[1\]\.ts/);
    });

    it('refuses a batch with no valid event, a wrong content type, or a broken envelope', async () => {
      const allBad = await stack.send('POST', '/v1/events', JSON.stringify({ events: [{ id: 'x' }] }), json);
      assert.equal(allBad.status, 400);
      assert.equal(
        (await stack.send('POST', '/v1/events', '<xml/>', { 'content-type': 'application/xml' })).status,
        415,
      );
      assert.equal(
        (await stack.send('POST', '/v1/events', '{"events":', { 'content-type': 'text/plain' })).status,
        400,
      );
    });

    it('keeps what a shopper just bought off their shelf', async () => {
      await stack.send(
        'POST',
        '/v1/events',
        JSON.stringify({ events: [event('evt-buy-0001', { type: 'purchase', userId: 'buyer-1', itemId: '22423' })] }),
        { ...json, authorization: `Bearer ${serverKey}` },
      );
      const { body } = await askShelf(stack, { placement: 'home', userId: 'buyer-1' });
      assert.ok(!body.items.some((i) => i.id === '22423'));
      assert.ok(stack.container.received.at(-1)!.exclude.includes('22423'));
    });
  });

  it('never leaks AWS detail in an answer', async () => {
    const { text } = await askShelf(stack, { placement: 'home', userId: 'leak' });
    for (const secret of [stack.runtime.credentials.accessKeyId, stack.runtime.credentials.secretAccessKey, 'arn:aws'])
      assert.ok(!text.includes(secret));
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past the configured requests a minute', async () => {
    const stack = await startStack({ config: { rateLimit: 3 } });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await stack.get('/v1/recommendations?placement=home')).status, 200);
      const limited = await stack.get('/v1/recommendations?placement=home');
      assert.equal(limited.status, 429);
      assert.equal(limited.body.error.code, 'rate_limited');
      assert.ok(Number(limited.headers.get('retry-after')) >= 1);
      assert.equal((await stack.get('/healthz')).status, 200, 'operations are not limited');
    } finally {
      await stack.close();
    }
  });
});

describe('restart', () => {
  it('keeps stored events across a restart and still refuses their ids twice', async () => {
    const eventsDir = join(mkdtempSync(join(tmpdir(), 'reco-restart-')), 'events');
    const batch = JSON.stringify({ events: [event('evt-restart-1')] });
    const first = await startStack({ eventsDir });
    assert.equal((await first.send('POST', '/v1/events', batch, json)).body.accepted, 1);
    await first.close();
    const second = await startStack({ eventsDir });
    try {
      assert.equal((await second.send('POST', '/v1/events', batch, json)).body.duplicates, 1);
    } finally {
      await second.close();
    }
  });

  it('drains a request in flight when it is asked to stop', async () => {
    const stack = await startStack();
    await stack.weather('slow', 100);
    const inFlight = askShelf(stack, { placement: 'home', userId: 'drain' });
    await new Promise<void>((resolve) => stack.runtime.runtime.server.once('request', () => resolve()));
    const closing = stack.proxy.close();
    const { status } = await inFlight;
    assert.equal(status, 200);
    await closing;
    await stack.runtime.close();
    await stack.container.close();
  });
});
