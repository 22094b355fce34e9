import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import express from 'express';
import { arrivalOf, stampArrival } from './received-at.ts';

describe('the arrival stamp', () => {
  it('is read back after the body, and adds nothing to the request (where a property costs a map)', async () => {
    const app = express();
    const stamps: number[] = [];
    let added = -1;
    app.use((req, _res, next) => {
      const own = Reflect.ownKeys(req).length;
      stampArrival(req);
      added = Reflect.ownKeys(req).length - own;
      stamps.push(arrivalOf(req));
      next();
    });
    app.post('/', express.text(), (req, res) => {
      stamps.push(arrivalOf(req));
      res.end();
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    await fetch(url, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } });
    server.close();
    assert.equal(stamps.length, 2);
    assert.equal(stamps[1], stamps[0]);
    assert.equal(added, 0);
  });

  it('is now for a request never stamped', () => {
    const before = performance.now();
    const at = arrivalOf({ res: { locals: {} } } as never);
    assert.ok(at >= before && at <= performance.now());
  });
});
