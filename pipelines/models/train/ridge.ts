/**
 * Ridge regression in closed form on standardised features, float64 throughout:
 *   minimise ||y − b − Zw||² + λ||w||²,  λ = l2 × n (n = fitted rows)
 * solved as the (F+1)×(F+1) normal equations with the intercept's row and column unpenalised. Scaling λ with n
 * makes `l2` a per-row penalty: with standardised features ZᵀZ/n is about the correlation matrix, so l2 is what
 * is added to its diagonal, and the same l2 shrinks a 1-year and a 10-year fit alike.
 */
import { CholeskyDecomposition, Matrix, solve } from 'ml-matrix';
import type { DesignMatrix } from './dataset';
import type { DenseLayer } from '../types';

export class RidgeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RidgeError';
  }
}

export interface RidgeFit {
  weights: Float64Array;
  bias: number;
  /** The λ used (l2 × rows). */
  lambda: number;
}

/**
 * The normal equations' sums: A = [[n, 1ᵀZ], [Zᵀ1, ZᵀZ]] (upper triangle accumulated, then mirrored) and
 * c = [Σy, Zᵀy]. One pass over the rows: the design matrix is never materialised.
 */
export function normalEquations(design: DesignMatrix): { a: Float64Array; c: Float64Array; size: number } {
  const F = design.features;
  const P = F + 1;
  const a = new Float64Array(P * P);
  const c = new Float64Array(P);
  // Rows go through in blocks held column by column, so each entry of A is one dot product over a contiguous
  // block (four at a time, summed in registers) rather than a read-modify-write per row.
  const B = 256;
  const cols = new Float64Array(P * B);
  const yb = new Float64Array(B);
  const row = new Float64Array(F);
  for (let start = 0; start < design.rows; start += B) {
    const n = Math.min(B, design.rows - start);
    for (let b = 0; b < n; b++) {
      design.fill(start + b, row);
      cols[b] = 1;
      for (let j = 0; j < F; j++) cols[(j + 1) * B + b] = row[j];
      yb[b] = design.y[start + b];
    }
    for (let i = 0; i < P; i++) {
      const oi = i * B;
      let cy = 0;
      for (let b = 0; b < n; b++) cy += cols[oi + b] * yb[b];
      c[i] += cy;
      let j = i;
      for (; j + 3 < P; j += 4) {
        const o0 = j * B;
        const o1 = o0 + B;
        const o2 = o1 + B;
        const o3 = o2 + B;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let b = 0; b < n; b++) {
          const v = cols[oi + b];
          s0 += v * cols[o0 + b];
          s1 += v * cols[o1 + b];
          s2 += v * cols[o2 + b];
          s3 += v * cols[o3 + b];
        }
        const at = i * P + j;
        a[at] += s0;
        a[at + 1] += s1;
        a[at + 2] += s2;
        a[at + 3] += s3;
      }
      for (; j < P; j++) {
        const oj = j * B;
        let s = 0;
        for (let b = 0; b < n; b++) s += cols[oi + b] * cols[oj + b];
        a[i * P + j] += s;
      }
    }
  }
  for (let i = 0; i < P; i++) for (let j = 0; j < i; j++) a[i * P + j] = a[j * P + i];
  return { a, c, size: P };
}

/** Solves the penalised system; Cholesky when positive definite (λ > 0 makes it so), else a least-squares SVD solve. */
export function fitRidge(design: DesignMatrix, l2: number): RidgeFit {
  if (!(l2 >= 0) || !Number.isFinite(l2)) throw new RidgeError(`l2 must be a finite number >= 0, got ${l2}`);
  if (design.rows === 0) throw new RidgeError('no rows to fit');
  const { a, c, size } = normalEquations(design);
  const lambda = l2 * design.rows;
  for (let j = 1; j < size; j++) a[j * size + j] += lambda;
  const A = new Matrix(size, size);
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) A.set(i, j, a[i * size + j]);
  const b = Matrix.columnVector(Array.from(c));
  const chol = new CholeskyDecomposition(A);
  const solution = chol.isPositiveDefinite() ? chol.solve(b) : solve(A, b, true);
  const beta = solution.getColumn(0);
  if (!beta.every(Number.isFinite)) throw new RidgeError('the normal equations have no finite solution');
  return { bias: beta[0], weights: Float64Array.from(beta.slice(1)), lambda };
}

/** The fit as the ModelSpec's single linear layer [F → 1]. */
export function ridgeLayer(fit: RidgeFit): DenseLayer {
  return { inputs: fit.weights.length, outputs: 1, weights: Float64Array.from(fit.weights), bias: Float64Array.of(fit.bias), activation: 'linear' };
}
