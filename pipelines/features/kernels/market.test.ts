import fc from 'fast-check';
import { beta, corrWithMarket, excessReturn, idioVol } from './market';
import { returnStd } from './volatility';
import { expectSeries, randomSource, randomBars, mean, std, f64, arr, N, naive as sharedNaive } from './test-support';

const { abs, max, min, sqrt } = Math;

/**
 * The shared naive reference with the market return (inputs[1]) exempt on the first row t − span: that row
 * supplies the previous close alone.
 */
const naive = (inputs: Float64Array[], span: number, value: (t: number) => number): Float64Array =>
  sharedNaive(inputs, span, value, 1);

/** Daily market returns, about ±1%, with their own lone missing values. */
function marketFor(n: number, seed: number, gapRate: number): Float64Array {
  const rand = randomSource(seed + 2000);
  return Float64Array.from({ length: n }, () => (rand() < gapRate ? NaN : 0.02 * (rand() - 0.5)));
}

/** Pairs (r_i, m_i) for the w rows ending at t. */
function pairs(close: Float64Array, m: Float64Array, t: number, w: number): { r: number[]; mk: number[] } {
  const r: number[] = [];
  const mk: number[] = [];
  for (let i = t - w + 1; i <= t; i++) {
    r.push(close[i] / close[i - 1] - 1);
    mk.push(m[i]);
  }
  return { r, mk };
}

/** Co-moments by two passes. */
function comoments(x: number[], y: number[]): { sxx: number; syy: number; sxy: number } {
  const mx = mean(x);
  const my = mean(y);
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  for (let i = 0; i < x.length; i++) {
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
    sxy += (x[i] - mx) * (y[i] - my);
  }
  const flat = (xs: number[]) => xs.every((v) => v === xs[0]);
  return { sxx: flat(x) ? 0 : sxx, syy: flat(y) ? 0 : syy, sxy: flat(x) || flat(y) ? 0 : sxy };
}

// ---- hand-computed cases ----

describe('beta, correlation, idiosyncratic volatility', () => {
  // m = 0.01, −0.01, 0.02 and r = 0.02, 0, 0.01. In units of 0.01/3 the market's deviations are 1, −5, 4
  // (Σ² = 42); in units of 0.01 the ticker's are 1, −1, 0 (Σ² = 2); Σ products = 6 · 0.01²/3.
  // beta = 6/3 / (42/9) = 3/7; ρ = 2 / √(42/9 · 2) = 6/√84; idio = √(2e-4 · (1 − ρ²) / 2) = 0.01 · 2/√7.
  const close = f64([100, 102, 102, 103.02]);
  const m = f64([0, 0.01, -0.01, 0.02]);
  it('window 3 by hand: first value at index 3', () => {
    expectSeries(beta(close, m, 3), [N, N, N, 3 / 7], 1e-9);
    expectSeries(corrWithMarket(close, m, 3), [N, N, N, 6 / sqrt(84)], 1e-9);
    expectSeries(idioVol(close, m, 3), [N, N, N, 0.02 / sqrt(7)], 1e-9);
  });

  it('a ticker that moves twice the market: beta 2, correlation 1, no idiosyncratic volatility', () => {
    const mk = f64([0, 0.01, -0.02, 0.015, 0.03, -0.01]);
    const c = new Float64Array(mk.length);
    c[0] = 100;
    for (let t = 1; t < c.length; t++) c[t] = c[t - 1] * (1 + 2 * mk[t]);
    expect(beta(c, mk, 4)[5]).toBeCloseTo(2, 9);
    expect(corrWithMarket(c, mk, 4)[5]).toBeCloseTo(1, 9);
    expect(idioVol(c, mk, 4)[5]).toBeCloseTo(0, 9);
  });

  it('a missing market return restarts the window like a missing close', () => {
    const mk = f64([0, 0.01, N, -0.01, 0.02, 0.01, -0.01]);
    const c = f64([100, 102, 101, 101, 103.02, 104, 103]);
    const b = beta(c, mk, 2);
    // No pair at row 2; pairs at rows 3, 4 first fill a window of 2 at row 4 (row 2's close is row 3's base).
    expect(arr(b).map(Number.isNaN)).toEqual([true, true, true, true, false, false, false]);
    const r = [104 / 103.02 - 1, 103 / 104 - 1];
    const { sxx, sxy } = comoments([0.01, -0.01], r);
    expect(b[6]).toBeCloseTo(sxy / sxx, 12);
  });

  it('a flat market has no beta, correlation or idiosyncratic volatility', () => {
    const mk = f64([0, 0.01, 0.01, 0.01]);
    const c = f64([100, 101, 103, 102]);
    for (const k of [beta, corrWithMarket, idioVol]) expectSeries(k(c, mk, 3), [N, N, N, N]);
  });

  it('rejects mismatched lengths and window 1', () => {
    expect(() => beta(f64([1, 2]), f64([0]), 2)).toThrow(/differ in length/);
    expect(() => beta(f64([1, 2]), f64([0, 0]), 1)).toThrow(/period must be an integer 2\.\.100000/);
  });
});

describe('excessReturn', () => {
  it.each<[string, number[], number[], number, number[]]>([
    ['the same compounded return → 0', [100, 110, 121], [0, 0.1, 0.1], 2, [N, N, 121 / 100 - 1.1 * 1.1]],
    ['0.21 against 1.05 · 0.98 − 1', [100, 110, 121], [0, 0.05, -0.02], 2, [N, N, 0.21 - (1.05 * 0.98 - 1)]],
    ['one day', [100, 102, 101], [0.5, 0.01, 0.01], 1, [N, 0.02 - 0.01, 101 / 102 - 1 - 0.01]],
    ['a missing market return blanks the rows whose span holds it', [100, 102, 101, 103], [0, N, 0.01, 0.01], 1, [N, N, 101 / 102 - 1 - 0.01, 103 / 101 - 1 - 0.01]],
    ['the market return of the span\'s first row is not needed', [100, 102, 101], [N, 0.02, 0.01], 2, [N, N, 101 / 100 - 1 - (1.02 * 1.01 - 1)]],
  ])('%s', (_name, close, m, k, expected) => {
    expectSeries(excessReturn(f64(close), f64(m), k), expected, 1e-12, 1e-15);
  });
});

// ---- naive references on seeded random series ----

describe('against naive O(n·w) references (seeded bars and market returns with gaps; rel 1e-9)', () => {
  const rel = 1e-9;
  const absTol = 1e-12;
  it.each([[41, 0.02], [42, 0.02], [43, 0.002], [44, 0.002]])('seed %i, gap rate %d', (seed, gapRate) => {
    const { close } = randomBars(seed, 700, gapRate);
    const m = marketFor(close.length, seed, gapRate);
    for (const w of [2, 3, 20, 60, 120]) {
      const moments = (t: number) => {
        const { r, mk } = pairs(close, m, t, w);
        return comoments(r, mk);
      };
      expectSeries(beta(close, m, w), naive([close, m], w, (t) => {
        const { syy, sxy } = moments(t);
        return syy > 0 ? sxy / syy : NaN;
      }), rel, absTol);
      expectSeries(corrWithMarket(close, m, w), naive([close, m], w, (t) => {
        const { sxx, syy, sxy } = moments(t);
        return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NaN;
      }), rel, absTol);
      // Two points always fit exactly: the residual is 0 and the co-moment form leaves ~1e-10 (see idioVol).
      if (w === 2) continue;
      expectSeries(idioVol(close, m, w), naive([close, m], w, (t) => {
        // Residuals of the window's own beta, then their sample std.
        const { r, mk } = pairs(close, m, t, w);
        const { syy, sxy } = comoments(r, mk);
        if (!(syy > 0)) return NaN;
        return std(r.map((x, i) => x - (sxy / syy) * mk[i]), 1);
      }), rel, 1e-11);
    }
    for (const k of [1, 5, 20]) {
      expectSeries(excessReturn(close, m, k), naive([close, m], k, (t) => {
        let growth = 1;
        for (let i = t - k + 1; i <= t; i++) growth *= 1 + m[i];
        return close[t] / close[t - k] - 1 - (growth - 1);
      }), rel, absTol);
    }
  });
});

// ---- properties ----

/** Ticker closes and market returns, ~1 row in 10 missing on either side. */
const seriesArb = fc.array(
  fc.tuple(
    fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 100, max: 100_000 }).map((c) => c / 100) }, { weight: 1, arbitrary: fc.constant(NaN) }),
    fc.oneof({ weight: 9, arbitrary: fc.integer({ min: -500, max: 500 }).map((x) => x / 10_000) }, { weight: 1, arbitrary: fc.constant(NaN) }),
  ),
  { maxLength: 60 },
).map((rows) => ({ close: f64(rows.map((r) => r[0])), m: f64(rows.map((r) => r[1])) }));
type Pair = { close: Float64Array; m: Float64Array };
const factor = fc.constantFrom(0.01, 0.5, 3, 7.5, 1000);

const KERNELS: Array<[string, (d: Pair) => Float64Array]> = [
  ['beta_5', (d) => beta(d.close, d.m, 5)],
  ['corr_mkt_5', (d) => corrWithMarket(d.close, d.m, 5)],
  ['idio_vol_5', (d) => idioVol(d.close, d.m, 5)],
  ['excess_return_3d', (d) => excessReturn(d.close, d.m, 3)],
];

describe('properties', () => {
  it('correlation in [−1, 1], idiosyncratic volatility >= 0', () => {
    fc.assert(fc.property(seriesArb, fc.integer({ min: 2, max: 10 }), (d, w) => {
      expect(arr(corrWithMarket(d.close, d.m, w)).every((v) => Number.isNaN(v) || (v >= -1 && v <= 1))).toBe(true);
      expect(arr(idioVol(d.close, d.m, w)).every((v) => Number.isNaN(v) || v >= 0)).toBe(true);
    }));
  });

  it('with a complete market series, idio_vol = volatility · √(1 − ρ²) (both sample std)', () => {
    fc.assert(fc.property(seriesArb, (d) => {
      const m = d.m.map((v) => (Number.isNaN(v) ? 0.001 : v));
      const vol = returnStd(d.close, 5);
      const rho = corrWithMarket(d.close, m, 5);
      const idio = idioVol(d.close, m, 5);
      idio.forEach((v, t) => {
        if (!Number.isNaN(v)) expect(v).toBeCloseTo(vol[t] * sqrt(1 - rho[t] ** 2), 9);
      });
    }));
  });

  it('the market against itself: beta 1, correlation 1', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -500, max: 500 }).map((x) => x / 10_000), { minLength: 8, maxLength: 40 }), (returns) => {
      const m = f64([0, ...returns]);
      const level = new Float64Array(m.length);
      level[0] = 100;
      for (let t = 1; t < m.length; t++) level[t] = level[t - 1] * (1 + m[t]);
      const b = beta(level, m, 6);
      const c = corrWithMarket(level, m, 6);
      b.forEach((v) => { if (!Number.isNaN(v)) expect(v).toBeCloseTo(1, 9); });
      c.forEach((v) => { if (!Number.isNaN(v)) expect(v).toBeCloseTo(1, 9); });
      expect(arr(excessReturn(level, m, 3)).every((v) => Number.isNaN(v) || abs(v) < 1e-12)).toBe(true);
    }));
  });

  it.each(KERNELS)('%s does not change when the closes are scaled by a positive constant', (_name, kernel) => {
    fc.assert(fc.property(seriesArb, factor, (d, k) => {
      expectSeries(kernel({ close: d.close.map((v) => v * k), m: d.m }), arr(kernel(d)), 1e-9, 1e-10);
    }));
  });

  it.each(KERNELS)('%s: a missing close or market return is a missing output on that row', (_name, kernel) => {
    fc.assert(fc.property(seriesArb, fc.nat(), fc.constantFrom<keyof Pair>('close', 'm'), (d, at, column) => {
      if (d.close.length === 0) return;
      const i = at % d.close.length;
      expect(kernel({ ...d, [column]: d[column].map((v, j) => (j === i ? NaN : v)) })[i]).toBeNaN();
    }));
  });

  it.each(KERNELS)('%s: a gap splits the series into independent runs, bit for bit', (_name, kernel) => {
    fc.assert(fc.property(seriesArb, seriesArb, (a, b) => {
      const join = (x: Float64Array, y: Float64Array) => f64([...x, NaN, ...y]);
      expectSeries(kernel({ close: join(a.close, b.close), m: join(a.m, b.m) }), [...arr(kernel(a)), NaN, ...arr(kernel(b))], 0, 0);
    }));
  });
});
