import fc from 'fast-check';
import { closeToSma, momentum, smaRatio } from './candle';
import {
  closeToHigh, closeToLow, imax, imin, maxRatio, minRatio, rollingMean, rollingQuantileRatio, rollingRank, rollingStd, rsv,
} from './rolling';
import { expectSeries, randomSource, randomBars, naive, win, mean, std, f64, arr, N } from './test-support';

const { abs, floor, max, min, sqrt } = Math;

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = (s.length - 1) * q;
  const lo = floor(h);
  return s[lo] + (h - lo) * (s[min(lo + 1, s.length - 1)] - s[lo]);
}
/** Index of the most recent maximum (sign 1) or minimum (sign −1). */
function lastArgExtreme(xs: number[], sign: number): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (sign * xs[i] >= sign * xs[best]) best = i;
  return best;
}

// ---- hand-computed cases ----

describe('primitives', () => {
  it.each<[string, number[], number, number[]]>([
    ['mean, window 3', [1, 2, 3, 4, 5], 3, [N, N, 2, 3, 4]],
    ['a missing value blanks its windows', [1, 2, N, 4, 5, 6], 2, [N, 1.5, N, N, 4.5, 5.5]],
    ['zeros after large values are exactly 0', [0.1, 0.2, 0.3, 0, 0], 2, [N, 0.15, 0.25, 0.15, 0]],
  ])('rollingMean: %s', (_name, x, w, expected) => {
    expectSeries(rollingMean(f64(x), w), expected);
  });

  it('rollingStd: sample and population; a constant window is exactly 0 whatever came before', () => {
    expectSeries(rollingStd(f64([1, 2, 3, 5]), 3, 1), [N, N, 1, sqrt(7 / 3)]);
    expectSeries(rollingStd(f64([1, 2, 3]), 3, 0), [N, N, sqrt(2 / 3)]);
    const out = rollingStd(f64([1e9, 0.1, 0.3, 0.1, 0.1, 0.1]), 3, 1);
    expect(out[5]).toBe(0);
  });

  it('a listing-day spike leaves no residue once it drops out (re-summed, not subtracted)', () => {
    const v = f64([12388900, 100, 0, 100, 400, 400]);
    expect(rollingStd(v, 5, 1)[5]).toBeCloseTo(std([100, 0, 100, 400, 400], 1), 12);
    expect(rollingMean(f64([1e15, 1, 2, 3]), 2)[3]).toBe(2.5);
  });

  it('spikes, level shifts and tiny spreads far from 0: rel 1e-10 of the two-pass values', () => {
    const rand = randomSource(99);
    const x = new Float64Array(3000);
    let level = 1;
    for (let t = 0; t < x.length; t++) {
      if (rand() < 0.01) level = 10 ** floor(rand() * 12);
      x[t] = rand() < 0.01 ? level * 1e5 : level * (1 + 1e-4 * rand());
    }
    for (const w of [2, 5, 20, 60]) {
      expectSeries(rollingStd(x, w, 1), naive([x], w - 1, (t) => std(win(x, t, w), 1)), 1e-10, 0);
      expectSeries(rollingMean(x, w), naive([x], w - 1, (t) => mean(win(x, t, w))), 1e-10, 0);
    }
  });
});

describe('trend', () => {
  it.each<[string, number[], number, number, number[]]>([
    ['long 4, skip 2', [1, 2, 3, 4, 5, 6, 7, 8], 4, 2, [N, N, N, N, 2, 1, 5 / 3 - 1, 6 / 4 - 1]],
    ['skip 0 is the plain return', [1, 2, 4], 2, 0, [N, N, 3]],
    ['a missing close today blanks the row though it is not read', [1, 2, 3, N, 5, 6, 7], 2, 1, [N, N, 1, N, N, N, 6 / 5 - 1]],
    ['a zero base is missing', [0, 1, 2], 2, 1, [N, N, N]],
  ])('momentum: %s', (_name, x, long, skip, expected) => {
    expectSeries(momentum(f64(x), long, skip), expected);
  });

  it('momentum rejects skip >= long', () => {
    expect(() => momentum(f64([1, 2, 3]), 2, 2)).toThrow(/skip \(2\) must be less than long \(2\)/);
  });

  it('closeToSma and smaRatio', () => {
    expectSeries(closeToSma(f64([1, 2, 3, 6]), 3), [N, N, 0.5, 6 / (11 / 3) - 1]);
    expectSeries(smaRatio(f64([1, 2, 3, 6]), 2, 3), [N, N, 2.5 / 2 - 1, 4.5 / (11 / 3) - 1]);
    expectSeries(smaRatio(f64([1, 2, N, 3, 6, 9]), 2, 3), [N, N, N, N, N, 7.5 / 6 - 1]);
  });
});

describe('position in the window', () => {
  it.each<[string, number[], number, number]>([
    ['a new strict high', [1, 2, 3], 3, 1],
    ['a new strict low', [3, 2, 1], 3, 0],
    ['a flat window is 0.5', [2, 2, 2], 3, 0.5],
    ['ties take the average rank', [1, 3, 3], 3, (1 + 0.5) / 2],
    ['middle', [5, 1, 3], 3, 0.5],
    ['window 5: 2 below, 1 other equal', [9, 1, 4, 2, 4], 5, (2 + 0.5) / 4],
  ])('rollingRank: %s', (_name, x, w, expected) => {
    const out = rollingRank(f64(x), w);
    expect(arr(out.subarray(0, w - 1)).every(Number.isNaN)).toBe(true);
    expect(out[w - 1]).toBeCloseTo(expected, 14);
  });

  it.each<[string, number[], number, number]>([
    // sorted 1..5, h = 4·0.8 = 3.2 → 4 + 0.2·(5 − 4) = 4.2
    ['q 0.8 of 1..5 over 5', [1, 2, 3, 4, 5], 0.8, 4.2 / 5],
    ['q 0.2 of 1..5 over 1', [5, 4, 3, 2, 1], 0.2, 1.8 / 1],
    ['order does not matter', [5, 1, 4, 2, 3], 0.8, 4.2 / 3],
    ['ties', [2, 2, 2, 2, 4], 0.8, (2 + 0.2 * 2) / 4],
    ['q 1 is the max, q 0 the min', [3, 9, 1, 4, 3], 1, 9 / 3],
    ['q 0', [3, 9, 1, 4, 3], 0, 1 / 3],
  ])('rollingQuantileRatio: %s', (_name, x, q, expected) => {
    expectSeries(rollingQuantileRatio(f64(x), 5, q), [N, N, N, N, expected]);
  });

  it('rollingQuantileRatio slides: the oldest value leaves the sorted window', () => {
    // windows [1,9,2] → median 2, [9,2,7] → 7, [2,7,7] → 7
    expectSeries(rollingQuantileRatio(f64([1, 9, 2, 7, 7]), 3, 0.5), [N, N, 2 / 2, 7 / 7, 7 / 7]);
  });

  const high = f64([10, 12, 11, 9]);
  const low = f64([8, 7, 9, 6]);
  const close = f64([9, 11, 10, 8]);
  it('max/min ratios, distance to the high and low, rsv (window 3)', () => {
    expectSeries(maxRatio(high, close, 3), [N, N, 12 / 10, 12 / 8]);
    expectSeries(minRatio(low, close, 3), [N, N, 7 / 10, 6 / 8]);
    expectSeries(closeToHigh(close, high, 3), [N, N, 10 / 12 - 1, 8 / 12 - 1]);
    expectSeries(closeToLow(close, low, 3), [N, N, 10 / 7 - 1, 8 / 6 - 1]);
    expectSeries(rsv(high, low, close, 3), [N, N, (10 - 7) / 5, (8 - 6) / (12 - 6)]);
  });

  it('rsv is missing when the window has no range (Qlib writes 0)', () => {
    const flat = f64([5, 5, 5]);
    expectSeries(rsv(flat, flat, flat, 3), [N, N, N]);
  });

  it('a missing high blanks every window holding it; the close matters too', () => {
    expectSeries(maxRatio(f64([1, 2, N, 4, 5, 6]), f64([1, 1, 1, 1, 1, 1]), 2), [N, 2, N, N, 5, 6]);
    expectSeries(maxRatio(f64([1, 2, 3, 4]), f64([1, 1, N, 1]), 2), [N, 2, N, N]);
  });

  it.each<[string, number[], number[]]>([
    // window [1,3,2]: the high was 1 day ago → (3 − 1)/3; [3,2,3]: tie → today → 1
    ['imax: days since the high, ties to the most recent', [1, 3, 2, 3], [N, N, 2 / 3, 1]],
    ['imax: the high is the oldest row → 1/w', [3, 2, 1], [N, N, 1 / 3]],
    ['imax: flat → 1', [5, 5, 5], [N, N, 1]],
  ])('%s', (_name, x, expected) => {
    expectSeries(imax(f64(x), 3), expected);
  });

  it('imin mirrors imax', () => {
    expectSeries(imin(f64([3, 1, 2, 1, 4]), 3), [N, N, 2 / 3, 1, 2 / 3]);
  });
});

// ---- naive references on seeded random series ----

describe('against naive O(n·w) references (seeded bars with gaps; rel 1e-9)', () => {
  // Dense gaps exercise restarts; sparse ones leave long runs for the 60- and 250-row windows.
  const cases: Array<[number, number]> = [[1, 0.02], [2, 0.02], [3, 0.02], [4, 0.002], [5, 0.002]];
  const rel = 1e-9;
  const absTol = 1e-12;

  it.each(cases)('seed %i, gap rate %d', (seed, gapRate) => {
    const { high, low, close, volume } = randomBars(seed, 700, gapRate);
    const lv = volume.map((v) => Math.log1p(v));
    for (const w of [1, 2, 3, 20, 60]) {
      expectSeries(rollingMean(volume, w), naive([volume], w - 1, (t) => mean(win(volume, t, w))), rel, absTol);
      expectSeries(maxRatio(high, close, w), naive([high, close], w - 1, (t) => max(...win(high, t, w)) / close[t]), rel, absTol);
      expectSeries(minRatio(low, close, w), naive([low, close], w - 1, (t) => min(...win(low, t, w)) / close[t]), rel, absTol);
      expectSeries(closeToHigh(close, high, w), naive([high, close], w - 1, (t) => close[t] / max(...win(high, t, w)) - 1), rel, absTol);
      expectSeries(closeToLow(close, low, w), naive([low, close], w - 1, (t) => close[t] / min(...win(low, t, w)) - 1), rel, absTol);
      expectSeries(imax(high, w), naive([high], w - 1, (t) => (lastArgExtreme(win(high, t, w), 1) + 1) / w), rel, absTol);
      expectSeries(imin(low, w), naive([low], w - 1, (t) => (lastArgExtreme(win(low, t, w), -1) + 1) / w), rel, absTol);
      expectSeries(rsv(high, low, close, w), naive([high, low, close], w - 1, (t) => {
        const lo = min(...win(low, t, w));
        const range = max(...win(high, t, w)) - lo;
        return range > 0 ? (close[t] - lo) / range : NaN;
      }), rel, absTol);
      for (const q of [0, 0.2, 0.5, 0.8, 1]) {
        expectSeries(rollingQuantileRatio(close, w, q), naive([close], w - 1, (t) => quantile(win(close, t, w), q) / close[t]), rel, absTol);
      }
      expectSeries(closeToSma(close, w), naive([close], w - 1, (t) => close[t] / mean(win(close, t, w)) - 1), rel, absTol);
      if (w < 2) continue;
      expectSeries(rollingStd(lv, w, 0), naive([lv], w - 1, (t) => std(win(lv, t, w), 0)), rel, absTol);
      expectSeries(rollingStd(volume, w, 1), naive([volume], w - 1, (t) => std(win(volume, t, w), 1)), rel, absTol);
      expectSeries(rollingRank(close, w), naive([close], w - 1, (t) => {
        const xs = win(close, t, w);
        const below = xs.filter((v) => v < close[t]).length;
        const equal = xs.filter((v) => v === close[t]).length;
        return (below + 0.5 * (equal - 1)) / (w - 1);
      }), rel, absTol);
      expectSeries(momentum(close, w, 1), naive([close], w, (t) => close[t - 1] / close[t - w] - 1), rel, absTol);
      expectSeries(smaRatio(close, 2, w), naive([close], w - 1, (t) => mean(win(close, t, 2)) / mean(win(close, t, w)) - 1), rel, absTol);
    }
    const mom = momentum(close, 250, 20);
    expectSeries(mom, naive([close], 250, (t) => close[t - 20] / close[t - 250] - 1), rel, absTol);
    if (gapRate < 0.01) expect(arr(mom).filter(Number.isFinite).length).toBeGreaterThan(50);
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

const KERNELS: Array<[string, (b: Arb) => Float64Array]> = [
  ['rank_close_5', (b) => rollingRank(b.close, 5)],
  ['qtlu_5', (b) => rollingQuantileRatio(b.close, 5, 0.8)],
  ['max_high_5', (b) => maxRatio(b.high, b.close, 5)],
  ['min_low_5', (b) => minRatio(b.low, b.close, 5)],
  ['rsv_5', (b) => rsv(b.high, b.low, b.close, 5)],
  ['imax_5', (b) => imax(b.high, 5)],
  ['imin_5', (b) => imin(b.low, 5)],
  ['close_to_high_10', (b) => closeToHigh(b.close, b.high, 10)],
  ['close_to_low_10', (b) => closeToLow(b.close, b.low, 10)],
  ['momentum_10_2', (b) => momentum(b.close, 10, 2)],
  ['close_to_sma_5', (b) => closeToSma(b.close, 5)],
  ['sma_2_to_5', (b) => smaRatio(b.close, 2, 5)],
];

describe('properties', () => {
  it('rank, rsv, imax and imin lie in [0, 1]; close_to_high <= 0 <= close_to_low', () => {
    fc.assert(fc.property(barsArb, fc.integer({ min: 2, max: 12 }), (b, w) => {
      const inUnit = (x: Float64Array) => arr(x).every((v) => Number.isNaN(v) || (v >= 0 && v <= 1));
      expect(inUnit(rollingRank(b.close, w))).toBe(true);
      expect(inUnit(rsv(b.high, b.low, b.close, w))).toBe(true);
      expect(inUnit(imax(b.high, w))).toBe(true);
      expect(inUnit(imin(b.low, w))).toBe(true);
      expect(arr(closeToHigh(b.close, b.high, w)).every((v) => !(v > 0))).toBe(true);
      expect(arr(closeToLow(b.close, b.low, w)).every((v) => !(v < 0))).toBe(true);
    }));
  });

  it.each(KERNELS)('%s does not change when every price is scaled by a positive constant', (_name, kernel) => {
    fc.assert(fc.property(barsArb, scale, (b, c) => {
      expectSeries(kernel(scaled(b, c)), arr(kernel(b)), 1e-9, SCALE_ABS);
    }));
  });

  it.each(KERNELS)('%s: a missing input is a missing output on that row', (_name, kernel) => {
    fc.assert(fc.property(barsArb, (b) => {
      const out = kernel(b);
      b.close.forEach((v, i) => { if (Number.isNaN(v)) expect(out[i]).toBeNaN(); });
    }));
  });

  it.each(KERNELS)('%s: a gap splits the series into independent runs, bit for bit', (_name, kernel) => {
    fc.assert(fc.property(barsArb, barsArb, (a, b) => {
      const join = (x: Float64Array, y: Float64Array) => f64([...x, NaN, ...y]);
      const joined: Arb = { open: join(a.open, b.open), high: join(a.high, b.high), low: join(a.low, b.low), close: join(a.close, b.close) };
      expectSeries(kernel(joined), [...arr(kernel(a)), NaN, ...arr(kernel(b))], 0, 0);
    }));
  });

  it('writes into a caller buffer and rejects a mismatched one', () => {
    const out = new Float64Array(3).fill(7);
    expect(rollingRank(f64([1, 2, 3]), 2, out)).toBe(out);
    expect(arr(out)).toEqual([N, 1, 1]);
    expect(() => rsv(f64([1]), f64([1]), f64([1]), 1, new Float64Array(2))).toThrow(/output has 2 rows/);
    expect(() => rollingQuantileRatio(f64([1]), 1, 1.5)).toThrow(/q must be in \[0, 1\]/);
  });
});
