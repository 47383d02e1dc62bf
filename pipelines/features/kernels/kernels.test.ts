import fc from 'fast-check';
import { latestZScore, signSum } from './flows';
import { pctChange } from './returns';
import { rsi } from './rsi';
import { forEachJointRun } from './runs';
import { sma, volumeRatio } from './sma';

const { abs, sqrt } = Math;
const f64 = (xs: number[]) => Float64Array.from(xs);
const arr = (x: Float64Array) => Array.from(x);
const N = NaN;

/** Equal, with NaN equal to NaN and numbers within a relative tolerance. */
function expectSeries(actual: Float64Array, expected: number[], rel = 1e-12): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => {
    const a = actual[i];
    if (Number.isNaN(e)) {
      if (!Number.isNaN(a)) throw new Error(`index ${i}: expected NaN, got ${a}`);
    } else if (!(abs(a - e) <= rel * Math.max(1, abs(e)))) {
      throw new Error(`index ${i}: expected ${e}, got ${a}`);
    }
  });
}

describe('pctChange', () => {
  it.each<[string, number[], number, number[]]>([
    ['one day', [100, 110, 99, 99], 1, [N, 0.1, 99 / 110 - 1, 0]],
    ['five days: first value at index 5', [1, 2, 3, 4, 5, 6, 7], 5, [N, N, N, N, N, 5, 2.5]],
    ['a missing close blanks that day and the next', [100, 110, N, 121, 133.1], 1, [N, 0.1, N, N, 133.1 / 121 - 1]],
    ['a missing close inside a 2-day window blanks both days after it', [1, 2, N, 4, 5, 6], 2, [N, N, N, N, N, 6 / 4 - 1]],
    ['a zero base is missing, not 0 (TA-Lib would write 0)', [0, 5, 10], 1, [N, N, 1]],
    ['shorter than the lag', [1], 1, [N]],
    ['empty', [], 1, []],
  ])('%s', (_name, x, k, expected) => {
    expectSeries(pctChange(f64(x), k), expected);
  });

  it('writes into a caller buffer (a frame column slice) and returns it', () => {
    const out = new Float64Array(3).fill(7);
    expect(pctChange(f64([1, 2, 4]), 1, out)).toBe(out);
    expect(arr(out)).toEqual([N, 1, 1]);
  });

  it('rejects a bad lag and a mismatched output', () => {
    expect(() => pctChange(f64([1, 2]), 0)).toThrow(/period must be an integer/);
    expect(() => pctChange(f64([1, 2]), 1, new Float64Array(3))).toThrow(/output has 3 rows, input 2/);
  });
});

describe('rsi (Wilder, TA-Lib conventions)', () => {
  it('period 2 by hand: seed = mean of the first 2 changes, then (prev·1 + x) / 2', () => {
    // Changes +1, −1, +2. Seed gain (1+0)/2 = 0.5, loss (0+1)/2 = 0.5 → 50.
    // Then gain (0.5·1 + 2)/2 = 1.25, loss (0.5·1 + 0)/2 = 0.25 → 100·1.25/1.5.
    expectSeries(rsi(f64([1, 2, 1, 3]), 2), [N, N, 50, (100 * 1.25) / 1.5]);
  });

  // The StockCharts worked example's closes; the expectations are computed here from Wilder's definition.
  const closes = [44.34, 44.09, 44.15, 43.61, 44.33, 44.83, 45.1, 45.42, 45.84, 46.08, 45.89, 46.03, 45.61, 46.28, 46.28, 46.0];
  it('period 14: first value at index 14 from the simple means of 14 changes, then one Wilder step', () => {
    // Gains 0.06+0.72+0.50+0.27+0.32+0.42+0.24+0.14+0.67 = 3.34, losses 0.25+0.54+0.19+0.42 = 1.40
    // (the last change, 46.28 → 46.28, is a zero gain). Next change −0.28.
    const g0 = 3.34 / 14;
    const l0 = 1.4 / 14;
    const g1 = (g0 * 13) / 14;
    const l1 = (l0 * 13 + 0.28) / 14;
    const out = rsi(f64(closes), 14);
    expectSeries(out.subarray(0, 14), Array(14).fill(N));
    expect(out[14]).toBeCloseTo((100 * g0) / (g0 + l0), 9);
    expect(out[14]).toBeCloseTo(70.4641350211, 9);
    expect(out[15]).toBeCloseTo((100 * g1) / (g1 + l1), 9);
  });

  it.each<[string, number[], number, number[]]>([
    ['needs period+1 values: 14 closes give nothing', closes.slice(0, 14), 14, Array(14).fill(N)],
    ['flat: gain+loss = 0 → TA-Lib writes 0 (not 50, not NaN)', [5, 5, 5, 5], 2, [N, N, 0, 0]],
    ['moves inside TA-Lib\'s 1e-14 zero band read as flat; 4e-9 moves do not', [1, 1 + 4e-15, 1, 1 + 4e-15], 2, [N, N, 0, 0]],
    ['4e-9 moves are real moves (TA-Lib gives 50 then 75)', [1, 1 + 4e-9, 1, 1 + 4e-9], 2, [N, N, 50, 75]],
    ['only rises → 100', [1, 2, 3, 4], 2, [N, N, 100, 100]],
    ['only falls → 0', [4, 3, 2, 1], 2, [N, N, 0, 0]],
    ['flat, then a rise → 100 once the average is non-zero', [5, 5, 5, 6], 2, [N, N, 0, 100]],
    ['restarts after a gap: needs period fresh changes', [1, 2, 3, N, 3, 2, 1, 2], 2, [N, N, 100, N, N, N, 0, (100 * 0.5) / (0.5 + 0.5)]],
  ])('%s', (_name, x, period, expected) => {
    expectSeries(rsi(f64(x), period), expected);
  });

  it('rejects period 1 (TA-Lib\'s minimum is 2)', () => {
    expect(() => rsi(f64([1, 2, 3]), 1)).toThrow(/period must be an integer 2\.\.100000/);
  });
});

describe('sma and volumeRatio', () => {
  it.each<[string, number[], number, number[]]>([
    ['window 3: first value at index 2', [1, 2, 3, 4, 5], 3, [N, N, 2, 3, 4]],
    ['window 1 is the identity', [3, N, 4], 1, [3, N, 4]],
    ['a missing value blanks every window holding it', [1, 2, N, 4, 5, 6, 7], 2, [N, 1.5, N, N, 4.5, 5.5, 6.5]],
    ['shorter than the window', [1, 2], 3, [N, N]],
  ])('sma: %s', (_name, x, period, expected) => {
    expectSeries(sma(f64(x), period), expected);
  });

  it.each<[string, number[], number, number[]]>([
    ['window 3 includes today', [100, 200, 300, 0, 600], 3, [N, N, 300 / 200, 0, 600 / 300]],
    ['all zero in the window → NaN (0/0), then defined again', [0, 0, 0, 0, 3], 3, [N, N, N, N, 3 / 1]],
    ['zero today with volume in the window → 0', [5, 0, 0], 3, [N, N, 0]],
    ['a missing volume blanks its windows', [1, 1, N, 1, 1, 2], 2, [N, 1, N, N, 1, 2 / 1.5]],
  ])('volumeRatio: %s', (_name, x, period, expected) => {
    expectSeries(volumeRatio(f64(x), period), expected);
  });

  it('volumeRatio: a rounding residue of the running sum is not mistaken for volume', () => {
    // 0.1 + 0.2 − 0.1 − 0.2 leaves ~2.8e-17 in a running sum; the window of zeros must still be NaN.
    const out = volumeRatio(f64([0.1, 0.2, 0, 0, 0]), 2);
    expect(arr(out.subarray(3))).toEqual([N, N]);
  });
});

describe('flow kernels over the visible weekly series', () => {
  it.each<[string, number[], number]>([
    // mean 3, population variance (4+1+0+1+4)/5 = 2 → z = (5−3)/√2
    ['latest against its window (population std)', [1, 2, 3, 4, 5], 2 / sqrt(2)],
    ['only the last 5 count', [1000, -1000, 1, 2, 3, 4, 5], 2 / sqrt(2)],
    ['the bound √(n−1): four equal weeks, then a different one', [0, 0, 0, 0, 1], 2],
    ['fewer than 5 observations', [1, 2, 3, 4], N],
    ['all equal (std 0)', [7, 7, 7, 7, 7], N],
    ['equal values whose sum does not divide exactly', [0.1, 0.1, 0.1, 0.1, 0.1], N],
    ['a missing week', [1, 2, N, 4, 5], N],
  ])('latestZScore: %s', (_name, xs, expected) => {
    const z = latestZScore(f64(xs), 5);
    if (Number.isNaN(expected)) expect(z).toBeNaN();
    else expect(z).toBeCloseTo(expected, 12);
  });

  it.each<[string, number[], number]>([
    ['ten weeks: 6 buys, 3 sells, 1 flat', [5, -1, 2, 0, 3, -4, 1, 1, -2, 9], 6 - 3],
    ['only the last 10 count', [-1, -1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 10],
    ['fewer than 10', [1, 1, 1], N],
    ['a missing week', [1, 1, 1, 1, 1, N, 1, 1, 1, 1], N],
  ])('signSum: %s', (_name, xs, expected) => {
    const s = signSum(f64(xs), 10);
    if (Number.isNaN(expected)) expect(s).toBeNaN();
    else expect(s).toBe(expected);
  });
});

describe('forEachJointRun', () => {
  it('a row is usable only when every input is finite', () => {
    const runs: Array<[number, number]> = [];
    forEachJointRun([f64([1, 1, N, 1, 1, 1]), f64([1, 1, 1, 1, Infinity, 1])], (s, e) => runs.push([s, e]));
    expect(runs).toEqual([[0, 2], [3, 4], [5, 6]]);
  });
});

// ---- properties ----

/** Prices on a tick grid in [1, 10000], with an optional share of missing values. */
const prices = (missing = false) => fc.array(
  missing
    ? fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 100, max: 1_000_000 }).map((c) => c / 100) }, { weight: 1, arbitrary: fc.constant(NaN) })
    : fc.integer({ min: 100, max: 1_000_000 }).map((c) => c / 100),
  { maxLength: 80 },
).map(f64);
const scale = fc.constantFrom(0.01, 0.5, 3, 7.5, 1000);

const KERNELS: Array<[string, (x: Float64Array) => Float64Array]> = [
  ['returns_1d', (x) => pctChange(x, 1)],
  ['returns_5d', (x) => pctChange(x, 5)],
  ['rsi_14', (x) => rsi(x, 14)],
  ['rsi_3', (x) => rsi(x, 3)],
  ['sma_20', (x) => sma(x, 20)],
  ['sma_3', (x) => sma(x, 3)],
  ['vol_ratio_20', (x) => volumeRatio(x, 20)],
  ['vol_ratio_3', (x) => volumeRatio(x, 3)],
];

describe('properties', () => {
  it('RSI is NaN or within [0, 100]', () => {
    fc.assert(fc.property(prices(true), fc.integer({ min: 2, max: 20 }), (x, p) =>
      arr(rsi(x, p)).every((v) => Number.isNaN(v) || (v >= 0 && v <= 100))));
  });

  it('SMA(1) is the identity', () => {
    fc.assert(fc.property(prices(true), (x) => {
      expect(arr(sma(x, 1))).toEqual(arr(x));
    }));
  });

  it.each<[string, (x: Float64Array) => Float64Array]>([
    ['returns_1d', (x) => pctChange(x, 1)],
    ['rsi_14', (x) => rsi(x, 14)],
    ['rsi_3', (x) => rsi(x, 3)],
    ['vol_ratio_20', (x) => volumeRatio(x, 20)],
  ])('%s does not change when every input is scaled by a constant', (_name, kernel) => {
    fc.assert(fc.property(prices(true), scale, (x, c) => {
      expectSeries(kernel(x.map((v) => v * c)), arr(kernel(x)), 1e-9);
    }));
  });

  it.each(KERNELS)('%s: a missing input is a missing output on that row, never 0', (_name, kernel) => {
    fc.assert(fc.property(prices(true), (x) => {
      const out = kernel(x);
      x.forEach((v, i) => { if (Number.isNaN(v)) expect(out[i]).toBeNaN(); });
    }));
  });

  it.each(KERNELS)('%s: a gap splits the series into independent runs (TA-Lib on each run)', (_name, kernel) => {
    fc.assert(fc.property(prices(), prices(), (a, b) => {
      const joined = f64([...a, NaN, ...b]);
      expectSeries(kernel(joined), [...arr(kernel(a)), NaN, ...arr(kernel(b))], 0);
    }));
  });

  it('latestZScore: |z| <= √(n−1) (population std), and shifting or scaling the series does not change it', () => {
    const weeks = fc.array(fc.integer({ min: -1e6, max: 1e6 }), { minLength: 5, maxLength: 12 }).map(f64);
    fc.assert(fc.property(weeks, fc.integer({ min: -1000, max: 1000 }), scale, (w, shift, c) => {
      const z = latestZScore(w, 5);
      if (Number.isNaN(z)) return;
      expect(abs(z)).toBeLessThanOrEqual(2 + 1e-12);
      expect(latestZScore(w.map((v) => v * c + shift), 5)).toBeCloseTo(z, 6);
    }));
  });
});
