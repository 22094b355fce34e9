import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientKeyOf } from './client-of.ts';

describe('the client a per-client limit counts', () => {
  it('is an IPv4 address as it is, also when written IPv4-mapped', () => {
    assert.equal(clientKeyOf('203.0.113.9'), '203.0.113.9');
    assert.equal(clientKeyOf('::ffff:203.0.113.9'), '203.0.113.9');
  });

  it('is the /64 of an IPv6 address, however it is written', () => {
    const key = '2001:db8:0:1::/64';
    for (const address of ['2001:db8:0:1::1', '2001:db8:0:1:ffff:ffff:ffff:ffff', '2001:0DB8:0000:0001:0:0:0:9'])
      assert.equal(clientKeyOf(address), key, address);
    assert.equal(clientKeyOf('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(clientKeyOf('::1'), '0:0:0:0::/64');
    assert.equal(clientKeyOf('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.notEqual(clientKeyOf('2001:db8:0:2::1'), key, 'the next /64 is another client');
  });

  it('leaves anything else as it is', () => {
    assert.equal(clientKeyOf('unknown'), 'unknown');
  });
});
