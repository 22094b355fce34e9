import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker } from './circuit-breaker.ts';

describe('circuit breaker', () => {
  it('opens after the configured consecutive failures, probes once after the wait, and closes on a good probe', () => {
    let now = 0;
    const states: string[] = [];
    const breaker = new CircuitBreaker({ failures: 3, probeMs: 1000, now: () => now, onChange: (s) => states.push(s) });
    breaker.failure();
    breaker.failure();
    assert.equal(breaker.allows(), true);
    breaker.failure();
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.allows(), false);
    now = 1000;
    assert.equal(breaker.allows(), true, 'the first caller after the wait is the probe');
    assert.equal(breaker.allows(), false, 'only one probe at a time');
    breaker.success();
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(states, ['open', 'half-open', 'closed']);
  });

  it('re-opens at once when the probe fails', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failures: 1, probeMs: 100, now: () => now });
    breaker.failure();
    now = 100;
    assert.equal(breaker.allows(), true);
    breaker.failure();
    assert.equal(breaker.state, 'open');
    now = 150;
    assert.equal(breaker.allows(), false);
  });

  it('opens on the share of bad calls in the window, not on a streak', () => {
    const breaker = new CircuitBreaker({ failures: 3, failureShare: 0.5, windowCalls: 10, probeMs: 100 });
    for (let i = 0; i < 6; i++) breaker.success();
    breaker.failure();
    breaker.failure();
    breaker.failure();
    assert.equal(breaker.state, 'closed', '3 bad of 9 is a third: below the share');
    breaker.failure();
    breaker.failure();
    assert.equal(breaker.state, 'open', '5 bad of 10 (the window dropped nothing yet): half');
  });

  it('forgets calls older than the window', () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failures: 2, windowMs: 1000, probeMs: 100, now: () => now });
    breaker.failure();
    now = 1500;
    breaker.failure();
    assert.equal(breaker.state, 'closed', 'the first failure fell out of the window');
    breaker.failure();
    assert.equal(breaker.state, 'open');
  });

  it("adopts another instance's view: open since a time (probing from then), or closed", () => {
    let now = 5000;
    const changes: Array<[string, boolean]> = [];
    const breaker = new CircuitBreaker({
      failures: 5,
      probeMs: 1000,
      now: () => now,
      onChange: (state, { adopted }) => changes.push([state, adopted]),
    });
    breaker.adopt('open', 4500);
    assert.equal(breaker.allows(), false);
    now = 5500;
    assert.equal(breaker.allows(), true, 'probe due 1000 ms after the fleet opened it, not after it was heard');
    breaker.adopt('closed');
    assert.equal(breaker.state, 'closed');
    assert.deepEqual(changes, [
      ['open', true],
      ['half-open', false],
      ['closed', true],
    ]);
  });

  it('a probe released without a verdict leaves it open since the same time: the next caller probes', () => {
    let now = 0;
    const changes: Array<[string, boolean]> = [];
    const breaker = new CircuitBreaker({
      failures: 1,
      probeMs: 100,
      now: () => now,
      onChange: (state, change) => changes.push([state, change.released === true]),
    });
    breaker.failure();
    now = 150;
    assert.equal(breaker.allows(), true);
    breaker.release();
    assert.equal(breaker.state, 'open');
    assert.equal(breaker.openedAt, 0, 'not re-opened: no new wait');
    assert.equal(breaker.allows(), true, 'the next caller is the probe');
    breaker.release();
    breaker.release(); // a call outside a probe: nothing changes
    assert.deepEqual(changes, [
      ['open', false],
      ['half-open', false],
      ['open', true],
      ['half-open', false],
      ['open', true],
    ]);
  });
});
