/**
 * Properties of the TA kernels on generated bars (fast-check): ranges of the oscillators, band order,
 * identities, invariance under rescaling, and the missing-value rule of runs.ts.
 */
import fc from 'fast-check';
import {
  adx, aroon, bbands, bop, cci, cmo, dmi, ema, mfi, natr, roc, rsi, sma, stoch, ultosc, willr,
} from './index';
import { CASES } from './oracle-cases';
import { type Bars, COLUMNS, expectClose, mapBars } from './testing';

const { abs, max, min } = Math;
const f64 = (xs: number[]) => Float64Array.from(xs);

/** Consistent bars on a 0.01 tick (low <= open, close <= high), volume 0 or 100..1e6. */
const barRecord = fc.record({
  open: fc.integer({ min: 100, max: 500_000 }),
  close: fc.integer({ min: 100, max: 500_000 }),
  up: fc.integer({ min: 0, max: 5_000 }),
  down: fc.integer({ min: 0, max: 5_000 }),
  volume: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 5, arbitrary: fc.integer({ min: 100, max: 1_000_000 }) }),
});

/**
 * Bars as a random walk of ticks (so windows overlap in price, unlike independent draws), optionally with a
 * missing value in one column of some rows.
 */
function barsArb(missing: boolean, maxLength = 90): fc.Arbitrary<Bars> {
  const row = fc.tuple(barRecord, fc.integer({ min: -300, max: 300 }), missing ? fc.integer({ min: 0, max: 29 }) : fc.constant(99));
  return fc.array(row, { maxLength }).map((rows) => {
    const n = rows.length;
    const b: Bars = { open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
    let level = 100_000;
    rows.forEach(([r, step, hole], i) => {
      level = max(200, level + step * 10);
      const o = max(1, level + (r.open % 400) - 200);
      const c = max(1, level + (r.close % 400) - 200);
      b.open[i] = o / 100;
      b.close[i] = c / 100;
      b.high[i] = (max(o, c) + r.up) / 100;
      b.low[i] = max(1, min(o, c) - r.down) / 100;
      b.volume[i] = r.volume;
      if (hole < COLUMNS.length) b[COLUMNS[hole]][i] = NaN;
    });
    return b;
  });
}

/**
 * Within [lo, hi] up to 1e-9: kernels built on running sums (MFI, ULTOSC) carry their rounding residues as
 * TA-Lib does, e.g. MFI = −2.3e-13 where the positive flow has just left the window (TA-Lib's value too).
 */
const within = (lo: number, hi: number) => (x: Float64Array) => Array.from(x).every((v) => Number.isNaN(v) || (v >= lo - 1e-9 && v <= hi + 1e-9));

describe('ranges', () => {
  it.each<[string, (b: Bars) => Float64Array[], number, number]>([
    ['RSI(2..20)', (b) => [rsi(b.close, 2), rsi(b.close, 14), rsi(b.close, 20)], 0, 100],
    ['MFI(14)', (b) => [mfi(b.high, b.low, b.close, b.volume, 14), mfi(b.high, b.low, b.close, b.volume, 3)], 0, 100],
    ['WILLR(14)', (b) => [willr(b.high, b.low, b.close, 14), willr(b.high, b.low, b.close, 3)], -100, 0],
    ['STOCH(14,3,3) %K and %D', (b) => { const s = stoch(b.high, b.low, b.close, 14, 3, 3); return [s.k, s.d, stoch(b.high, b.low, b.close, 3, 1, 2).k]; }, 0, 100],
    ['CMO(14)', (b) => [cmo(b.close, 14), cmo(b.close, 2)], -100, 100],
    ['ULTOSC(7,14,28)', (b) => [ultosc(b.high, b.low, b.close, 7, 14, 28), ultosc(b.high, b.low, b.close, 1, 2, 3)], 0, 100],
    ['+DI, −DI, DX, ADX, ADXR', (b) => Object.values(dmi(b.high, b.low, b.close, 5)), 0, 100],
    ['Aroon up and down', (b) => { const a = aroon(b.high, b.low, 10); return [a.up, a.down]; }, 0, 100],
    ['Aroon oscillator', (b) => [aroon(b.high, b.low, 10).osc], -100, 100],
    ['BOP', (b) => [bop(b.open, b.high, b.low, b.close)], -1, 1],
  ])('%s stays within its range (or is NaN)', (_name, kernel, lo, hi) => {
    fc.assert(fc.property(barsArb(true), (b) => kernel(b).every(within(lo, hi))));
  });

  it('Bollinger: lower <= middle <= upper', () => {
    fc.assert(fc.property(barsArb(true), fc.integer({ min: 2, max: 25 }), fc.constantFrom(0.5, 1, 2, 3), (b, p, k) => {
      const { upper, middle, lower } = bbands(b.close, p, k);
      for (let i = 0; i < middle.length; i++) {
        if (Number.isNaN(middle[i])) continue;
        if (!(lower[i] <= middle[i] && middle[i] <= upper[i])) return false;
      }
      return true;
    }));
  });
});

describe('identities', () => {
  it('SMA(1) and EMA(1) are the identity, missing values included', () => {
    fc.assert(fc.property(barsArb(true), (b) => {
      expect(Array.from(sma(b.close, 1))).toEqual(Array.from(b.close));
      expect(Array.from(ema(b.close, 1))).toEqual(Array.from(b.close));
    }));
  });
});

/**
 * Rescaling. Arbitrary constants are not exact in floating point, so values are compared within 1e-8 of
 * max(1, |value|) (the oscillators live in ±100). CCI is checked with powers of two, which scale exactly:
 * on a flat window its mean of equal values can miss the value by an ulp, and TA-Lib (hence cci()) then
 * divides two rounding residues, a value no tolerance could compare.
 */
describe('scale-free indicators do not change when prices (or volumes) are scaled', () => {
  const scale = fc.constantFrom(0.01, 0.5, 3, 7.5, 1000);
  const scaleBars = (b: Bars, c: number, volume: boolean) => mapBars(b, (x, col) => ((col === 'volume') === volume ? x.map((v) => v * c) : x));
  const near = (a: Float64Array, e: Float64Array) => {
    for (let i = 0; i < e.length; i++) {
      if (Number.isNaN(e[i]) !== Number.isNaN(a[i])) return false;
      if (!Number.isNaN(e[i]) && !(abs(a[i] - e[i]) <= 1e-8 * max(1, abs(e[i])))) return false;
    }
    return true;
  };
  it.each<[string, (b: Bars) => Float64Array]>([
    ['RSI(14)', (b) => rsi(b.close, 14)],
    ['WILLR(14)', (b) => willr(b.high, b.low, b.close, 14)],
    ['ADX(5)', (b) => adx(b.high, b.low, b.close, 5)],
    ['ROC(10)', (b) => roc(b.close, 10)],
    ['NATR(14)', (b) => natr(b.high, b.low, b.close, 14)],
    ['STOCH %K(14,3,3)', (b) => stoch(b.high, b.low, b.close, 14, 3, 3).k],
    ['STOCH %D(14,3,3)', (b) => stoch(b.high, b.low, b.close, 14, 3, 3).d],
  ])('%s: prices', (_name, kernel) => {
    fc.assert(fc.property(barsArb(true), scale, (b, c) => near(kernel(scaleBars(b, c, false)), kernel(b))));
  });

  it('CCI(14): prices scaled by a power of two', () => {
    fc.assert(fc.property(barsArb(true), fc.constantFrom(1 / 1024, 0.5, 2, 64), (b, c) => {
      expectClose(cci(scaleBars(b, c, false).high, scaleBars(b, c, false).low, scaleBars(b, c, false).close, 14), cci(b.high, b.low, b.close, 14), 0, 'cci');
    }));
  });

  it('MFI(14): volumes (flows stay above TA-Lib\'s absolute band of 1: volumes are 0 or >= 100, TP >= 0.01)', () => {
    fc.assert(fc.property(barsArb(true), fc.constantFrom(1, 3, 7.5, 1000), (b, c) => {
      const scaled = scaleBars(b, c, true);
      return near(mfi(scaled.high, scaled.low, scaled.close, scaled.volume, 14), mfi(b.high, b.low, b.close, b.volume, 14));
    }));
  });
});

describe('missing values (runs.ts)', () => {
  // A NaN in any one input column of a row, between two clean stretches.
  const split = fc.tuple(barsArb(false, 70), barsArb(false, 70), fc.integer({ min: 0, max: COLUMNS.length - 1 }));

  it.each(CASES.map((c) => [c.label, c] as const))('%s: a NaN row is NaN and the next run starts afresh', (_label, c) => {
    const used = new Set(Object.values(c.call.inputs));
    fc.assert(fc.property(split, ([a, b, hole]) => {
      const column = COLUMNS[hole];
      const joined = mapBars(a, (x, col) => f64([...x, col === column ? NaN : 1, ...b[col]]));
      const whole = c.ours(joined);
      const left = c.ours(a);
      const right = c.ours(b);
      whole.forEach((out, k) => {
        const expected = f64([...left[k], NaN, ...right[k]]);
        // A NaN in a column the kernel does not read leaves the row intact; then the row is a bar of 1s and
        // the series is not split, so only compare the rows of the first stretch.
        if (!used.has(column)) {
          expectClose(out.subarray(0, a.close.length), left[k], 0, c.label);
          return;
        }
        expectClose(out, expected, 0, c.label);
      });
    }), { numRuns: 40 });
  });
});
