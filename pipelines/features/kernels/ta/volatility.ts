/**
 * Volatility in TA-Lib's conventions: true range, Wilder's ATR and NATR, the population standard deviation
 * and Bollinger Bands. Multi-input kernels use forEachJointRun: a row counts only when every input is finite.
 */
import { checkPeriod, forEachRun, forEachJointRun, outputFor } from '../runs';
import { checkInputs, outputsFor, TA_EPSILON } from './common';

const { abs, sqrt } = Math;
const EPS = TA_EPSILON;

/**
 * True range: max(high − low, |close[t−1] − high|, |close[t−1] − low|). First value at index 1 of a run:
 * like TA-Lib, the first bar has no previous close and no value (high − low is not substituted).
 */
export function trange(high: Float64Array, low: Float64Array, close: Float64Array, out?: Float64Array): Float64Array {
  const o = outputFor(checkInputs('trange', [high, low, close]), out);
  forEachJointRun([high, low, close], (start, end) => {
    for (let i = start + 1; i < end; i++) {
      const prevClose = close[i - 1];
      let greatest = high[i] - low[i];
      const toHigh = abs(prevClose - high[i]);
      if (toHigh > greatest) greatest = toHigh;
      const toLow = abs(prevClose - low[i]);
      if (toLow > greatest) greatest = toLow;
      o[i] = greatest;
    }
  });
  return o;
}

/** Wilder's ATR over [start, end) of a clean run into o; `normalize` gives NATR. */
function atrRun(
  high: Float64Array, low: Float64Array, close: Float64Array, period: number, o: Float64Array,
  start: number, end: number, normalize: boolean,
): void {
  if (end - start <= period) return;
  const keep = period - 1;
  let total = 0.0;
  let prevClose = close[start];
  let i = start + 1;
  let atr = 0.0;
  for (; i < end; i++) {
    let tr = high[i] - low[i];
    const toHigh = abs(prevClose - high[i]);
    if (toHigh > tr) tr = toHigh;
    const toLow = abs(prevClose - low[i]);
    if (toLow > tr) tr = toLow;
    prevClose = close[i];
    if (i < start + period) {
      total += tr;
      continue;
    }
    if (i === start + period) {
      total += tr;
      atr = total / period;
    } else {
      // The operation order mirrors TA-Lib's so rounding agrees.
      atr *= keep;
      atr += tr;
      atr /= period;
    }
    if (!normalize) o[i] = atr;
    else {
      const c = close[i];
      o[i] = c > -EPS && c < EPS ? NaN : (atr / c) * 100.0;
    }
  }
}

/**
 * Average true range, Wilder's smoothing as TA-Lib computes it: the first value, at index `period`, is the
 * simple mean of the true ranges of bars 1..period (bar 0 has none); then (prev·(period−1) + TR) / period.
 * Period 1 is the true range itself. Like RSI, the smoothing never forgets its seed completely.
 */
export function atr(high: Float64Array, low: Float64Array, close: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('atr', period);
  const o = outputFor(checkInputs('atr', [high, low, close]), out);
  forEachJointRun([high, low, close], (start, end) => {
    if (period === 1) {
      trange(high.subarray(start, end), low.subarray(start, end), close.subarray(start, end), o.subarray(start, end));
      return;
    }
    atrRun(high, low, close, period, o, start, end, false);
  });
  return o;
}

/**
 * Normalized ATR: 100 · ATR / close, first value at index `period`. Period 1 is rejected (TA-Lib returns the
 * raw true range there, unnormalized). A close inside TA-Lib's zero band gives NaN: TA-Lib means to write 0
 * but, past the first value, writes that 0 over its first output and leaves the row itself unset, so no
 * value could be matched; NaN is the project's convention for a zero base (see pctChange).
 */
export function natr(high: Float64Array, low: Float64Array, close: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('natr', period, 2);
  const o = outputFor(checkInputs('natr', [high, low, close]), out);
  forEachJointRun([high, low, close], (start, end) => atrRun(high, low, close, period, o, start, end, true));
  return o;
}

/**
 * Population standard deviation over `period` values (TA-Lib STDDEV with nbDev 1: divides by period, not
 * period − 1), first value at index period−1. TA-Lib takes the variance as mean(x²) − mean(x)² from two
 * running sums, which cancels badly for a small spread on large prices; we keep that formula so values
 * agree. A variance below TA-Lib's 1e-14 (zero or negative from that cancellation) gives 0, so spreads
 * under ~1e-7 price units read as 0; conversely the cancellation can leave a flat window a σ of a few ulps
 * of the price's square (0.0028 for a flat 98,765.4), as in TA-Lib.
 */
export function stddev(x: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('stddev', period, 2);
  const o = outputFor(x.length, out);
  forEachRun(x, (start, end) => {
    if (end - start < period) return;
    let total1 = 0.0;
    let total2 = 0.0;
    let i = start;
    for (; i < start + period - 1; i++) {
      const v = x[i];
      total1 += v;
      total2 += v * v;
    }
    let trailing = start;
    for (; i < end; i++) {
      const v = x[i];
      total1 += v;
      total2 += v * v;
      const mean1 = total1 / period;
      const mean2 = total2 / period;
      const t = x[trailing++];
      total1 -= t;
      total2 -= t * t;
      const variance = mean2 - mean1 * mean1;
      o[i] = variance < EPS ? 0.0 : sqrt(variance);
    }
  });
  return o;
}

/**
 * Bollinger Bands, TA-Lib BBANDS with matype SMA and nbDevUp = nbDevDn = k: middle = SMA(period) (computed
 * as sma()), upper/lower = middle ± k·σ with σ the population standard deviation. TA-Lib derives σ from the
 * running sum of squares and the SMA itself (mean(x²) − SMA²), not from stddev()'s two sums, and the
 * result can differ in the last bits; this mirrors the BBANDS path. σ² below 1e-14 counts as 0, so a flat
 * window gives three equal bands. First values at index period−1.
 * Returns the three buffers (the caller's, or new ones).
 */
export function bbands(
  close: Float64Array, period: number, k: number,
  upper?: Float64Array, middle?: Float64Array, lower?: Float64Array,
): { upper: Float64Array; middle: Float64Array; lower: Float64Array } {
  checkPeriod('bbands', period, 2);
  if (!Number.isFinite(k)) throw new RangeError(`bbands: k must be finite, got ${k}`);
  const [up, mid, lo] = outputsFor(close.length, [upper, middle, lower]);
  forEachRun(close, (start, end) => {
    if (end - start < period) return;
    let total = 0.0;
    let total2 = 0.0;
    let i = start;
    for (; i < start + period - 1; i++) {
      const v = close[i];
      total += v;
      total2 += v * v;
    }
    let trailing = start;
    for (; i < end; i++) {
      const v = close[i];
      total += v;
      const windowTotal = total;
      total2 += v * v;
      let meanSquare = total2 / period;
      const t = close[trailing++];
      total -= t;
      total2 -= t * t;
      const m = windowTotal / period;
      meanSquare -= m * m;
      const sigma = meanSquare < EPS ? 0.0 : sqrt(meanSquare);
      const band = k === 1.0 ? sigma : sigma * k;
      mid[i] = m;
      up[i] = m + band;
      lo[i] = m - band;
    }
  });
  return { upper: up, middle: mid, lower: lo };
}
