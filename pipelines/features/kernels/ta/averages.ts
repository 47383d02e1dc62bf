/**
 * Moving averages in TA-Lib's conventions: EMA, WMA and the EMA cascades DEMA, TEMA and TRIX.
 * SMA lives in ../sma.ts. All follow runs.ts: each maximal run of finite values warms up on its own.
 */
import { checkPeriod, forEachRun, outputFor } from '../runs';
import { emaSpan, perToK } from './common';

/**
 * Exponential moving average, TA-Lib's classic seed: the first value, at index period−1, is the simple mean
 * of the first `period` values; then ema += (x − ema)·k with k = 2/(period+1).
 * Because of that seed an EMA never forgets where its run began (weight (1−k)^t), so a value depends on
 * the start of the history, as TA-Lib's does.
 * Period 1 is the identity here (TA-Lib rejects it; prev + (x − prev)·1 would not return x exactly).
 */
export function ema(x: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('ema', period);
  const o = outputFor(x.length, out);
  if (period === 1) {
    forEachRun(x, (start, end) => { o.set(x.subarray(start, end), start); });
    return o;
  }
  const k = perToK(period);
  forEachRun(x, (start, end) => {
    if (end - start >= period) emaSpan(x, start, end, period, k, o);
  });
  return o;
}

/**
 * Linearly weighted moving average: weights 1..period, newest heaviest, divided by period(period+1)/2.
 * First value at index period−1. Kept as TA-Lib's two running sums (the weighted sum and the plain sum it
 * subtracts each day) rather than recomputed per window, so rounding agrees with talib.WMA.
 * Period 1 is the identity (TA-Lib's own shortcut for it).
 */
export function wma(x: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('wma', period);
  const o = outputFor(x.length, out);
  const divider = (period * (period + 1)) >> 1;
  forEachRun(x, (start, end) => {
    if (end - start < period) return;
    if (period === 1) {
      o.set(x.subarray(start, end), start);
      return;
    }
    let periodSum = 0.0;
    let periodSub = 0.0;
    let i = start;
    for (let w = 1; w < period; w++, i++) {
      const v = x[i];
      periodSub += v;
      periodSum += v * w;
    }
    let trailing = start;
    let trailingValue = 0.0;
    for (; i < end; i++) {
      const v = x[i];
      periodSub += v;
      periodSub -= trailingValue;
      periodSum += v * period;
      trailingValue = x[trailing++];
      o[i] = periodSum / divider;
      periodSum -= periodSub;
    }
  });
  return o;
}

/**
 * Double EMA, 2·EMA − EMA(EMA). The inner EMA is seeded like ema() on the first EMA's values, so the first
 * value is at index 2·(period−1), TA-Lib's lookback.
 */
export function dema(x: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('dema', period, 2);
  const o = outputFor(x.length, out);
  const k = perToK(period);
  const lag = period - 1;
  const e1 = new Float64Array(x.length);
  const e2 = new Float64Array(x.length);
  forEachRun(x, (start, end) => {
    if (end - start <= 2 * lag) return;
    emaSpan(x, start, end, period, k, e1);
    emaSpan(e1, start + lag, end, period, k, e2);
    for (let i = start + 2 * lag; i < end; i++) o[i] = (2.0 * e1[i]) - e2[i];
  });
  return o;
}

/**
 * Triple EMA, 3·EMA − 3·EMA² + EMA³ (TA-Lib adds the EMA³ last: e3 + (3·e1 − 3·e2)). First value at index
 * 3·(period−1).
 */
export function tema(x: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('tema', period, 2);
  const o = outputFor(x.length, out);
  const k = perToK(period);
  const lag = period - 1;
  const e1 = new Float64Array(x.length);
  const e2 = new Float64Array(x.length);
  forEachRun(x, (start, end) => {
    if (end - start <= 3 * lag) return;
    emaSpan(x, start, end, period, k, e1);
    emaSpan(e1, start + lag, end, period, k, e2);
    emaSpan(e2, start + 2 * lag, end, period, k, o);
    for (let i = start + 3 * lag; i < end; i++) o[i] += (3.0 * e1[i]) - (3.0 * e2[i]);
  });
  return o;
}

/**
 * TRIX: the one-day rate of change, in percent, of a triple EMA: 100·(e3[t]/e3[t−1] − 1). First value at
 * index 3·(period−1) + 1. A zero previous e3 gives 0, as TA-Lib's ROC does (e3 is 0 only when the prices
 * themselves are 0).
 */
export function trix(x: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('trix', period, 2);
  const o = outputFor(x.length, out);
  const k = perToK(period);
  const lag = period - 1;
  const e1 = new Float64Array(x.length);
  const e2 = new Float64Array(x.length);
  forEachRun(x, (start, end) => {
    if (end - start <= 3 * lag + 1) return;
    emaSpan(x, start, end, period, k, e1);
    emaSpan(e1, start + lag, end, period, k, e2);
    emaSpan(e2, start + 2 * lag, end, period, k, e1);
    for (let i = start + 3 * lag + 1; i < end; i++) {
      const prev = e1[i - 1];
      o[i] = prev !== 0.0 ? ((e1[i] / prev) - 1.0) * 100.0 : 0.0;
    }
  });
  return o;
}
