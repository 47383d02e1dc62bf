import fc from 'fast-check';
import { downsideStd, garmanKlass, parkinson, rangeRatio, returnStd, rogersSatchell, volatilityRatio } from './volatility';
import { expectSeries, randomBars, naive, win, mean, std, f64, arr, N } from './test-support';

const { abs, max, min, sqrt } = Math;
const { log, LN2 } = Math;

/** Simple daily returns over the window of w returns ending at t (rows t − w .. t). */
const returnsIn = (close: Float64Array, t: number, w: number): number[] => {
  const r: number[] = [];
  for (let i = t - w + 1; i <= t; i++) r.push(close[i] / close[i - 1] - 1);
  return r;
};

// ---- hand-computed cases ----

describe('close-to-close', () => {
  const r1 = 110 / 100 - 1;
  const r2 = 99 / 110 - 1;
  it.each<[string, number[], number, number[]]>([
    // returns r1 = 0.1, r2 = −0.1, 0: sample std of two values a, b is |a − b| / √2
    ['returnStd, window 2: first value at index 2', [100, 110, 99, 99], 2, [N, N, abs(r1 - r2) / sqrt(2), abs(r2) / sqrt(2)]],
    ['flat closes → exactly 0', [5, 5, 5, 5], 2, [N, N, 0, 0]],
    ['a missing close blanks the next w + 1 rows', [1, 2, 4, N, 1, 2, 4, 8], 2, [N, N, 0, N, N, N, 0, 0]],
  ])('%s', (_name, x, w, expected) => {
    expectSeries(returnStd(f64(x), w), expected);
  });

  it('downsideStd: sqrt(Σ min(r, 0)² / w); up days count as 0, a window without a fall is 0', () => {
    const down = 90 / 100 - 1;
    expectSeries(downsideStd(f64([100, 90, 99, 99]), 3), [N, N, N, sqrt((down * down) / 3)]);
    expectSeries(downsideStd(f64([1, 2, 3, 4]), 2), [N, N, 0, 0]);
  });

  it('volatilityRatio: std over 2 returns / std over 3; NaN when the long window is flat', () => {
    const x = f64([100, 110, 99, 99]);
    const rs = [r1, r2, 0];
    expectSeries(volatilityRatio(x, 2, 3), [N, N, N, (abs(r2) / sqrt(2)) / std(rs, 1)]);
    expectSeries(volatilityRatio(f64([3, 3, 3, 3]), 2, 3), [N, N, N, N]);
    expect(() => returnStd(x, 1)).toThrow(/period must be an integer 2\.\.100000/);
  });
});

describe('range estimators', () => {
  const ones = f64([1, 1]);
  const twos = f64([2, 2]);
  it('parkinson: H/L = 2 every day → sqrt(ln²2 / (4 ln 2)) = sqrt(ln 2 / 4)', () => {
    expectSeries(parkinson(twos, ones, 2), [N, sqrt(LN2 / 4)]);
    expectSeries(parkinson(twos, ones, 1), [sqrt(LN2 / 4), sqrt(LN2 / 4)]);
  });

  it('garmanKlass: O = C = 1, H = 2, L = 1 → sqrt(½ ln²2); O = 1, C = H = 2 subtracts (2 ln 2 − 1) ln²2', () => {
    expectSeries(garmanKlass(ones, twos, ones, ones, 2), [N, LN2 / sqrt(2)]);
    const gk = sqrt(0.5 * LN2 * LN2 - (2 * LN2 - 1) * LN2 * LN2);
    expectSeries(garmanKlass(ones, twos, ones, twos, 1), [gk, gk]);
  });

  it('rogersSatchell: a bar from its low to its high is 0; a doji at 1.5 in [1, 2] is sqrt(ln²(2/1.5) + ln²(1/1.5))', () => {
    expectSeries(rogersSatchell(ones, twos, ones, twos, 1), [0, 0]);
    const m = f64([1.5]);
    const expected = sqrt(log(2 / 1.5) * log(2 / 1.5) + log(1 / 1.5) * log(1 / 1.5));
    expectSeries(rogersSatchell(m, f64([2]), f64([1]), m, 1), [expected]);
  });

  it('one-price days are exactly 0, however large the bars before them', () => {
    const h = f64([200, 1, 1, 1]);
    const l = f64([100, 1, 1, 1]);
    expect(parkinson(h, l, 2)[3]).toBe(0);
    expect(garmanKlass(l, h, l, h, 2)[3]).toBe(0);
    expect(rogersSatchell(l, h, l, h, 2)[3]).toBe(0);
  });

  it('a non-positive price is missing (its log is undefined), and so is a missing one', () => {
    expectSeries(parkinson(f64([2, 2, 2, 2]), f64([1, 0, 1, 1]), 1), [sqrt(LN2 / 4), N, sqrt(LN2 / 4), sqrt(LN2 / 4)]);
    expectSeries(parkinson(f64([2, 2, 2, 2]), f64([1, N, 1, 1]), 2), [N, N, N, sqrt(LN2 / 4)]);
  });

  it('rangeRatio: (max H − min L) / close over window 3', () => {
    expectSeries(rangeRatio(f64([10, 12, 11, 9]), f64([8, 7, 9, 6]), f64([9, 11, 10, 8]), 3), [N, N, 5 / 10, 6 / 8]);
  });
});

// ---- naive references on seeded random series ----

describe('against naive O(n·w) references (seeded bars with gaps; rel 1e-9)', () => {
  const cases: Array<[number, number]> = [[11, 0.02], [12, 0.02], [13, 0.002], [14, 0.002]];
  const rel = 1e-9;
  const absTol = 1e-12;
  const rangeMean = (terms: (i: number) => number, t: number, w: number) => {
    let s = 0;
    for (let i = t - w + 1; i <= t; i++) s += terms(i);
    return s / w;
  };

  it.each(cases)('seed %i, gap rate %d', (seed, gapRate) => {
    const { open, high, low, close } = randomBars(seed, 700, gapRate);
    for (const w of [2, 3, 20, 60]) {
      expectSeries(returnStd(close, w), naive([close], w, (t) => std(returnsIn(close, t, w), 1)), rel, absTol);
      expectSeries(downsideStd(close, w), naive([close], w, (t) => sqrt(mean(returnsIn(close, t, w).map((r) => min(r, 0) ** 2)))), rel, absTol);
      expectSeries(parkinson(high, low, w), naive([high, low], w - 1, (t) => sqrt(rangeMean((i) => log(high[i] / low[i]) ** 2, t, w) / (4 * LN2))), rel, absTol);
      expectSeries(garmanKlass(open, high, low, close, w), naive([open, high, low, close], w - 1, (t) => sqrt(rangeMean(
        (i) => 0.5 * log(high[i] / low[i]) ** 2 - (2 * LN2 - 1) * log(close[i] / open[i]) ** 2, t, w))), rel, absTol);
      expectSeries(rogersSatchell(open, high, low, close, w), naive([open, high, low, close], w - 1, (t) => sqrt(rangeMean(
        (i) => log(high[i] / close[i]) * log(high[i] / open[i]) + log(low[i] / close[i]) * log(low[i] / open[i]), t, w))), rel, absTol);
      expectSeries(rangeRatio(high, low, close, w), naive([high, low, close], w - 1, (t) => (max(...win(high, t, w)) - min(...win(low, t, w))) / close[t]), rel, absTol);
    }
    expectSeries(volatilityRatio(close, 5, 20), naive([close], 20, (t) => {
      const long = std(returnsIn(close, t, 20), 1);
      return long > 0 ? std(returnsIn(close, t, 5), 1) / long : NaN;
    }), rel, absTol);
  });
});

// ---- properties ----
const price = fc.integer({ min: 100, max: 100_000 }).map((c) => c / 100);
/** Consistent bars (low <= open, close <= high) with about one row in ten missing. */
const barsArb = fc.array(
  fc.oneof(
    { weight: 9, arbitrary: fc.tuple(price, price, fc.nat({ max: 500 }), fc.nat({ max: 500 })) },
    { weight: 1, arbitrary: fc.constant(null) },
  ),
  { maxLength: 70 },
).map((rows) => {
  const col = (f: (o: number, c: number, up: number, down: number) => number) =>
    f64(rows.map((r) => (r === null ? NaN : f(r[0], r[1], r[2] / 100, r[3] / 100))));
  return {
    open: col((o) => o),
    close: col((_o, c) => c),
    high: col((o, c, up) => max(o, c) + up),
    low: col((o, c, _up, down) => max(0.01, min(o, c) - down)),
  };
});
type Arb = { open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array };
const scale = fc.constantFrom(0.01, 0.5, 3, 7.5, 1000);
/**
 * Scaling rounds every price, and a difference of nearby prices (a 0.01 range on a price of 1000) keeps only
 * ~11 digits, so a value that is 0 before scaling can be ~1e-12 after: scaled values are compared to rel
 * 1e-9 plus abs 1e-10.
 */
const SCALE_ABS = 1e-10;
const scaled = (b: Arb, c: number): Arb => ({ open: b.open.map((v) => v * c), high: b.high.map((v) => v * c), low: b.low.map((v) => v * c), close: b.close.map((v) => v * c) });

const OHLC: Array<keyof Arb> = ['open', 'high', 'low', 'close'];
/** name, the columns the kernel reads, the kernel. */
const KERNELS: Array<[string, Array<keyof Arb>, (b: Arb) => Float64Array]> = [
  ['volatility_5', ['close'], (b) => returnStd(b.close, 5)],
  ['downside_vol_5', ['close'], (b) => downsideStd(b.close, 5)],
  ['vol_of_vol_3_6', ['close'], (b) => volatilityRatio(b.close, 3, 6)],
  ['parkinson_5', ['high', 'low'], (b) => parkinson(b.high, b.low, 5)],
  ['garman_klass_5', OHLC, (b) => garmanKlass(b.open, b.high, b.low, b.close, 5)],
  ['rogers_satchell_5', OHLC, (b) => rogersSatchell(b.open, b.high, b.low, b.close, 5)],
  ['range_ratio_5', ['high', 'low', 'close'], (b) => rangeRatio(b.high, b.low, b.close, 5)],
];

describe('properties', () => {
  it.each(KERNELS)('%s is NaN or >= 0 on consistent bars', (_name, _reads, kernel) => {
    fc.assert(fc.property(barsArb, (b) => arr(kernel(b)).every((v) => Number.isNaN(v) || v >= 0)));
  });

  it.each(KERNELS)('%s does not change when every price is scaled by a positive constant', (_name, _reads, kernel) => {
    fc.assert(fc.property(barsArb, scale, (b, c) => {
      expectSeries(kernel(scaled(b, c)), arr(kernel(b)), 1e-9, SCALE_ABS);
    }));
  });

  it.each(KERNELS)('%s: a missing input is a missing output on that row', (_name, reads, kernel) => {
    fc.assert(fc.property(barsArb, fc.nat(), fc.constantFrom(...reads), (b, at, column) => {
      if (b.close.length === 0) return;
      const i = at % b.close.length;
      expect(kernel({ ...b, [column]: b[column].map((v, j) => (j === i ? NaN : v)) })[i]).toBeNaN();
    }));
  });

  it.each(KERNELS)('%s: a gap splits the series into independent runs, bit for bit', (_name, _reads, kernel) => {
    fc.assert(fc.property(barsArb, barsArb, (a, b) => {
      const join = (x: Float64Array, y: Float64Array) => f64([...x, NaN, ...y]);
      const joined: Arb = { open: join(a.open, b.open), high: join(a.high, b.high), low: join(a.low, b.low), close: join(a.close, b.close) };
      expectSeries(kernel(joined), [...arr(kernel(a)), NaN, ...arr(kernel(b))], 0, 0);
    }));
  });

  it('the range estimators are exactly 0 on one-price bars', () => {
    fc.assert(fc.property(fc.array(price, { minLength: 5, maxLength: 30 }).map(f64), (p) => {
      for (const v of arr(garmanKlass(p, p, p, p, 5)).slice(4)) expect(v).toBe(0);
      for (const v of arr(rogersSatchell(p, p, p, p, 5)).slice(4)) expect(v).toBe(0);
      for (const v of arr(parkinson(p, p, 5)).slice(4)) expect(v).toBe(0);
    }));
  });
});
