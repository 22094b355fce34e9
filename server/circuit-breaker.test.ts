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

  it('a success resets the count of consecutive failures', () => {
    const breaker = new CircuitBreaker({ failures: 2, probeMs: 100 });
    breaker.failure();
    breaker.success();
    breaker.failure();
    assert.equal(breaker.state, 'closed');
  });
});
