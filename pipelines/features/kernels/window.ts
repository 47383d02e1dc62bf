/**
 * Rolling-window primitives shared by the Alpha158-style kernels (rolling.ts, volatility.ts, volume.ts,
 * market.ts): running window moments with re-summation where cancellation would lose digits, a monotonic
 * deque for window extremes, rolling mean and standard deviation.
 *
 * Missing values follow runs.ts: a window must lie inside one maximal run of rows whose inputs are all
 * finite, so a window of `w` rows first fills at index w − 1 of a run. Every window's state is built from the
 * start of its run, so a kernel over `a, NaN, b` equals the kernel over `a` and over `b` apart, bit for bit.
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

