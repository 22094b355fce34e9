import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Sha256 } from '@aws-crypto/sha256-js';
import { NodeSha256 } from './node-sha256.ts';

async function both(secret: string | undefined, parts: Array<string | Uint8Array>): Promise<[string, string]> {
  const ours = new NodeSha256(secret);
  const reference = new Sha256(secret);
  for (const p of parts) {
    ours.update(p);
    reference.update(p);
  }
  return [Buffer.from(await ours.digest()).toString('hex'), Buffer.from(await reference.digest()).toString('hex')];
}

test('NodeSha256 hashes exactly like @aws-crypto/sha256-js, plain and keyed, strings and bytes', async () => {
  const bytes = new Uint8Array([0, 1, 2, 250, 255]);
  const view = new Uint8Array(new Uint8Array([9, 9, 7, 8, 9]).buffer, 2, 3);
  for (const secret of [undefined, 'AWS4secret']) {
    const [a, b] = await both(secret, ['héllo ', bytes, view, '']);
    assert.equal(a, b, `secret=${String(secret)}`);
  }
});

test('NodeSha256.reset starts over with the same key', async () => {
  const h = new NodeSha256('key');
  h.update('noise');
  h.reset();
  h.update('data');
  const [expected] = await both('key', ['data']);
  assert.equal(Buffer.from(await h.digest()).toString('hex'), expected);
});
