/**
 * The kernels that place today's price inside its recent history (Qlib's RANK, QTLU/QTLD, MAX, MIN, RSV,
 * IMAX, IMIN, the 52-week high/low distance).
 *
 * Missing values follow runs.ts: a window must lie inside one maximal run of rows whose inputs are all
 * finite, so a window of `w` rows first fills at index w − 1 of a run (w for kernels of daily returns, which
 * need the row before the window). Every window's state is built from the start of its run, so a kernel
 * over `a, NaN, b` equals the kernel over `a` and over `b` apart, bit for bit.
 *
 * A result that is not finite (a zero denominator) is missing, never 0 and never ±Infinity.
 */
import { checkPeriod, forEachJointRun, forEachRun, outputFor } from './runs';
import { finiteOr, WindowExtreme } from './window';

// The window primitives are imported from here by the other kernel modules and tests.
export * from './window';

const { floor, min } = Math;

/**
 * Percentile rank of today's value among the last `w` values including today, in [0, 1]:
 * (#{x_i < x_t} + ½·(#{x_i = x_t} − 1)) / (w − 1), i.e. (average rank − 1) / (w − 1).
 * Ties take the average rank (pandas rank(method='average')): a flat window is 0.5, a new strict high 1,
 * a new strict low 0, and the value does not depend on the order of equal prices. Qlib's RANK
 * (scipy percentileofscore / 100) is (#below + 1) / w for distinct values, in [1/w, 1], so its floor moves
 * with w; this one spans [0, 1] for every w. O(w) per row (w is 20 or 60). First value at index w − 1; w >= 2.
 */
export function rollingRank(x: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('rollingRank', w, 2);
  const o = outputFor(x.length, out);
  const scale = 1 / (w - 1);
  forEachRun(x, (start, end) => {
    for (let t = start + w - 1; t < end; t++) {
      const v = x[t];
      let below = 0;
      let equal = 0;
      for (let i = t - w + 1; i <= t; i++) {
        if (x[i] < v) below++;
        else if (x[i] === v) equal++;
      }
      o[t] = (below + 0.5 * (equal - 1)) * scale;
    }
  });
  return o;
}

/**
 * quantile_q(x over the last w rows) / x[t] (Qlib QTLU with q 0.8, QTLD with q 0.2). The quantile is numpy's
 * default (linear): sorted values v_0..v_{w−1}, h = (w − 1)·q, v_⌊h⌋ + (h − ⌊h⌋)·(v_⌊h⌋+1 − v_⌊h⌋).
 * Keeps the window sorted in a buffer (binary search, shift): O(w) per row, no allocation per row.
 * First value at index w − 1.
 */
export function rollingQuantileRatio(x: Float64Array, w: number, q: number, out?: Float64Array): Float64Array {
  checkPeriod('rollingQuantileRatio', w);
  if (!(q >= 0 && q <= 1)) throw new RangeError(`rollingQuantileRatio: q must be in [0, 1], got ${q}`);
  const o = outputFor(x.length, out);
  const sorted = new Float64Array(w);
  const h = (w - 1) * q;
  const lo = floor(h);
  const hi = min(lo + 1, w - 1);
  const frac = h - lo;
  /** First position in sorted[0, size) whose value is >= v. */
  const lowerBound = (size: number, v: number): number => {
    let a = 0;
    let b = size;
    while (a < b) {
      const m = (a + b) >> 1;
      if (sorted[m] < v) a = m + 1;
      else b = m;
    }
    return a;
  };
  forEachRun(x, (start, end) => {
    let size = 0;
    for (let t = start; t < end; t++) {
      const v = x[t];
      const at = lowerBound(size, v);
      sorted.copyWithin(at + 1, at, size);
      sorted[at] = v;
      size++;
      const first = t - w + 1;
      if (first < start) continue;
      const a = sorted[lo];
      o[t] = finiteOr((a + (sorted[hi] - a) * frac) / v);
      const gone = lowerBound(size, x[first]);
      sorted.copyWithin(gone, gone + 1, size);
      size--;
    }
  });
  return o;
}

/**
 * Shared body of the kernels of one window extreme and today's value: extreme = max (or min) of `ext` over
 * the last w rows, then value(extreme, cur[t]). Rows need both inputs (joint runs).
 */
function extremeKernel(
  name: string, ext: Float64Array, cur: Float64Array, w: number, max: boolean,
  value: (extreme: number, today: number) => number, out?: Float64Array,
): Float64Array {
  checkPeriod(name, w);
  const o = outputFor(ext.length, out);
  const window = new WindowExtreme(ext, w, max);
  forEachJointRun([ext, cur], (start, end) => {
    window.reset();
    for (let t = start; t < end; t++) {
      window.push(t);
      if (t - start >= w - 1) o[t] = finiteOr(value(ext[window.index], cur[t]));
    }
  });
  return o;
}

/** max(high over the last w rows) / close (Qlib MAX). First value at index w − 1. */
export const maxRatio = (high: Float64Array, close: Float64Array, w: number, out?: Float64Array): Float64Array =>
  extremeKernel('maxRatio', high, close, w, true, (hi, c) => hi / c, out);

/** min(low over the last w rows) / close (Qlib MIN). First value at index w − 1. */
export const minRatio = (low: Float64Array, close: Float64Array, w: number, out?: Float64Array): Float64Array =>
  extremeKernel('minRatio', low, close, w, false, (lo, c) => lo / c, out);

/** close / max(high over the last w rows) − 1, <= 0 on consistent bars (w 250: distance to the 52-week high). */
export const closeToHigh = (close: Float64Array, high: Float64Array, w: number, out?: Float64Array): Float64Array =>
  extremeKernel('closeToHigh', high, close, w, true, (hi, c) => c / hi - 1, out);

/** close / min(low over the last w rows) − 1, >= 0 on consistent bars (w 250: distance to the 52-week low). */
export const closeToLow = (close: Float64Array, low: Float64Array, w: number, out?: Float64Array): Float64Array =>
  extremeKernel('closeToLow', low, close, w, false, (lo, c) => c / lo - 1, out);

/**
 * Raw stochastic value (Qlib RSV): (close − min low) / (max high − min low) over the last w rows, in [0, 1] on
 * consistent bars. NaN when the range is 0 (every bar in the window at one price): Qlib adds 1e-12 to the
 * denominator and so writes 0 there, which would read as "closed at the low". First value at index w − 1.
 */
export function rsv(high: Float64Array, low: Float64Array, close: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('rsv', w);
  const o = outputFor(close.length, out);
  const top = new WindowExtreme(high, w, true);
  const bottom = new WindowExtreme(low, w, false);
  forEachJointRun([high, low, close], (start, end) => {
    top.reset();
    bottom.reset();
    for (let t = start; t < end; t++) {
      top.push(t);
      bottom.push(t);
      if (t - start < w - 1) continue;
      const lo = low[bottom.index];
      const range = high[top.index] - lo;
      if (range > 0) o[t] = (close[t] - lo) / range;
    }
  });
  return o;
}

function argExtreme(name: string, x: Float64Array, w: number, max: boolean, out?: Float64Array): Float64Array {
  checkPeriod(name, w);
  const o = outputFor(x.length, out);
  const window = new WindowExtreme(x, w, max);
  forEachRun(x, (start, end) => {
    window.reset();
    for (let t = start; t < end; t++) {
      window.push(t);
      if (t - start >= w - 1) o[t] = (w - (t - window.index)) / w;
    }
  });
  return o;
}

/**
 * Qlib IMAX: (1-based position of the window's maximum counted from its oldest row) / w = 1 − d/w, where d is
 * the number of days since the high (0 = today). 1 when today is the w-day high, 1/w when the high is the
 * window's oldest row. Ties go to the most recent row, where Qlib (numpy argmax) takes the oldest: "how long
 * since the price was last this high" is the question the feature asks, and a flat window then reads 1
 * (at the high today), not 1/w. First value at index w − 1 (Qlib emits partial windows; we do not).
 */
export const imax = (high: Float64Array, w: number, out?: Float64Array): Float64Array => argExtreme('imax', high, w, true, out);

/** Qlib IMIN, as imax for the minimum of `low` (most recent row on ties). */
export const imin = (low: Float64Array, w: number, out?: Float64Array): Float64Array => argExtreme('imin', low, w, false, out);
