/**
 * Volatility over a trailing window, all per day (not annualised: multiply by √245 for a TSE year). The
 * features feed tree models, for which a constant factor is meaningless, and per-day values compare
 * directly with daily returns.
 *
 * Close-to-close estimators use simple daily returns close[t]/close[t−1] − 1, the convention of returns_Nd
 * and labels; the range estimators (Parkinson, Garman–Klass, Rogers–Satchell) are defined on log prices and
 * keep them. Missing values follow runs.ts; a bar with a non-positive price (log undefined) is missing too.
 * A window of w daily returns needs w + 1 closes, so those kernels start at index w; the range estimators
 * use each bar alone and start at index w − 1.
 */
import { pctChange } from './returns';
import { checkPeriod, forEachJointRun, outputFor } from './runs';
import { finiteOr, rollingMean, rollingStd, WindowExtreme } from './rolling';

const { log, sqrt } = Math;
const LN2 = Math.LN2;

/**
 * Sample standard deviation (ddof 1) of the last w simple daily returns: pandas' rolling().std() default,
 * which Qlib's STD and the original gogooku3 volatility_20 use, and the unbiased variance estimator.
 * First value at index w (w returns); w >= 2. A flat window is exactly 0.
 */
export function returnStd(close: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('returnStd', w, 2);
  return rollingStd(pctChange(close, 1), w, 1, out);
}

/**
 * Downside deviation: sqrt(Σ min(r, 0)² / w) over the last w simple daily returns, the Sortino denominator
 * with target 0. Up days count as 0 rather than being dropped, so the value is defined for every window (0
 * when nothing fell) and its divisor does not depend on how many days fell; the divisor is w (a
 * semideviation about 0 estimates no mean, so there is no degree of freedom to give back).
 * First value at index w.
 */
export function downsideStd(close: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('downsideStd', w);
  const r = pctChange(close, 1);
  for (let t = 0; t < r.length; t++) if (r[t] > 0) r[t] = 0;
  for (let t = 0; t < r.length; t++) r[t] *= r[t];
  const o = rollingMean(r, w, out);
  for (let t = 0; t < o.length; t++) o[t] = sqrt(o[t]);
  return o;
}

/**
 * returnStd(close, short) / returnStd(close, long): recent volatility against its longer level (the
 * vol_of_vol_5_20 feature; a volatility ratio, not the volatility of volatility). > 1 when volatility is
 * rising. NaN when the long window is flat. First value at index max(short, long).
 */
export function volatilityRatio(close: Float64Array, short: number, long: number, out?: Float64Array): Float64Array {
  checkPeriod('volatilityRatio short', short, 2);
  checkPeriod('volatilityRatio long', long, 2);
  const r = pctChange(close, 1);
  const fast = rollingStd(r, short, 1);
  const o = rollingStd(r, long, 1, out);
  for (let t = 0; t < o.length; t++) o[t] = o[t] > 0 ? fast[t] / o[t] : NaN;
  return o;
}

/** Per-bar terms → trailing mean → sqrt; a term that is NaN (missing or non-positive price) breaks the run. */
function rangeEstimator(terms: Float64Array, w: number, divisor: number, out?: Float64Array): Float64Array {
  const o = rollingMean(terms, w, out);
  // A mean below 0 only arises from bars inconsistent with their range (close outside [low, high]).
  for (let t = 0; t < o.length; t++) o[t] = o[t] >= 0 ? sqrt(o[t] / divisor) : NaN;
  return o;
}

/**
 * Parkinson: sqrt(mean(ln(H/L)²) / (4 ln 2)) over the last w bars, the high–low range estimator of the
 * per-day σ of log returns under driftless Brownian motion (blind to overnight gaps). First value at w − 1.
 */
export function parkinson(high: Float64Array, low: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('parkinson', w);
  const terms = new Float64Array(high.length);
  for (let t = 0; t < terms.length; t++) {
    const hl = log(high[t] / low[t]);
    terms[t] = hl * hl;
  }
  return rangeEstimator(terms, w, 4 * LN2, out);
}

/**
 * Garman–Klass: sqrt(mean(½ ln(H/L)² − (2 ln 2 − 1) ln(C/O)²)) over the last w bars (open-to-close form,
 * no overnight term). Each term is >= 0 when open and close lie inside [low, high]; a window whose mean is
 * negative (inconsistent bars) is NaN. First value at index w − 1.
 */
export function garmanKlass(open: Float64Array, high: Float64Array, low: Float64Array, close: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('garmanKlass', w);
  const k = 2 * LN2 - 1;
  const terms = new Float64Array(close.length);
  for (let t = 0; t < terms.length; t++) {
    const hl = log(high[t] / low[t]);
    const co = log(close[t] / open[t]);
    terms[t] = 0.5 * hl * hl - k * co * co;
  }
  return rangeEstimator(terms, w, 1, out);
}

/**
 * Rogers–Satchell: sqrt(mean(ln(H/C)·ln(H/O) + ln(L/C)·ln(L/O))) over the last w bars, unbiased under a
 * drift (each term >= 0 on consistent bars). First value at index w − 1.
 */
export function rogersSatchell(open: Float64Array, high: Float64Array, low: Float64Array, close: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('rogersSatchell', w);
  const terms = new Float64Array(close.length);
  for (let t = 0; t < terms.length; t++) {
    const h = high[t];
    const l = low[t];
    terms[t] = log(h / close[t]) * log(h / open[t]) + log(l / close[t]) * log(l / open[t]);
  }
  return rangeEstimator(terms, w, 1, out);
}

/**
 * (max high − min low over the last w bars) / close[t]: the window's full range in units of today's price.
 * First value at index w − 1.
 */
export function rangeRatio(high: Float64Array, low: Float64Array, close: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('rangeRatio', w);
  const o = outputFor(close.length, out);
  const top = new WindowExtreme(high, w, true);
  const bottom = new WindowExtreme(low, w, false);
  forEachJointRun([high, low, close], (start, end) => {
    top.reset();
    bottom.reset();
    for (let t = start; t < end; t++) {
      top.push(t);
      bottom.push(t);
      if (t - start >= w - 1) o[t] = finiteOr((high[top.index] - low[bottom.index]) / close[t]);
    }
  });
  return o;
}
