/**
 * Dense symmetric positive-definite inversion on Float64Array (row-major), written for
 * EASE: a Gram matrix of a few thousand items. Every phase is a dot product of two
 * contiguous rows, four rows at a time, so each streamed row is read once per four
 * results: that keeps plain JS compute-bound rather than memory-bound.
 */

/** Σ x[xo+t]·y[yo+t] for t < len, four accumulators. */
function dot(x: Float64Array, xo: number, y: Float64Array, yo: number, len: number): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  let t = 0;
  for (; t + 3 < len; t += 4) {
    s0 += x[xo + t]! * y[yo + t]!;
    s1 += x[xo + t + 1]! * y[yo + t + 1]!;
    s2 += x[xo + t + 2]! * y[yo + t + 2]!;
    s3 += x[xo + t + 3]! * y[yo + t + 3]!;
  }
  for (; t < len; t++) s0 += x[xo + t]! * y[yo + t]!;
  return s0 + s1 + s2 + s3;
}

/** Dots of four rows of `x` (offsets o0..o3) with one row of `y`; results in `out`. */
function dot4(
  x: Float64Array,
  o0: number,
  o1: number,
  o2: number,
  o3: number,
  y: Float64Array,
  yo: number,
  len: number,
  out: Float64Array,
): void {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  for (let t = 0; t < len; t++) {
    const v = y[yo + t]!;
    s0 += x[o0 + t]! * v;
    s1 += x[o1 + t]! * v;
    s2 += x[o2 + t]! * v;
    s3 += x[o3 + t]! * v;
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

/** Overwrites the lower triangle of `a` with its Cholesky factor L (a = L·Lᵀ). */
function choleskyLower(a: Float64Array, n: number): void {
  const out = new Float64Array(4);
  for (let i0 = 0; i0 < n; i0 += 4) {
    const rows = Math.min(4, n - i0);
    // Columns left of the block: four rows share each streamed row j.
    for (let j = 0; j < i0; j++) {
      const jn = j * n;
      const ljj = a[jn + j]!;
      if (rows === 4) {
        dot4(a, i0 * n, (i0 + 1) * n, (i0 + 2) * n, (i0 + 3) * n, a, jn, j, out);
        for (let r = 0; r < 4; r++) a[(i0 + r) * n + j] = (a[(i0 + r) * n + j]! - out[r]!) / ljj;
      } else {
        for (let r = 0; r < rows; r++)
          a[(i0 + r) * n + j] = (a[(i0 + r) * n + j]! - dot(a, (i0 + r) * n, a, jn, j)) / ljj;
      }
    }
    // Columns inside the block, in order, so each row j is complete before it is used.
    for (let j = i0; j < i0 + rows; j++) {
      for (let r = j; r < i0 + rows; r++) {
        const s = a[r * n + j]! - dot(a, r * n, a, j * n, j);
        if (r === j) {
          if (!(s > 0)) throw new Error(`linear-algebra: pivot ${j} is ${s}; the matrix is not positive definite`);
          a[r * n + j] = Math.sqrt(s);
        } else a[r * n + j] = s / a[j * n + j]!;
      }
    }
  }
}

/** Rows of U = (L⁻¹)ᵀ: row j holds column j of L⁻¹, zero left of the diagonal. */
function inverseLowerTransposed(l: Float64Array, n: number): Float64Array {
  const u = new Float64Array(n * n);
  const out = new Float64Array(4);
  for (let j0 = 0; j0 < n; j0 += 4) {
    const cols = Math.min(4, n - j0);
    for (let i = j0; i < n; i++) {
      const lii = l[i * n + i]!;
      const len = i - j0;
      if (cols === 4 && i >= j0 + 3) {
        dot4(u, j0 * n + j0, (j0 + 1) * n + j0, (j0 + 2) * n + j0, (j0 + 3) * n + j0, l, i * n + j0, len, out);
        for (let c = 0; c < 4; c++) u[(j0 + c) * n + i] = ((i === j0 + c ? 1 : 0) - out[c]!) / lii;
      } else {
        for (let c = 0; c < cols; c++) {
          const j = j0 + c;
          if (i < j) continue;
          u[j * n + i] = ((i === j ? 1 : 0) - dot(u, j * n + j0, l, i * n + j0, len)) / lii;
        }
      }
    }
  }
  return u;
}

/**
 * Inverts a symmetric positive-definite n×n matrix: on return `a` holds the full
 * (symmetric) inverse. Reads only the lower triangle of the input. About n³/2
 * multiply-adds; throws when the matrix is not positive definite.
 */
export function invertSymmetricInPlace(a: Float64Array, n: number): void {
  if (a.length !== n * n) throw new Error(`linear-algebra: expected ${n * n} entries, got ${a.length}`);
  choleskyLower(a, n);
  const u = inverseLowerTransposed(a, n);
  // A⁻¹ = L⁻ᵀ·L⁻¹ = U·Uᵀ; rows of U are zero left of their diagonal, so dots start at max(i, j).
  const out = new Float64Array(4);
  for (let i0 = 0; i0 < n; i0 += 4) {
    const rows = Math.min(4, n - i0);
    for (let j = i0; j < n; j++) {
      if (rows === 4 && j >= i0 + 3) {
        dot4(u, i0 * n + j, (i0 + 1) * n + j, (i0 + 2) * n + j, (i0 + 3) * n + j, u, j * n + j, n - j, out);
        for (let r = 0; r < 4; r++) {
          a[(i0 + r) * n + j] = out[r]!;
          a[j * n + i0 + r] = out[r]!;
        }
      } else {
        for (let r = 0; r < rows; r++) {
          const i = i0 + r;
          if (j < i) continue;
          const v = dot(u, i * n + j, u, j * n + j, n - j);
          a[i * n + j] = v;
          a[j * n + i] = v;
        }
      }
    }
  }
}
