import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { pino } from 'pino';
import { errorHandler } from './api-error.ts';
import { bodyRead, jsonOrTextBodyUpTo } from './request-body.ts';

describe('the JSON-or-text body layer', () => {
  let url: string;
  let close: () => void;
  before(async () => {
    const app = express();
    // What the route sees: the body as read, or that none was.
    app.post('/echo', ...jsonOrTextBodyUpTo(64, 'a test'), (req, res) => {
      res.json({ read: bodyRead(req), body: req.body ?? null });
    });
    app.use(errorHandler(pino({ level: 'silent' })));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;
    close = () => server.close();
  });
  after(() => close());

  const post = async (body: string | undefined, headers: Record<string, string>) => {
    const res = await fetch(url, { method: 'POST', headers, ...(body === undefined ? {} : { body }) });
    return { status: res.status, body: (await res.json()) as { read?: boolean; body?: unknown; error?: unknown } };
  };

  it('reads JSON as JSON and text/plain as its text, charset and all', async () => {
    assert.deepEqual(await post('{"a":1}', { 'content-type': 'application/json; charset=utf-8' }), {
      status: 200,
      body: { read: true, body: { a: 1 } },
    });
    assert.deepEqual(await post('{"a":1}', { 'content-type': 'text/plain;charset=UTF-8' }), {
      status: 200,
      body: { read: true, body: '{"a":1}' },
    });
    assert.deepEqual(await post('', { 'content-type': 'text/plain' }), { status: 200, body: { read: true, body: '' } });
  });

  it('leaves any other type, and a POST without a body, unread for the route to refuse', async () => {
    const form = await post('a=1', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.deepEqual(form, { status: 200, body: { read: false, body: null } });
    const none = await fetch(url, { method: 'POST' });
    assert.deepEqual(await none.json(), { read: false, body: null });
  });

  it('refuses a compressed body with 415 and a body over the limit with 413 naming it, whatever the type', async () => {
    const gzip = await post('{}', { 'content-type': 'application/json', 'content-encoding': 'gzip' });
    assert.equal(gzip.status, 415);
    for (const type of ['application/json', 'text/plain']) {
      const huge = await post(JSON.stringify({ a: 'x'.repeat(100) }), { 'content-type': type });
      assert.equal(huge.status, 413);
      assert.match(JSON.stringify(huge.body.error), /larger than 64 bytes, the limit \(a test\)/);
    }
    assert.equal((await post('{"a":', { 'content-type': 'application/json' })).status, 400);
  });
});
