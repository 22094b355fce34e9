import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recommendInstances } from './loadtest.ts';

const step = (concurrency: number, requestsPerSecond: number, p99Ms: number, errors = 0) => ({
  concurrency,
  requestsPerSecond,
  p50Ms: p99Ms / 3,
  p99Ms,
  errors,
});

test('the best step is the fastest within the latency target and without errors', () => {
  const steps = [step(1, 300, 8), step(4, 900, 40), step(16, 1100, 180), step(8, 1000, 90, 3)];
  const { best, instances } = recommendInstances(steps, { p99Ms: 100, targetRps: 2000, utilisation: 0.7 });
  assert.equal(best?.concurrency, 4);
  assert.equal(instances, Math.ceil(2000 / (900 * 0.7)));
});

test('never fewer than two instances, and none recommended when no step meets the target', () => {
  assert.equal(recommendInstances([step(1, 1000, 5)], { p99Ms: 100, targetRps: 10, utilisation: 0.7 }).instances, 2);
  assert.deepEqual(recommendInstances([step(1, 1000, 500)], { p99Ms: 100, targetRps: 10, utilisation: 0.7 }), {
    best: undefined,
    instances: undefined,
  });
});
