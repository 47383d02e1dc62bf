import fc from 'fast-check';
import { inverse, Matrix } from 'ml-matrix';
import { seededUniform } from '../forward';
import type { DesignMatrix } from './dataset';
import { fitRidge, normalEquations, ridgeLayer, RidgeError } from './ridge';

/** A design over an explicit row-major matrix (already standardised: the ridge does not care). */
function design(z: number[][], y: number[]): DesignMatrix {
  return {
    rows: z.length,
    features: z[0]?.length ?? 0,
    y: Float64Array.from(y),
    fill(r, out, offset = 0) {
      z[r].forEach((v, j) => { out[offset + j] = v; });
    },
  };
}

function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function synthetic(rows: number, weights: number[], bias: number, noise: number, seed: number) {
  const rand = seededUniform(seed);
  const z = Array.from({ length: rows }, () => weights.map(() => gaussian(rand)));
  const y = z.map((row) => bias + row.reduce((s, v, j) => s + v * weights[j], 0) + noise * gaussian(rand));
  return { z, y };
}

/** The textbook solution: X = [1 | Z], penalty matrix diag(0, λ, …, λ), β = (XᵀX + P)⁻¹ Xᵀy. */
function naive(z: number[][], y: number[], lambda: number): number[] {
  const X = new Matrix(z.map((row) => [1, ...row]));
  const P = Matrix.eye(X.columns).mul(lambda);
  P.set(0, 0, 0);
  return inverse(X.transpose().mmul(X).add(P)).mmul(X.transpose()).mmul(Matrix.columnVector(y)).getColumn(0);
}

describe('fitRidge', () => {
  it('recovers known coefficients from noiseless data (l2 = 0)', () => {
    const { z, y } = synthetic(200, [0.5, -1.25, 2, 0], 0.3, 0, 1);
    const fit = fitRidge(design(z, y), 0);
    expect(fit.bias).toBeCloseTo(0.3, 10);
    [0.5, -1.25, 2, 0].forEach((w, j) => expect(fit.weights[j]).toBeCloseTo(w, 10));
  });

  it('recovers them up to the noise with a small penalty', () => {
    const { z, y } = synthetic(5000, [0.02, -0.01, 0.005], 0.001, 0.01, 2);
    const fit = fitRidge(design(z, y), 1e-4);
    [0.02, -0.01, 0.005].forEach((w, j) => expect(Math.abs(fit.weights[j] - w)).toBeLessThan(5e-4));
  });

  it.each([0, 0.01, 1, 50])('equals the naive normal-equation solution (l2 %d)', (l2) => {
    const { z, y } = synthetic(120, [1, 0.5, -0.3, 0.2, 0.1], -0.2, 0.5, 3);
    const fit = fitRidge(design(z, y), l2);
    const beta = naive(z, y, l2 * z.length);
    expect(fit.lambda).toBe(l2 * 120);
    expect(fit.bias).toBeCloseTo(beta[0], 9);
    beta.slice(1).forEach((b, j) => expect(fit.weights[j]).toBeCloseTo(b, 9));
  });

  it('does not penalise the intercept: a huge l2 shrinks the weights to 0 and leaves the mean of y', () => {
    const { z, y } = synthetic(300, [1, -1], 5, 0.1, 4);
    const fit = fitRidge(design(z, y), 1e9);
    const meanY = y.reduce((a, b) => a + b, 0) / y.length;
    const meanZ = [0, 1].map((j) => z.reduce((s, r) => s + r[j], 0) / z.length);
    for (const w of fit.weights) expect(Math.abs(w)).toBeLessThan(1e-8);
    expect(fit.bias).toBeCloseTo(meanY - meanZ[0] * fit.weights[0] - meanZ[1] * fit.weights[1], 10);
  });

  it('solves a singular system without a penalty (duplicated feature) by least squares', () => {
    const { z, y } = synthetic(50, [1], 0, 0, 5);
    const dup = z.map((r) => [r[0], r[0]]);
    const fit = fitRidge(design(dup, y), 0);
    expect(fit.weights[0] + fit.weights[1]).toBeCloseTo(1, 8);
  });

  it('satisfies the optimality condition Xᵀ(y − Xβ) = Pβ for any data', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1e6 }), fc.double({ min: 1e-3, max: 10, noNaN: true }), (seed, l2) => {
      const { z, y } = synthetic(40, [0.3, -0.2, 0.1], 0.05, 1, seed);
      const fit = fitRidge(design(z, y), l2);
      const residual = y.map((v, r) => v - fit.bias - z[r].reduce((s, x, j) => s + x * fit.weights[j], 0));
      expect(Math.abs(residual.reduce((a, b) => a + b, 0))).toBeLessThan(1e-8);
      for (let j = 0; j < 3; j++) {
        const g = z.reduce((s, row, r) => s + row[j] * residual[r], 0);
        expect(g).toBeCloseTo(l2 * 40 * fit.weights[j], 7);
      }
    }), { numRuns: 25 });
  });

  it('rejects a bad penalty and an empty design', () => {
    expect(() => fitRidge(design([[1]], [1]), -1)).toThrow(new RidgeError('l2 must be a finite number >= 0, got -1'));
    expect(() => fitRidge(design([], []), 1)).toThrow('no rows to fit');
  });
});

describe('normalEquations', () => {
  it('accumulates [n, Σz; Σz, ZᵀZ] and [Σy, Zᵀy], skipping nothing that matters', () => {
    const { a, c, size } = normalEquations(design([[1, 0], [0, 2], [3, -1]], [1, 2, 3]));
    expect(size).toBe(3);
    expect(Array.from(a)).toEqual([3, 4, 1, 4, 10, -3, 1, -3, 5]);
    expect(Array.from(c)).toEqual([6, 10, 1]);
  });
});

describe('ridgeLayer', () => {
  it('is one linear layer [F → 1]', () => {
    expect(ridgeLayer({ weights: Float64Array.of(1, 2), bias: 0.5, lambda: 0 })).toEqual({
      inputs: 2, outputs: 1, weights: Float64Array.of(1, 2), bias: Float64Array.of(0.5), activation: 'linear',
    });
  });
});
