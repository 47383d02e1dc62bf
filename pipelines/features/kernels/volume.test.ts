import fc from 'fast-check';
import {
  amihud, corrCloseVolume, corrReturnVolumeChange, logMeanTurnover, logVolumeZ, meanTurnover, volumeStdRatio, vwapRatio,
  zeroVolumeDays,
} from './volume';
import { expectSeries, randomSource, type Bars, randomBars, naive, win, mean, std, f64, arr, N } from './test-support';

const { abs, max, min, sqrt } = Math;
const { log1p } = Math;

/** Traded value ≈ volume × a price near the close; 0 on no-trade days; missing with the volume, or alone. */
function turnoverFor(b: Bars, seed: number): Float64Array {
  const rand = randomSource(seed + 1000);
  return b.volume.map((v, t) => (rand() < 0.005 ? NaN : v * (Number.isFinite(b.close[t]) ? b.close[t] : 1000) * (0.99 + 0.02 * rand())));
}

function pearson(x: number[], y: number[]): number {
  const flat = (xs: number[]) => xs.every((v) => v === xs[0]);
  if (flat(x) || flat(y)) return NaN;
  const mx = mean(x);
  const my = mean(y);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxy / sqrt(sxx * syy);
}

// ---- hand-computed cases ----

/** z-score of the last ln(1 + v) among all of vs, population std. */
const zLast = (vs: number[]) => {
  const y = vs.map(log1p);
  return (y[y.length - 1] - mean(y)) / std(y, 0);
};

describe('volume level', () => {
  it('logVolumeZ: ln(1 + v) = 0, 1, 2 → z = (2 − 1) / sqrt(2/3) (population std)', () => {
    const v = f64([0, Math.E - 1, Math.E ** 2 - 1]);
    const y = arr(v).map(log1p);
    expectSeries(logVolumeZ(v, 3), [N, N, (y[2] - mean(y)) / std(y, 0)]);
    expect(logVolumeZ(v, 3)[2]).toBeCloseTo(1 / sqrt(2 / 3), 12);
  });

  it.each<[string, number[], number[]]>([
    ['a constant window has no z-score', [5, 5, 5, 5], [N, N, N, N]],
    ['a window of zeros neither', [0, 0, 0], [N, N, N]],
    ['a missing volume restarts the window', [1, 2, N, 1, 2, 3], [N, N, N, N, N, zLast([1, 2, 3])]],
    ['a negative volume is missing', [1, -1, 2, 3, 4], [N, N, N, N, zLast([2, 3, 4])]],
  ])('logVolumeZ: %s', (_name, v, expected) => {
    expectSeries(logVolumeZ(f64(v), 3), expected);
  });

  it('meanTurnover and logMeanTurnover', () => {
    expectSeries(meanTurnover(f64([1e9, 3e9, 0, N, 2e9]), 2), [N, 2e9, 1.5e9, N, N]);
    expectSeries(logMeanTurnover(f64([1e9, 3e9, 0, 0]), 2), [N, log1p(2e9), log1p(1.5e9), 0]);
  });

  it.each<[string, number[], number, number[]]>([
    ['counts zeros in the window', [0, 5, 0, 0, 7], 3, [N, N, 2, 2, 2]],
    ['a missing volume restarts the count', [0, 0, N, 0, 0, 0], 2, [N, 2, N, N, 2, 2]],
    ['window 1', [0, 3], 1, [1, 0]],
  ])('zeroVolumeDays: %s', (_name, v, w, expected) => {
    expectSeries(zeroVolumeDays(f64(v), w), expected);
  });

  it.each<[string, number[], number[]]>([
    // 1, 2, 3: sample std 1, mean 2
    ['std / mean with the sample std', [1, 2, 3], [N, N, 0.5]],
    ['a constant non-zero window is 0', [4, 4, 4], [N, N, 0]],
    ['a window of zeros is missing (0/0)', [0, 0, 0], [N, N, N]],
    ['zeros after volume: exactly the window, no residue', [1e9, 0, 0, 0], [N, N, sqrt(1e18 / 3) / (1e9 / 3), N]],
  ])('volumeStdRatio: %s', (_name, v, expected) => {
    expectSeries(volumeStdRatio(f64(v), 3), expected);
  });
});

describe('liquidity', () => {
  it.each<[string, number[], number[], number[]]>([
    // |0.1| / 1e9 and |0.1| / 2e9 per yen, × 1e9 → mean(0.1, 0.05)
    ['mean of |r| per ¥1bn', [100, 110, 121], [5e8, 1e9, 2e9], [N, N, 0.075]],
    ['a no-trade day is left out of the mean', [100, 110, 99], [5e8, 2e9, 0], [N, N, 0.05]],
    ['no traded day in the window → missing', [100, 100, 100], [0, 0, 0], [N, N, N]],
    ['a missing turnover restarts the window', [100, 110, 121, 133.1], [1, 1e9, N, 1e9], [N, N, N, N]],
  ])('amihud: %s', (_name, close, turnover, expected) => {
    expectSeries(amihud(f64(close), f64(turnover), 2), expected);
  });

  it('amihud: a window that empties and refills restarts its sum exactly', () => {
    // Returns of rows 1..5: 0.1 (¥3bn), −0.1 (no trades), 0 (no trades), 0 (¥0.5bn), 0.1 (¥1bn).
    const out = amihud(f64([100, 110, 99, 99, 99, 108.9]), f64([1, 3e9, 0, 0, 5e8, 1e9]), 2);
    expectSeries(out, [N, N, ((110 / 100 - 1) / 3e9) * 1e9, N, 0, (((108.9 / 99 - 1) / 1e9) * 1e9) / 2]);
  });

  it.each<[string, number[], number[], number[], number[]]>([
    ['turnover / volume / close', [1000, 0, 500], [10, 0, 10], [50, 50, N], [2, N, N]],
    ['an infinite volume or close is missing, not 0', [1000, 1000], [Infinity, 10], [50, Infinity], [N, N]],
  ])('vwapRatio: %s', (_name, turnover, volume, close, expected) => {
    expectSeries(vwapRatio(f64(turnover), f64(volume), f64(close)), expected);
  });
});

describe('price–volume correlation', () => {
  const v = (ys: number[]) => f64(ys.map((y) => Math.exp(y) - 1));
  it.each<[string, number[], number[], number[]]>([
    ['rising together → 1', [1, 2, 3], [1, 2, 3], [N, N, 1]],
    ['opposite → −1', [1, 2, 3], [3, 2, 1], [N, N, -1]],
    ['constant volume → missing', [1, 2, 3], [2, 2, 2], [N, N, N]],
    ['constant close → missing', [5, 5, 5], [1, 2, 3], [N, N, N]],
  ])('corrCloseVolume: %s', (_name, close, logVol, expected) => {
    expectSeries(corrCloseVolume(f64(close), v(logVol), 3), expected, 1e-9);
  });

  it('corrReturnVolumeChange: returns and Δln(1 + v) over 2 days', () => {
    // Price changes ×1.1, ×0.9; ln(1 + v) 1 → 2 → 4: changes +1, +2. Two points: correlation ±1.
    expectSeries(corrReturnVolumeChange(f64([100, 110, 99]), v([1, 2, 4]), 2), [N, N, -1], 1e-9);
    expectSeries(corrReturnVolumeChange(f64([100, 110, 132]), v([1, 2, 4]), 2), [N, N, 1], 1e-9);
    // A day after a no-trade day is fine (Qlib's ln(v_t / v_{t−1} + 1) would be infinite).
    expectSeries(corrReturnVolumeChange(f64([100, 110, 132]), f64([0, 0, 50]), 2), [N, N, 1], 1e-9);
  });
});

// ---- naive references on seeded random series ----

describe('against naive O(n·w) references (seeded bars with gaps; rel 1e-9)', () => {
  const rel = 1e-9;
  const absTol = 1e-12;
  it.each([[31, 0.02], [32, 0.02], [33, 0.002], [34, 0.002]])('seed %i, gap rate %d', (seed, gapRate) => {
    const b = randomBars(seed, 700, gapRate);
    const { close, volume } = b;
    const turnover = turnoverFor(b, seed);
    const lv = volume.map(log1p);
    const returnsIn = (t: number, w: number) => Array.from({ length: w }, (_x, k) => close[t - w + 1 + k] / close[t - w + k] - 1);
    for (const w of [2, 3, 20, 60]) {
      expectSeries(logVolumeZ(volume, w), naive([volume], w - 1, (t) => {
        const y = win(lv, t, w);
        const s = std(y, 0);
        return s > 0 ? (lv[t] - mean(y)) / s : NaN;
      }), rel, absTol);
      expectSeries(meanTurnover(turnover, w), naive([turnover], w - 1, (t) => mean(win(turnover, t, w))), rel, absTol);
      expectSeries(logMeanTurnover(turnover, w), naive([turnover], w - 1, (t) => log1p(mean(win(turnover, t, w)))), rel, absTol);
      expectSeries(amihud(close, turnover, w), naive([close, turnover], w, (t) => {
        const r = returnsIn(t, w);
        const tv = win(turnover, t, w);
        const terms = r.map((x, k) => abs(x) / tv[k]).filter((_x, k) => tv[k] > 0);
        return terms.length > 0 ? mean(terms) * 1e9 : NaN;
      }), rel, absTol);
      expectSeries(zeroVolumeDays(volume, w), naive([volume], w - 1, (t) => win(volume, t, w).filter((x) => x === 0).length), 0, 0);
      expectSeries(volumeStdRatio(volume, w), naive([volume], w - 1, (t) => {
        const xs = win(volume, t, w);
        if (xs.every((x) => x === 0)) return NaN;
        return std(xs, 1) / mean(xs);
      }), rel, absTol);
      expectSeries(corrCloseVolume(close, volume, w), naive([close, volume], w - 1, (t) => pearson(win(close, t, w), win(lv, t, w))), rel, absTol);
      expectSeries(corrReturnVolumeChange(close, volume, w), naive([close, volume], w, (t) => {
        const x = returnsIn(t, w);
        const y = Array.from({ length: w }, (_x, k) => lv[t - w + 1 + k] - lv[t - w + k]);
        return pearson(x, y);
      }), 1e-8, 1e-10);
    }
    expectSeries(vwapRatio(turnover, volume, close), naive([turnover, volume, close], 0, (t) => (volume[t] > 0 ? turnover[t] / volume[t] / close[t] : NaN)), rel, absTol);
  });
});

// ---- properties ----

/** close, volume (one day in five without trades), turnover = volume × a price near the close; ~1 row in 10 missing. */
const tapeArb = fc.array(
  fc.oneof(
    { weight: 9, arbitrary: fc.tuple(fc.integer({ min: 100, max: 100_000 }), fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 })), fc.integer({ min: 99, max: 101 })) },
    { weight: 1, arbitrary: fc.constant(null) },
  ),
  { maxLength: 70 },
).map((rows) => ({
  close: f64(rows.map((r) => (r === null ? NaN : r[0] / 100))),
  volume: f64(rows.map((r) => (r === null ? NaN : r[1] * 100))),
  turnover: f64(rows.map((r) => (r === null ? NaN : (r[1] * 100 * r[0] * r[2]) / 10_000))),
}));
type Tape = { close: Float64Array; volume: Float64Array; turnover: Float64Array };
const factor = fc.constantFrom(0.01, 0.5, 3, 7.5, 1000);

/** name, the columns read, the kernel. */
const KERNELS: Array<[string, Array<keyof Tape>, (d: Tape) => Float64Array]> = [
  ['log_volume_z_5', ['volume'], (d) => logVolumeZ(d.volume, 5)],
  ['turnover_5', ['turnover'], (d) => meanTurnover(d.turnover, 5)],
  ['log_turnover_5', ['turnover'], (d) => logMeanTurnover(d.turnover, 5)],
  ['amihud_5', ['close', 'turnover'], (d) => amihud(d.close, d.turnover, 5)],
  ['vwap_ratio', ['turnover', 'volume', 'close'], (d) => vwapRatio(d.turnover, d.volume, d.close)],
  ['zero_volume_days_5', ['volume'], (d) => zeroVolumeDays(d.volume, 5)],
  ['volume_std_5', ['volume'], (d) => volumeStdRatio(d.volume, 5)],
  ['corr_close_volume_5', ['close', 'volume'], (d) => corrCloseVolume(d.close, d.volume, 5)],
  ['cord_5', ['close', 'volume'], (d) => corrReturnVolumeChange(d.close, d.volume, 5)],
];

describe('properties', () => {
  it('|log_volume_z_w| <= √(w − 1); correlations in [−1, 1]; amihud, volume_std, zero days >= 0', () => {
    fc.assert(fc.property(tapeArb, fc.integer({ min: 2, max: 10 }), (d, w) => {
      const ok = (x: Float64Array, lo: number, hi: number) => arr(x).every((v) => Number.isNaN(v) || (v >= lo && v <= hi));
      expect(ok(logVolumeZ(d.volume, w), -sqrt(w - 1) - 1e-9, sqrt(w - 1) + 1e-9)).toBe(true);
      expect(ok(corrCloseVolume(d.close, d.volume, w), -1, 1) && ok(corrReturnVolumeChange(d.close, d.volume, w), -1, 1)).toBe(true);
      expect(ok(amihud(d.close, d.turnover, w), 0, Infinity) && ok(volumeStdRatio(d.volume, w), 0, Infinity)).toBe(true);
      expect(ok(zeroVolumeDays(d.volume, w), 0, w)).toBe(true);
    }));
  });

  it('scaling prices leaves amihud, corr_close_volume and cord unchanged; a split (prices / k, volume × k) leaves vwap_ratio unchanged', () => {
    fc.assert(fc.property(tapeArb, factor, (d, k) => {
      const split: Tape = { close: d.close.map((v) => v / k), volume: d.volume.map((v) => v * k), turnover: d.turnover };
      const priced: Tape = { ...d, close: d.close.map((v) => v * k) };
      for (const [name, , kernel] of KERNELS) {
        if (['amihud_5', 'corr_close_volume_5', 'cord_5'].includes(name)) expectSeries(kernel(priced), arr(kernel(d)), 1e-9, 1e-10);
      }
      expectSeries(vwapRatio(split.turnover, split.volume, split.close), arr(vwapRatio(d.turnover, d.volume, d.close)), 1e-9, 1e-10);
    }));
  });

  it('scaling volume leaves volume_std and zero_volume_days unchanged', () => {
    fc.assert(fc.property(tapeArb, factor, (d, k) => {
      const v = d.volume.map((x) => x * k);
      expectSeries(volumeStdRatio(v, 5), arr(volumeStdRatio(d.volume, 5)), 1e-9, 1e-10);
      expectSeries(zeroVolumeDays(v, 5), arr(zeroVolumeDays(d.volume, 5)), 0, 0);
    }));
  });

  it.each(KERNELS)('%s: a missing input is a missing output on that row', (_name, reads, kernel) => {
    fc.assert(fc.property(tapeArb, fc.nat(), fc.constantFrom(...reads), (d, at, column) => {
      if (d.close.length === 0) return;
      const i = at % d.close.length;
      expect(kernel({ ...d, [column]: d[column].map((v, j) => (j === i ? NaN : v)) })[i]).toBeNaN();
    }));
  });

  it.each(KERNELS)('%s: a gap splits the series into independent runs, bit for bit', (_name, _reads, kernel) => {
    fc.assert(fc.property(tapeArb, tapeArb, (a, b) => {
      const join = (x: Float64Array, y: Float64Array) => f64([...x, NaN, ...y]);
      const joined: Tape = { close: join(a.close, b.close), volume: join(a.volume, b.volume), turnover: join(a.turnover, b.turnover) };
      expectSeries(kernel(joined), [...arr(kernel(a)), NaN, ...arr(kernel(b))], 0, 0);
    }));
  });
});
