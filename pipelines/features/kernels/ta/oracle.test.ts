/**
 * Every TA kernel against TA-Lib (the `talib` addon) on every kind of series, run by run as runs.ts defines
 * the output: NaN exactly where TA-Lib (applied to each finite run alone) has no value, and elsewhere a
 * relative error of at most 1e-10 (|ours − talib| <= 1e-10·|talib|; a TA-Lib 0 must be matched exactly).
 */
import { adx, atr, bbands, bop, cci, cmo, dx, ema, macd, mfi, natr, roc, rsi, stddev, stoch, ultosc, willr, wma } from './index';
import { callWithOut, CASES } from './oracle-cases';
import { type Bars, expectClose, flat, lookback, mapBars, oracle, seeded, walk } from './testing';

const REL = 1e-10;

/** Runs of zero volume (a suspended or illiquid stock), long and short. */
function zeroVolume(b: Bars): Bars {
  const volume = b.volume.slice();
  volume.fill(0, 40, 75);
  volume.fill(0, 120, 123);
  for (let i = 200; i < volume.length; i += 7) volume[i] = 0;
  return { ...b, volume };
}

/** NaN runs of length 1..6 placed independently in each column, plus a missing start. */
function nanRuns(b: Bars, seed: number): Bars {
  const rnd = seeded(seed);
  return mapBars(b, (x, column) => {
    const y = x.slice();
    if (column === 'close') y.fill(NaN, 0, 3);
    for (let i = 0; i < y.length; i++) {
      if (rnd() < 0.012) {
        const len = 1 + Math.floor(rnd() * 6);
        y.fill(NaN, i, Math.min(y.length, i + len));
        i += len;
      }
    }
    return y;
  });
}

function concat(a: Bars, b: Bars): Bars {
  return mapBars(a, (x, column) => {
    const y = new Float64Array(x.length + b[column].length);
    y.set(x);
    y.set(b[column], x.length);
    return y;
  });
}

const KINDS: Array<[string, Bars]> = [
  ['random walk', walk(700, 1)],
  ['random walk on a 1-yen tick (ties in highs, lows, closes)', walk(700, 2, { tick: 1, vol: 0.01, start: 300 })],
  ['low-priced tick walk (many unchanged days)', walk(700, 3, { tick: 1, vol: 0.015, start: 40 })],
  ['large prices (1e6: cancellation in the variance sums)', walk(700, 4, { start: 1e6, vol: 0.002 })],
  ['flat prices', flat(150)],
  ['flat at 101.3 (a mean of equal values that rounds)', flat(150, 101.3)],
  ['flat at 98,765.4', flat(150, 98765.4, 12_345)],
  ['flat, then moving, then flat', concat(concat(flat(80), walk(150, 5, { start: 250 })), flat(80, 260))],
  ['price gaps (±20 % jumps)', walk(700, 6, { jumps: 0.06 })],
  ['zero volume runs', zeroVolume(walk(700, 7))],
  ['NaN runs in each column', nanRuns(walk(1500, 8), 80)],
  ['short (12 rows)', walk(12, 9)],
  ['long (5,000 rows)', walk(5000, 10)],
];

/**
 * Moves of a few 1e-9 around 1: inside the 1e-8 zero band older TA-Lib releases used, outside the 1e-14
 * band of the C library the oracle is built from. RSI is left out: rsi.ts still applies the 1e-8 band and
 * reads such a series as flat where TA-Lib does not.
 */
const MICRO: [string, Bars] = ['micro moves (a few 1e-9 around 1)', walk(300, 18, { vol: 4e-9, start: 1 })];

describe.each(CASES)('$label matches TA-Lib', (c) => {
  it.each(c.call.fn === 'RSI' ? KINDS : [...KINDS, MICRO])('%s', (_kind, bars) => {
    const expected = oracle(c.call, bars);
    const actual = c.ours(bars);
    expect(actual).toHaveLength(expected.length);
    expected.forEach((e, k) => expectClose(actual[k], e, REL, `${c.label} output ${c.call.outputs[k]}`));
  });

  it('has its first value at TA-Lib\'s lookback: none with lookback rows, one with lookback + 1', () => {
    const lb = lookback(c.call);
    const b = walk(lb + 1, 11);
    const cut = mapBars(b, (x) => x.slice(0, lb));
    for (const out of c.ours(cut)) expect(out.every(Number.isNaN)).toBe(true);
    for (const out of c.ours(b)) {
      expect(out.findIndex((v) => !Number.isNaN(v))).toBe(lb);
    }
  });

  it('rows with a missing input are missing, and each run restarts its warm-up', () => {
    const b = nanRuns(walk(400, 12), 81);
    const used = Object.values(c.call.inputs).map((col) => b[col!]);
    for (const out of c.ours(b)) {
      out.forEach((v, i) => { if (used.some((x) => Number.isNaN(x[i]))) expect(v).toBeNaN(); });
    }
  });

  it('writes into caller buffers of a frame column and fills every row', () => {
    const b = walk(120, 13);
    const expected = c.ours(b);
    const frameColumn = new Float64Array(200).fill(123);
    const slice = frameColumn.subarray(50, 170);
    // The first output through a caller buffer; the kernel must overwrite every row of it.
    const withOut = callWithOut(c, b, slice);
    expectClose(withOut, expected[0], 0, c.label);
    expect(frameColumn[49]).toBe(123);
    expect(frameColumn[170]).toBe(123);
  });
});

describe('TA-Lib conventions worth stating', () => {
  it('MACD seeds the fast EMA on the slow EMA\'s first bar, so MACD is not ema(12) − ema(26)', () => {
    const b = walk(200, 14);
    const r = macd(b.close, 12, 26, 9);
    const naive = ema(b.close, 12)[40] - ema(b.close, 26)[40];
    expect(r.macd.findIndex((v) => !Number.isNaN(v))).toBe(33);
    expect(Math.abs(r.macd[40] - naive)).toBeGreaterThan(1e-9);
  });

  it('flat prices: RSI, CMO, WILLR, STOCH, CCI, BOP, ULTOSC, DX and ADX are 0, not NaN; MFI is 0 too', () => {
    const b = flat(120);
    for (const out of [
      cmo(b.close, 14), willr(b.high, b.low, b.close, 14), stoch(b.high, b.low, b.close, 14, 3, 3).k, cci(b.high, b.low, b.close, 14),
      bop(b.open, b.high, b.low, b.close), ultosc(b.high, b.low, b.close, 7, 14, 28), dx(b.high, b.low, b.close, 14),
      adx(b.high, b.low, b.close, 14), mfi(b.high, b.low, b.close, b.volume, 14), rsi(b.close, 14),
    ]) {
      expect(out.filter((v) => !Number.isNaN(v)).every((v) => v === 0)).toBe(true);
    }
  });

  it('a flat window at a price whose running sums round is not "flat" to TA-Lib: CCI 66.67, σ > 0', () => {
    // The mean of 14 equal values 101.3 misses 101.3 by an ulp; CCI divides that ulp by 0.015 · (14 ulps / 14).
    const b = flat(40, 101.3);
    expect(cci(b.high, b.low, b.close, 14)[20]).toBeCloseTo(200 / 3, 9);
    expect(cci(b.high, b.low, b.close, 14)).toEqual(oracle({ fn: 'CCI', inputs: { high: 'high', low: 'low', close: 'close' }, options: { optInTimePeriod: 14 }, outputs: ['outReal'] }, b)[0]);
    const big = flat(40, 98765.4);
    expect(stddev(big.close, 20)[30]).toBeGreaterThan(1e-3);
    expect(cci(flat(40, 250).high, flat(40, 250).low, flat(40, 250).close, 14)[20]).toBe(0);
  });

  it('MFI: a window without volume is 0 (TA-Lib\'s absolute band: total flow below 1)', () => {
    const b = walk(60, 15);
    b.volume.fill(0, 20, 40);
    const out = mfi(b.high, b.low, b.close, b.volume, 14);
    expect(out[39]).toBe(0);
    expect(out[45]).toBeGreaterThan(0);
  });

  it('ROC and NATR: a zero base is NaN (the project\'s convention), where TA-Lib writes 0', () => {
    expect(Array.from(roc(Float64Array.from([0, 5, 10]), 1))).toEqual([NaN, NaN, 100]);
    const h = Float64Array.from([2, 2, 2, 1]);
    const l = Float64Array.from([1, 1, 1, 0]);
    const c = Float64Array.from([1, 2, 1, 0]);
    const out = natr(h, l, c, 2);
    expect(out[2]).toBeCloseTo(100, 12);
    expect(out[3]).toBeNaN();
  });

  it('EMA(1) is the identity (TA-Lib rejects period 1)', () => {
    const x = walk(50, 16).close;
    expect(Array.from(ema(x, 1))).toEqual(Array.from(x));
  });

  it('rejects periods TA-Lib rejects and mismatched inputs', () => {
    const x = walk(30, 17);
    expect(() => wma(x.close, 0)).toThrow(/period/);
    expect(() => adx(x.high, x.low, x.close, 1)).toThrow(/period must be an integer 2/);
    expect(() => atr(x.high, x.low.subarray(1), x.close, 14)).toThrow(/rows/);
    expect(() => bbands(x.close, 20, NaN)).toThrow(/finite/);
    // TA-Lib accepts a signal period of 1 but reports a wrong begIndex and an uninitialized first value.
    expect(() => macd(x.close, 12, 26, 1)).toThrow(/macd signal: period must be an integer 2/);
  });
});
