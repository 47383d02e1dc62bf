import fc from 'fast-check';
import { gapOpen, klen, klow, klow2, kmid, kmid2, ksft, ksft2, kup, kup2 } from './candle';
import { expectSeries, randomBars, naive, f64, arr, N } from './test-support';

const { abs, max, min } = Math;

type Bar = (open: Float64Array, high: Float64Array, low: Float64Array, close: Float64Array) => Float64Array;
const BARS: Record<string, Bar> = { kmid, klen, kmid2, kup, kup2, klow, klow2, ksft, ksft2 };
const one = (kernel: Bar, o: number, h: number, l: number, c: number) => kernel(f64([o]), f64([h]), f64([l]), f64([c]))[0];

// ---- hand-computed cases ----

describe('KBAR', () => {
  it.each<[string, [number, number, number, number], Record<string, number>]>([
    // O 100, H 110, L 95, C 105: body 5, range 15, upper shadow 5, lower shadow 5, 2C − H − L = 5
    ['a white bar', [100, 110, 95, 105], { kmid: 0.05, klen: 0.15, kmid2: 5 / 15, kup: 0.05, kup2: 5 / 15, klow: 0.05, klow2: 5 / 15, ksft: 0.05, ksft2: 5 / 15 }],
    // O 105, H 110, L 95, C 100: body −5, upper shadow 110 − 105, lower shadow 100 − 95, 2C − H − L = −5
    ['a black bar', [105, 110, 95, 100], { kmid: -5 / 105, klen: 15 / 105, kmid2: -5 / 15, kup: 5 / 105, kup2: 5 / 15, klow: 5 / 105, klow2: 5 / 15, ksft: -5 / 105, ksft2: -5 / 15 }],
    ['closing at the high', [100, 120, 100, 120], { kmid: 0.2, klen: 0.2, kmid2: 1, kup: 0, kup2: 0, klow: 0, klow2: 0, ksft: 0.2, ksft2: 1 }],
    // The …2 variants are missing on a one-price day; Qlib would write 0 (it adds 1e-12 to H − L).
    ['a one-price day', [100, 100, 100, 100], { kmid: 0, klen: 0, kmid2: N, kup: 0, kup2: N, klow: 0, klow2: N, ksft: 0, ksft2: N }],
    ['a zero open divides by zero', [0, 1, 0, 1], { kmid: N, klen: N, kmid2: 1, kup: N, kup2: 0, klow: N, klow2: 0, ksft: N, ksft2: 1 }],
    ['a missing close', [100, 110, 95, N], { kmid: N, klen: N, kmid2: N, kup: N, kup2: N, klow: N, klow2: N, ksft: N, ksft2: N }],
    ['an infinite high is missing', [100, Infinity, 95, 100], { kmid: N, klen: N, kmid2: N, kup: N, kup2: N, klow: N, klow2: N, ksft: N, ksft2: N }],
  ])('%s', (_name, [o, h, l, c], expected) => {
    for (const [name, kernel] of Object.entries(BARS)) {
      const v = one(kernel, o, h, l, c);
      if (Number.isNaN(expected[name])) expect([name, v]).toEqual([name, NaN]);
      else expect([name, v]).toEqual([name, expect.closeTo(expected[name], 14)]);
    }
  });

  it('writes into a caller buffer and checks lengths', () => {
    const out = new Float64Array(1).fill(7);
    expect(kmid(f64([1]), f64([2]), f64([1]), f64([2]), out)).toBe(out);
    expect(out[0]).toBe(1);
    expect(() => kmid(f64([1, 1]), f64([2]), f64([1]), f64([2]))).toThrow(/differ in length/);
  });
});

describe('gapOpen', () => {
  it.each<[string, number[], number[], number[]]>([
    ['open over the previous close', [10, 11, 9], [10, 10, 12], [N, 0.1, 9 / 10 - 1]],
    ['a missing close blanks the next day', [10, 11, 9, 12], [10, N, 12, 12], [N, N, N, 0]],
    ['a missing open yesterday blanks today too (joint runs)', [10, N, 9, 12], [10, 10, 12, 12], [N, N, N, 0]],
    ['a zero previous close is missing', [1, 1], [0, 1], [N, N]],
  ])('%s', (_name, open, close, expected) => {
    expectSeries(gapOpen(f64(open), f64(close)), expected);
  });
});

// ---- naive references on seeded random series ----

describe('against the formulas row by row (seeded bars with gaps; rel 1e-9)', () => {
  const formulas: Record<string, (o: number, h: number, l: number, c: number) => number> = {
    kmid: (o, _h, _l, c) => (c - o) / o,
    klen: (o, h, l) => (h - l) / o,
    kmid2: (o, h, l, c) => (c - o) / (h - l),
    kup: (o, h, _l, c) => (h - max(o, c)) / o,
    kup2: (o, h, l, c) => (h - max(o, c)) / (h - l),
    klow: (o, _h, l, c) => (min(o, c) - l) / o,
    klow2: (o, h, l, c) => (min(o, c) - l) / (h - l),
    ksft: (o, h, l, c) => (2 * c - h - l) / o,
    ksft2: (o, h, l, c) => (2 * c - h - l) / (h - l),
  };
  it.each([[21, 0.02], [22, 0.002]])('seed %i, gap rate %d', (seed, gapRate) => {
    const { open, high, low, close } = randomBars(seed, 700, gapRate);
    for (const [name, kernel] of Object.entries(BARS)) {
      const f = formulas[name];
      expectSeries(kernel(open, high, low, close), naive([open, high, low, close], 0, (t) => f(open[t], high[t], low[t], close[t])), 1e-9, 1e-12);
    }
    expectSeries(gapOpen(open, close), naive([open, close], 1, (t) => open[t] / close[t - 1] - 1), 1e-9, 1e-12);
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

const bars = (b: Arb) => Object.fromEntries(Object.entries(BARS).map(([name, k]) => [name, k(b.open, b.high, b.low, b.close)]));

describe('properties', () => {
  it('kup + klow + |kmid| = klen, and kup2 + klow2 + |kmid2| = 1 where the range is not 0', () => {
    fc.assert(fc.property(barsArb, (b) => {
      const k = bars(b);
      b.close.forEach((_c, i) => {
        if (Number.isNaN(k.klen[i])) return;
        expect(k.kup[i] + k.klow[i] + abs(k.kmid[i])).toBeCloseTo(k.klen[i], 12);
        if (b.high[i] > b.low[i]) expect(k.kup2[i] + k.klow2[i] + abs(k.kmid2[i])).toBeCloseTo(1, 12);
        else expect(k.kup2[i]).toBeNaN();
      });
    }));
  });

  it('the range-relative values are bounded: kup2, klow2 in [0, 1]; kmid2, ksft2 in [−1, 1]; shadows >= 0', () => {
    fc.assert(fc.property(barsArb, (b) => {
      const k = bars(b);
      const within = (x: Float64Array, lo: number, hi: number) => arr(x).every((v) => Number.isNaN(v) || (v >= lo && v <= hi));
      expect(within(k.kup2, 0, 1) && within(k.klow2, 0, 1) && within(k.kmid2, -1, 1) && within(k.ksft2, -1, 1)).toBe(true);
      expect(within(k.kup, 0, Infinity) && within(k.klow, 0, Infinity) && within(k.klen, 0, Infinity)).toBe(true);
    }));
  });

  it('every bar value and the gap are unchanged when every price is scaled by a positive constant', () => {
    fc.assert(fc.property(barsArb, scale, (b, c) => {
      const before = bars(b);
      const after = bars(scaled(b, c));
      for (const name of Object.keys(BARS)) expectSeries(after[name], arr(before[name]), 1e-9, SCALE_ABS);
      expectSeries(gapOpen(b.open.map((v) => v * c), b.close.map((v) => v * c)), arr(gapOpen(b.open, b.close)), 1e-9, SCALE_ABS);
    }));
  });

  it('a missing open, high, low or close makes that row missing in every bar value', () => {
    fc.assert(fc.property(barsArb, fc.nat(), fc.constantFrom<keyof Arb>('open', 'high', 'low', 'close'), (b, at, column) => {
      if (b.close.length === 0) return;
      const i = at % b.close.length;
      const k = bars({ ...b, [column]: b[column].map((v, j) => (j === i ? NaN : v)) });
      for (const name of Object.keys(BARS)) expect(k[name][i]).toBeNaN();
    }));
  });
});
