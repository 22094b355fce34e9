import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { pseudonymizer } from './pseudonym.ts';

const key = 'k'.repeat(32);

describe('pseudonyms', () => {
  it('are the keyed HMAC of the id: stable, distinct per customer and per key', () => {
    const pseudonym = pseudonymizer(key);
    const expected = `p_${createHmac('sha256', key).update('17850').digest('base64url').slice(0, 22)}`;
    assert.equal(pseudonym('17850'), expected);
    assert.equal(pseudonym('17850'), pseudonymizer(key)('17850'));
    assert.notEqual(pseudonym('17850'), pseudonym('12347'));
    assert.notEqual(pseudonym('17850'), pseudonymizer('j'.repeat(32))('17850'));
    assert.ok(!pseudonym('17850').includes('17850'));
  });

  it('pass ids unchanged without a key, and refuse a short key', () => {
    assert.equal(pseudonymizer(undefined)('17850'), '17850');
    assert.throws(() => pseudonymizer('short'), /at least 32 bytes/);
  });
});
