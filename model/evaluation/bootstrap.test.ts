import assert from 'node:assert/strict';
import { test } from 'node:test';
import { seeded } from '../recommenders/seeded-random.ts';
import { clusteredPairedBootstrap, pairedBootstrap } from './bootstrap.ts';

const options = { resamples: 2000, seed: 1, level: 0.95 };

test('pairing cancels what both models share: a constant lead has a zero-width interval', () => {
  const random = seeded(3);
  const b = Float64Array.from({ length: 300 }, () => random()); // large spread between targets
  const a = b.map((x) => x + 0.1);
  const { difference, low, high } = pairedBootstrap(a, b, options);
  for (const x of [difference, low, high]) assert.ok(Math.abs(x - 0.1) < 1e-12, `${x}`);
});

test('the interval matches the normal approximation for ±1 differences (standard error 1/√n)', () => {
  const n = 400;
  const a = Float64Array.from({ length: n }, (_, t) => (t % 2 === 0 ? 1 : 0));
  const b = Float64Array.from({ length: n }, (_, t) => (t % 2 === 0 ? 0 : 1));
  const { difference, low, high } = pairedBootstrap(a, b, options);
  assert.equal(difference, 0);
  const halfWidth = 1.96 / Math.sqrt(n);
  assert.ok(Math.abs(low + halfWidth) < 0.015 && Math.abs(high - halfWidth) < 0.015, `[${low}, ${high}]`);
});

test('the same seed replays the same interval; the pairs must line up', () => {
  const random = seeded(9);
  const a = Float64Array.from({ length: 50 }, () => random());
  const b = Float64Array.from({ length: 50 }, () => random());
  assert.deepEqual(pairedBootstrap(a, b, options), pairedBootstrap(a, b, options));
  assert.notDeepEqual(pairedBootstrap(a, b, options), pairedBootstrap(a, b, { ...options, seed: 2 }));
  assert.throws(() => pairedBootstrap(a, b.subarray(1), options), /pair/);
});

test('pooled over cut-offs, a customer counted twice is resampled once: the interval is as wide as one copy', () => {
  const n = 400;
  const a = Float64Array.from({ length: n }, (_, t) => (t % 2 === 0 ? 1 : 0));
  const b = Float64Array.from({ length: n }, (_, t) => (t % 2 === 0 ? 0 : 1));
  const twice = (x: Float64Array) => Float64Array.from([...x, ...x]);
  const customers = Int32Array.from({ length: 2 * n }, (_, t) => t % n);
  const pooled = clusteredPairedBootstrap(twice(a), twice(b), customers, options);
  const halfWidth = 1.96 / Math.sqrt(n); // n customers, not 2n targets
  assert.ok(
    Math.abs(pooled.low + halfWidth) < 0.015 && Math.abs(pooled.high - halfWidth) < 0.015,
    JSON.stringify(pooled),
  );
  // Treated as 2n independent targets it would be narrower by √2.
  const naive = pairedBootstrap(twice(a), twice(b), options);
  assert.ok(naive.high < pooled.high - 0.02, `${naive.high} vs ${pooled.high}`);
  assert.throws(() => clusteredPairedBootstrap(a, b, customers, options), /pair/);
});
