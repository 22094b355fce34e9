import assert from 'node:assert/strict';
import { test } from 'node:test';
import { invertSymmetricInPlace } from './linear-algebra.ts';

test('inverts a symmetric positive-definite matrix (A·A⁻¹ = I) for sizes around the 4-row blocking', () => {
  for (const n of [1, 3, 4, 9]) {
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j <= i; j++) {
        const v = i === j ? n + 1 : Math.cos(i + 2 * j);
        a[i * n + j] = v;
        a[j * n + i] = v;
      }
    const inverse = a.slice();
    invertSymmetricInPlace(inverse, n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k]! * inverse[k * n + j]!;
        assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-12, `n=${n} (${i},${j}) = ${s}`);
      }
  }
});

test('refuses a matrix that is not positive definite', () => {
  assert.throws(() => invertSymmetricInPlace(Float64Array.from([1, 2, 2, 1]), 2), /not positive definite/);
});
