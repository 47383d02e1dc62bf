/**
 * Momentum in TA-Lib's conventions: MACD, ROC, MOM, CMO, BOP and the Ultimate Oscillator.
 */
import { checkPeriod, forEachRun, forEachJointRun, outputFor } from '../runs';
import { checkInputs, emaSpan, outputsFor, perToK, TA_EPSILON } from './common';

const { abs } = Math;
const EPS = TA_EPSILON;

/**
 * MACD = EMA(fast) − EMA(slow), signal = EMA(signal) of MACD, hist = MACD − signal, with TA-Lib's seeding,
 * which is not that of two independent ema() calls: both EMAs produce their first value on the same bar,
 * index slow−1, the slow one seeded with the mean of bars 0..slow−1 and the fast one with the mean of only
 * the last `fast` of them (slow−fast..slow−1). The signal EMA is seeded with the mean of the first `signal`
 * MACD values, so all three outputs start at index (slow−1) + (signal−1), 33 for 12/26/9; MACD itself is
 * left empty before that, as in TA-Lib. fast > slow is swapped, as TA-Lib does. A signal period of 1 is
 * rejected: TA-Lib accepts it but misplaces its output (begIndex 24 for 12/26 and a garbage first value).
 * Returns the three buffers (the caller's, or new ones).
 */
export function macd(
  close: Float64Array, fastPeriod: number, slowPeriod: number, signalPeriod: number,
  macdOut?: Float64Array, signalOut?: Float64Array, histOut?: Float64Array,
): { macd: Float64Array; signal: Float64Array; hist: Float64Array } {
  checkPeriod('macd fast', fastPeriod, 2);
  checkPeriod('macd slow', slowPeriod, 2);
  checkPeriod('macd signal', signalPeriod, 2);
  const fast = Math.min(fastPeriod, slowPeriod);
  const slow = Math.max(fastPeriod, slowPeriod);
  const [m, s, h] = outputsFor(close.length, [macdOut, signalOut, histOut]);
  const n = close.length;
  const fastEma = new Float64Array(n);
  const slowEma = new Float64Array(n);
  const kFast = perToK(fast);
  const kSlow = perToK(slow);
  const kSignal = perToK(signalPeriod);
  forEachRun(close, (start, end) => {
    const first = start + slow - 1;
    const beg = first + signalPeriod - 1;
    if (end <= beg) return;
    emaSpan(close, start, end, slow, kSlow, slowEma);
    emaSpan(close, start + slow - fast, end, fast, kFast, fastEma);
    for (let i = first; i < end; i++) fastEma[i] = fastEma[i] - slowEma[i];
    emaSpan(fastEma, first, end, signalPeriod, kSignal, s);
    for (let i = beg; i < end; i++) {
      m[i] = fastEma[i];
      h[i] = m[i] - s[i];
    }
  });
  return { macd: m, signal: s, hist: h };
}

/**
 * Rate of change in percent, 100·(x[t]/x[t−period] − 1) as TA-Lib computes it ((x/base − 1)·100).
 * First value at index `period`. A zero base gives NaN, not TA-Lib's 0: the project's convention for a zero
 * base (pctChange), so roc_k stays 100·returns_kd row for row, missingness included.
 */
export function roc(x: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('roc', period);
  const o = outputFor(x.length, out);
  forEachRun(x, (start, end) => {
    for (let i = start + period; i < end; i++) {
      const base = x[i - period];
      if (base !== 0.0) o[i] = ((x[i] / base) - 1.0) * 100.0;
    }
  });
  return o;
}

/** Momentum x[t] − x[t−period], in price units. First value at index `period`. */
export function mom(x: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('mom', period);
  const o = outputFor(x.length, out);
  forEachRun(x, (start, end) => {
    for (let i = start + period; i < end; i++) o[i] = x[i] - x[i - period];
  });
  return o;
}

/**
 * Chande momentum oscillator as TA-Lib 0.4 computes it: 100·(gain − loss)/(gain + loss) with gain and loss
 * Wilder-smoothed exactly like RSI's (seeded with the simple means of the first `period` changes), not
 * Chande's plain sums over the window. So CMO = 2·RSI − 100 up to rounding. First value at index `period`.
 * gain + loss inside TA-Lib's zero band (a flat run) gives 0.
 */
export function cmo(x: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('cmo', period, 2);
  const o = outputFor(x.length, out);
  const keep = period - 1;
  forEachRun(x, (start, end) => {
    if (end - start <= period) return;
    let gain = 0.0;
    let loss = 0.0;
    let prev = x[start];
    let t = start + 1;
    for (; t <= start + period; t++) {
      const change = x[t] - prev;
      prev = x[t];
      if (change < 0) loss -= change;
      else gain += change;
    }
    loss /= period;
    gain /= period;
    let sum = gain + loss;
    o[start + period] = sum > -EPS && sum < EPS ? 0.0 : 100.0 * ((gain - loss) / sum);
    for (; t < end; t++) {
      const change = x[t] - prev;
      prev = x[t];
      // The operation order mirrors TA-Lib's so rounding agrees.
      loss *= keep;
      gain *= keep;
      if (change < 0) loss -= change;
      else gain += change;
      loss /= period;
      gain /= period;
      sum = gain + loss;
      o[t] = sum > -EPS && sum < EPS ? 0.0 : 100.0 * ((gain - loss) / sum);
    }
  });
  return o;
}

/**
 * Balance of power, (close − open)/(high − low), no warm-up. A bar whose range is below TA-Lib's 1e-14
 * (high == low, or a bad bar with high < low) gives 0: TA-Lib treats it as no balance either way.
 */
export function bop(open: Float64Array, high: Float64Array, low: Float64Array, close: Float64Array, out?: Float64Array): Float64Array {
  const o = outputFor(checkInputs('bop', [open, high, low, close]), out);
  forEachJointRun([open, high, low, close], (start, end) => {
    for (let i = start; i < end; i++) {
      const range = high[i] - low[i];
      o[i] = range < EPS ? 0.0 : (close[i] - open[i]) / range;
    }
  });
  return o;
}

/**
 * Ultimate oscillator: 100 · (4·A1/B1 + 2·A2/B2 + A3/B3) / 7 where, over the shortest, middle and longest
 * period, A sums close − min(low, previous close) and B sums the true range. The periods are sorted first
 * (the weight 4 always goes to the shortest), as TA-Lib does. First value at index longest period (bar 0
 * has no previous close). A window whose true-range sum is inside TA-Lib's zero band adds nothing, so a
 * flat run gives 0 rather than NaN.
 */
export function ultosc(
  high: Float64Array, low: Float64Array, close: Float64Array, period1: number, period2: number, period3: number, out?: Float64Array,
): Float64Array {
  for (const p of [period1, period2, period3]) checkPeriod('ultosc', p);
  const [p1, p2, p3] = [period1, period2, period3].sort((a, b) => a - b);
  const o = outputFor(checkInputs('ultosc', [high, low, close]), out);
  // Buying pressure and true range of bar i (i > run start), as TA-Lib's CALC_TERMS.
  let bp = 0.0;
  let tr = 0.0;
  const terms = (i: number): void => {
    const l = low[i];
    const h = high[i];
    const prevClose = close[i - 1];
    const trueLow = l < prevClose ? l : prevClose;
    bp = close[i] - trueLow;
    tr = h - l;
    const toHigh = abs(prevClose - h);
    if (toHigh > tr) tr = toHigh;
    const toLow = abs(prevClose - l);
    if (toLow > tr) tr = toLow;
  };
  forEachJointRun([high, low, close], (start, end) => {
    const beg = start + p3;
    if (end <= beg) return;
    let a1 = 0.0, b1 = 0.0, a2 = 0.0, b2 = 0.0, a3 = 0.0, b3 = 0.0;
    for (let i = beg - p1 + 1; i < beg; i++) { terms(i); a1 += bp; b1 += tr; }
    for (let i = beg - p2 + 1; i < beg; i++) { terms(i); a2 += bp; b2 += tr; }
    for (let i = beg - p3 + 1; i < beg; i++) { terms(i); a3 += bp; b3 += tr; }
    for (let today = beg; today < end; today++) {
      terms(today);
      a1 += bp; a2 += bp; a3 += bp;
      b1 += tr; b2 += tr; b3 += tr;
      let value = 0.0;
      if (!(b1 > -EPS && b1 < EPS)) value += 4.0 * (a1 / b1);
      if (!(b2 > -EPS && b2 < EPS)) value += 2.0 * (a2 / b2);
      if (!(b3 > -EPS && b3 < EPS)) value += a3 / b3;
      terms(today - p1 + 1); a1 -= bp; b1 -= tr;
      terms(today - p2 + 1); a2 -= bp; b2 -= tr;
      terms(today - p3 + 1); a3 -= bp; b3 -= tr;
      o[today] = 100.0 * (value / 7.0);
    }
  });
  return o;
}
