/**
 * Rolling-window primitives shared by the Alpha158-style kernels (volatility.ts, volume.ts, market.ts), and
 * the kernels that place today's price inside its recent history (Qlib's RANK, QTLU/QTLD, MAX, MIN, RSV,
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

const { abs, floor, min, sqrt } = Math;

/** q if finite, else NaN: the guard on every division by a value that may be 0. */
export const finiteOr = (q: number): number => (q - q === 0 ? q : NaN);

// ---- primitives ----

/**
 * Monotonic deque over one run's rows: after push(i), `index` is the row of the maximum (or minimum) of
 * x[i − w + 1 .. i], amortised O(1) per row and no allocation after construction. Ties go to the most recent
 * row (an equal older value is dropped when the newer one arrives), so a flat window reports today.
 * Rows must be pushed in order; call reset() at the start of each run.
 */
export class WindowExtreme {
  private readonly ring: Int32Array;
  private head = 0;
  private size = 0;

  constructor(private readonly x: Float64Array, private readonly w: number, private readonly max: boolean) {
    this.ring = new Int32Array(w);
  }

  reset(): void {
    this.head = 0;
    this.size = 0;
  }

  push(i: number): void {
    const { x, ring, w } = this;
    // Only one row can leave per step: the pushed rows are consecutive.
    if (this.size > 0 && ring[this.head] <= i - w) {
      this.head = this.head + 1 === w ? 0 : this.head + 1;
      this.size--;
    }
    const v = x[i];
    while (this.size > 0) {
      let back = this.head + this.size - 1;
      if (back >= w) back -= w;
      if (this.max ? x[ring[back]] <= v : x[ring[back]] >= v) this.size--;
      else break;
    }
    let slot = this.head + this.size;
    if (slot >= w) slot -= w;
    ring[slot] = i;
    this.size++;
  }

  get index(): number {
    return this.ring[this.head];
  }
}

/**
 * When the running sums are summed afresh. Running sums lose digits in two ways, and each is detected when
 * it happens and repaired by re-summing the window (O(w), rare):
 * - a dropped value that dominated the sum (a listing day's volume, 1e5 times the next days') leaves a
 *   rounding residue of about 1e-16 of itself: re-sum when it exceeds DOMINANT times what remains;
 * - sums of squares taken around a K far from the window's values cancel in Σd² − (Σd)²/w: re-sum around
 *   the window's mean when the result is below CANCEL of Σd².
 * Besides, the sums are re-summed every w rows, so rounding never accumulates over a long run. Against
 * two-pass sums the relative error stays below ~1e-11 even on series built to break running sums (spikes of
 * 1e5 times the level, level shifts over 12 orders of magnitude: rolling.test.ts), far less on ordinary data.
 */
const DOMINANT = 1e3;
const CANCEL = 1e-3;

function meanOf(x: Float64Array, from: number, to: number): number {
  let total = 0;
  for (let i = from; i <= to; i++) total += x[i];
  return total / (to - from + 1);
}

/**
 * Mean and sum of squared deviations of x over every full window of `w` rows in [start, end) (the caller
 * makes x finite there): calls fn(t, mean, ssd) for t = start + w − 1 .. end − 1, with
 * ssd = Σ (x_i − mean)² (divide by w for the population variance, by w − 1 for the sample variance).
 *
 * Running sums of x − K, O(1) per row, re-summed as described at DOMINANT. A window whose values are all
 * equal reports ssd exactly 0 (counted, not left to rounding): the kernels treat a zero dispersion as a case
 * of its own (z-score, correlation undefined).
 */
export function forEachWindowVar(
  x: Float64Array, w: number, start: number, end: number, fn: (t: number, mean: number, ssd: number) => void,
): void {
  if (end - start < w) return;
  let k = x[start];
  let s1 = 0;
  let s2 = 0;
  // Pairs (i − 1, i) inside the window with x[i] === x[i − 1]: w − 1 of them means a constant window.
  let same = 0;
  let sinceResum = 0;
  for (let t = start; t < end; t++) {
    const d = x[t] - k;
    s1 += d;
    s2 += d * d;
    if (t > start && x[t] === x[t - 1]) same++;
    const first = t - w + 1;
    if (first < start) continue;
    let ssd = 0;
    if (same !== w - 1) {
      ssd = s2 - (s1 * s1) / w;
      if (ssd < CANCEL * s2) {
        k = meanOf(x, first, t);
        s1 = s2 = 0;
        for (let i = first; i <= t; i++) {
          const e = x[i] - k;
          s1 += e;
          s2 += e * e;
        }
        ssd = s2 - (s1 * s1) / w;
      }
      if (ssd < 0) ssd = 0;
    }
    fn(t, k + s1 / w, ssd);
    if (w === 1) {
      s1 = s2 = 0;
      continue;
    }
    if (x[first + 1] === x[first]) same--;
    const e = x[first] - k;
    const e2 = e * e;
    if (++sinceResum === w || e2 > DOMINANT * (s2 - e2)) {
      sinceResum = 0;
      k = meanOf(x, first + 1, t);
      s1 = s2 = 0;
      for (let i = first + 1; i <= t; i++) {
        const f = x[i] - k;
        s1 += f;
        s2 += f * f;
      }
    } else {
      s1 -= e;
      s2 -= e2;
    }
  }
}

/**
 * Means and co-moments of two aligned series over every full window of `w` rows in [start, end) (the caller
 * makes both finite there): fn(t, meanX, meanY, sxx, syy, sxy) with sxx = Σ (x − x̄)², syy likewise and
 * sxy = Σ (x − x̄)(y − ȳ). Same running sums and re-summing as forEachWindowVar (either series can trigger
 * it); sxx (syy) is exactly 0 when x (y) is constant in the window, and then sxy is 0 too.
 */
export function forEachWindowCov(
  x: Float64Array, y: Float64Array, w: number, start: number, end: number,
  fn: (t: number, meanX: number, meanY: number, sxx: number, syy: number, sxy: number) => void,
): void {
  if (end - start < w) return;
  let kx = x[start];
  let ky = y[start];
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let sameX = 0;
  let sameY = 0;
  let sinceResum = 0;
  /** Re-sums rows from..t around the means of those rows. */
  const resum = (from: number, t: number): void => {
    kx = meanOf(x, from, t);
    ky = meanOf(y, from, t);
    sx = sy = sxx = syy = sxy = 0;
    for (let i = from; i <= t; i++) {
      const ex = x[i] - kx;
      const ey = y[i] - ky;
      sx += ex;
      sy += ey;
      sxx += ex * ex;
      syy += ey * ey;
      sxy += ex * ey;
    }
  };
  for (let t = start; t < end; t++) {
    const dx = x[t] - kx;
    const dy = y[t] - ky;
    sx += dx;
    sy += dy;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
    if (t > start) {
      if (x[t] === x[t - 1]) sameX++;
      if (y[t] === y[t - 1]) sameY++;
    }
    const first = t - w + 1;
    if (first < start) continue;
    const flatX = sameX === w - 1;
    const flatY = sameY === w - 1;
    let vx = flatX ? 0 : sxx - (sx * sx) / w;
    let vy = flatY ? 0 : syy - (sy * sy) / w;
    if ((!flatX && vx < CANCEL * sxx) || (!flatY && vy < CANCEL * syy)) {
      resum(first, t);
      vx = flatX ? 0 : sxx - (sx * sx) / w;
      vy = flatY ? 0 : syy - (sy * sy) / w;
    }
    const cxy = flatX || flatY ? 0 : sxy - (sx * sy) / w;
    fn(t, kx + sx / w, ky + sy / w, vx > 0 ? vx : 0, vy > 0 ? vy : 0, cxy);
    if (w === 1) {
      sx = sy = sxx = syy = sxy = 0;
      continue;
    }
    if (x[first + 1] === x[first]) sameX--;
    if (y[first + 1] === y[first]) sameY--;
    const ex = x[first] - kx;
    const ey = y[first] - ky;
    const ex2 = ex * ex;
    const ey2 = ey * ey;
    if (++sinceResum === w || ex2 > DOMINANT * (sxx - ex2) || ey2 > DOMINANT * (syy - ey2)) {
      sinceResum = 0;
      resum(first + 1, t);
    } else {
      sx -= ex;
      sy -= ey;
      sxx -= ex2;
      syy -= ey2;
      sxy -= ex * ey;
    }
  }
}

/**
 * Mean of x over the last `w` rows: sma's running sum, re-summed every w rows and whenever a dropped value
 * dominated it (see DOMINANT). Exactly 0 when every value in the window is 0 (counted), which the volatility
 * kernels rely on for flat days. First value at index w − 1 of each run.
 */
export function rollingMean(x: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('rollingMean', w);
  const o = outputFor(x.length, out);
  forEachRun(x, (start, end) => {
    let total = 0;
    let nonZero = 0;
    let sinceResum = 0;
    for (let t = start; t < end; t++) {
      total += x[t];
      if (x[t] !== 0) nonZero++;
      const first = t - w + 1;
      if (first < start) continue;
      o[t] = nonZero === 0 ? 0 : total / w;
      const gone = x[first];
      if (gone !== 0) nonZero--;
      const rest = total - gone;
      if (nonZero === 0) {
        total = 0;
      } else if (++sinceResum >= w || abs(gone) > DOMINANT * abs(rest)) {
        sinceResum = 0;
        total = 0;
        for (let i = first + 1; i <= t; i++) total += x[i];
      } else {
        total = rest;
      }
    }
  });
  return o;
}

/** Standard deviation over the last `w` rows, population (ddof 0) or sample (ddof 1); 0 for a constant window. */
export function rollingStd(x: Float64Array, w: number, ddof: 0 | 1, out?: Float64Array): Float64Array {
  checkPeriod('rollingStd', w, 1 + ddof);
  const o = outputFor(x.length, out);
  const div = w - ddof;
  forEachRun(x, (start, end) => forEachWindowVar(x, w, start, end, (t, _mean, ssd) => { o[t] = sqrt(ssd / div); }));
  return o;
}

// ---- position in the window ----

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
