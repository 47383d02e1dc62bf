/**
 * The price path without window statistics: the shape of one daily bar (Qlib Alpha158's KBAR group), the
 * overnight gap, and the trend ratios (momentum, distance to SMAs) at the end of the file.
 *
 * Each bar value reads only its own row: NaN when any of open, high, low, close is missing (runs.ts with a
 * window of one row), and NaN when the result is not finite (a zero open). Body and shadows are measured
 * against the open, as Qlib does, so they are returns-like and scale-free:
 *
 *   kmid  = (C − O) / O            kmid2 = (C − O) / (H − L)
 *   klen  = (H − L) / O
 *   kup   = (H − max(O, C)) / O    kup2  = (H − max(O, C)) / (H − L)
 *   klow  = (min(O, C) − L) / O    klow2 = (min(O, C) − L) / (H − L)
 *   ksft  = (2C − H − L) / O       ksft2 = (2C − H − L) / (H − L)
 *
 * kup + klow + |kmid| = klen on every bar (upper shadow + lower shadow + body = range).
 *
 * The …2 variants divide by the range and are NaN when H = L (a one-price day, typically a stock locked at
 * its daily limit). Qlib adds 1e-12 to the denominator and writes 0 there instead, which reads as "closed
 * mid-range" for ksft2 and "no shadow" for kup2, neither of which the day shows; 1e-12 is also in price
 * units, so Qlib's value for a near-flat bar would depend on the price level. A missing value says what is
 * known: the day has no range to place the close in.
 */
import { finiteOr } from './rolling';
import { checkPeriod, forEachRun, outputFor } from './runs';
import { sma } from './sma';

const { max, min } = Math;

/** f(o, h, l, c) for each row, NaN unless all four are finite and the result is too. */
function barKernel(
  open: Float64Array, high: Float64Array, low: Float64Array, close: Float64Array,
  f: (o: number, h: number, l: number, c: number) => number, out?: Float64Array,
): Float64Array {
  const n = close.length;
  if (open.length !== n || high.length !== n || low.length !== n) throw new RangeError('candle: open, high, low and close differ in length');
  const o = outputFor(n, out);
  for (let t = 0; t < n; t++) {
    // NaN or ±Infinity anywhere in the row propagates to v (∞ − ∞ or ∞/∞ or ∞ itself), and is then missing.
    const v = f(open[t], high[t], low[t], close[t]);
    if (v - v === 0 && open[t] - open[t] === 0 && high[t] - high[t] === 0 && low[t] - low[t] === 0 && close[t] - close[t] === 0) o[t] = v;
  }
  return o;
}

type Bar = (open: Float64Array, high: Float64Array, low: Float64Array, close: Float64Array, out?: Float64Array) => Float64Array;

/** Body over the open: (C − O) / O. */
export const kmid: Bar = (o, h, l, c, out) => barKernel(o, h, l, c, (O, _H, _L, C) => (C - O) / O, out);
/** Range over the open: (H − L) / O. */
export const klen: Bar = (o, h, l, c, out) => barKernel(o, h, l, c, (O, H, L) => (H - L) / O, out);
/** Body over the range: (C − O) / (H − L); NaN when H = L. */
export const kmid2: Bar = (o, h, l, c, out) => barKernel(o, h, l, c, (O, H, L, C) => (C - O) / (H - L), out);
/** Upper shadow over the open: (H − max(O, C)) / O. */
export const kup: Bar = (o, h, l, c, out) => barKernel(o, h, l, c, (O, H, _L, C) => (H - max(O, C)) / O, out);
/** Upper shadow over the range; NaN when H = L. */
export const kup2: Bar = (o, h, l, c, out) => barKernel(o, h, l, c, (O, H, L, C) => (H - max(O, C)) / (H - L), out);
/** Lower shadow over the open: (min(O, C) − L) / O. */
export const klow: Bar = (o, h, l, c, out) => barKernel(o, h, l, c, (O, _H, L, C) => (min(O, C) - L) / O, out);
/** Lower shadow over the range; NaN when H = L. */
export const klow2: Bar = (o, h, l, c, out) => barKernel(o, h, l, c, (O, H, L, C) => (min(O, C) - L) / (H - L), out);
/**
 * Close relative to the bar's midpoint, over the open: (2C − H − L) / O, evaluated as ((C − L) − (H − C)) / O.
 * That order keeps |numerator| <= H − L after rounding too, so ksft2 never leaves [−1, 1] by an ulp.
 */
export const ksft: Bar = (o, h, l, c, out) => barKernel(o, h, l, c, (O, H, L, C) => (C - L - (H - C)) / O, out);
/** Close relative to the midpoint, over the range: (2C − H − L) / (H − L) in [−1, 1]; NaN when H = L. */
export const ksft2: Bar = (o, h, l, c, out) => barKernel(o, h, l, c, (_O, H, L, C) => (C - L - (H - C)) / (H - L), out);

/**
 * Overnight gap: open[t] / close[t − 1] − 1. Reads two rows, both of which must be complete (runs.ts over
 * open and close jointly: a missing open yesterday also blanks today). First value at index 1; a zero
 * previous close is NaN.
 */
export function gapOpen(open: Float64Array, close: Float64Array, out?: Float64Array): Float64Array {
  const n = close.length;
  if (open.length !== n) throw new RangeError('gapOpen: open and close differ in length');
  const o = outputFor(n, out);
  let prevOk = false;
  for (let t = 0; t < n; t++) {
    const ok = open[t] - open[t] === 0 && close[t] - close[t] === 0;
    if (ok && prevOk) {
      const v = open[t] / close[t - 1] - 1;
      if (v - v === 0) o[t] = v;
    }
    prevOk = ok;
  }
  return o;
}

// ---- trend ----

/**
 * Momentum skipping the latest month: close[t − skip] / close[t − long] − 1 (12-1 momentum with long 250,
 * skip 20). 250 sessions is the TSE year used by the 52-week features (about 245 sessions a year, rounded
 * as is usual); skipping 20 sessions (one month) leaves out the short-term reversal that would otherwise
 * dilute the trend. skip 0 is pctChange(close, long). Simple, not log, returns, like returns_Nd.
 *
 * First value at index `long`; the whole span t − long .. t must be one run (close[t] too, though it is not
 * used: a missing value makes its row missing, runs.ts). A zero base is NaN.
 */
export function momentum(close: Float64Array, long: number, skip: number, out?: Float64Array): Float64Array {
  checkPeriod('momentum', long);
  checkPeriod('momentum skip', skip, 0);
  if (skip >= long) throw new RangeError(`momentum: skip (${skip}) must be less than long (${long})`);
  const o = outputFor(close.length, out);
  forEachRun(close, (start, end) => {
    for (let t = start + long; t < end; t++) o[t] = finiteOr(close[t - skip] / close[t - long] - 1);
  });
  return o;
}

/** close / SMA(close, w) − 1, the SMA exactly as sma.ts (TA-Lib). First value at index w − 1. */
export function closeToSma(close: Float64Array, w: number, out?: Float64Array): Float64Array {
  const o = sma(close, w, out);
  for (let t = 0; t < o.length; t++) if (o[t] === o[t]) o[t] = finiteOr(close[t] / o[t] - 1);
  return o;
}

/** SMA(close, fast) / SMA(close, slow) − 1, both as sma.ts. First value at index max(fast, slow) − 1. */
export function smaRatio(close: Float64Array, fast: number, slow: number, out?: Float64Array): Float64Array {
  const f = sma(close, fast);
  const o = sma(close, slow, out);
  for (let t = 0; t < o.length; t++) o[t] = f[t] === f[t] && o[t] === o[t] ? finiteOr(f[t] / o[t] - 1) : NaN;
  return o;
}
