/**
 * Split back-adjustment over one ticker's columns in date order (J-Quants definitions: AdjustmentFactor is set
 * on the ex-date, 0.5 for a 1:2 split and 5 for a 5:1 reverse split, 1 otherwise).
 *
 * Everything goes through the cumulative factor C[t] = product of factors with ex-date <= t: it only looks
 * backwards, so it never changes once written and can be stored with each partition. The as-of view is then a
 * ratio, raw × C[asOf] / C[t], instead of a suffix product that has to be recomputed whenever a split appears.
 */

export interface SplitSeries {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
  /** AdjustmentFactor per row; NaN (unknown) counts as 1. */
  factor: Float64Array;
  /** cumulativeFactors(factor), when already stored: saves recomputing it. */
  cumFactor?: Float64Array;
}

export interface AdjustedSeries {
  cumFactor: Float64Array;
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}

/**
 * A missing factor cannot be a split J-Quants knows of (it sets 1 on every other day), so it counts as 1 rather
 * than poisoning every later product with NaN. Zero, negative or infinite factors are corrupt data: the contract
 * says gt 0, and silently using them would turn whole histories into 0 or Infinity.
 */
export function factorValue(f: number, where: number): number {
  if (f !== f) return 1;
  // f - f is NaN only for ±Infinity here; no global `Infinity` lookup, which jest's global proxy makes slow.
  if (!(f > 0) || f - f !== 0) throw new RangeError(`adjustment factor at row ${where} must be a positive finite number, got ${f}`);
  return f;
}

/**
 * C[t] = carry × product of factors[0..t]. `carry` is the last stored C of the previous partition, so a new
 * partition continues the stored series instead of restarting at 1.
 */
export function cumulativeFactors(factors: Float64Array, carry = 1): Float64Array {
  const out = new Float64Array(factors.length);
  let c = factorValue(carry, -1);
  for (let t = 0; t < factors.length; t++) {
    c *= factorValue(factors[t], t);
    out[t] = c;
  }
  return out;
}

function checkLengths(series: SplitSeries): number {
  const n = series.close.length;
  const cols: Array<[string, Float64Array | undefined]> = [
    ['open', series.open], ['high', series.high], ['low', series.low], ['volume', series.volume], ['factor', series.factor],
    ['cumFactor', series.cumFactor],
  ];
  for (const [name, col] of cols) {
    if (col && col.length !== n) throw new RangeError(`backAdjust: ${name} has ${col.length} rows, close has ${n}`);
  }
  return n;
}

export function checkAsOf(asOfIndex: number, n: number): void {
  if (n === 0 && asOfIndex === -1) return;
  if (!Number.isInteger(asOfIndex) || asOfIndex < 0 || asOfIndex >= n) {
    throw new RangeError(`asOfIndex must be an integer in 0..${n - 1}, got ${asOfIndex}`);
  }
}

/**
 * Prices × C[asOf]/C[t], volume × C[t]/C[asOf]: the series as J-Quants' Adjustment* columns would show it on the
 * as-of row's date (unrounded). Rows after asOfIndex come out in the as-of row's share units too (the same ratio,
 * now below 1 for a later split): nothing about them leaks into rows up to asOf, and returns stay consistent
 * across the whole series. NaN stays NaN; nothing is filled.
 */
export function backAdjust(series: SplitSeries, asOfIndex?: number): AdjustedSeries {
  const n = checkLengths(series);
  const a = asOfIndex ?? n - 1;
  checkAsOf(a, n);
  const cum = series.cumFactor ?? cumulativeFactors(series.factor);
  const open = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  const ca = n > 0 ? cum[a] : 1;
  const { open: o, high: h, low: l, close: c, volume: v } = series;
  for (let t = 0; t < n; t++) {
    const ct = cum[t];
    // ca / ct is exactly 1 after the last split, so those rows keep their raw values bit for bit.
    const m = ca / ct;
    open[t] = o[t] * m;
    high[t] = h[t] * m;
    low[t] = l[t] * m;
    close[t] = c[t] * m;
    volume[t] = v[t] * (ct / ca);
  }
  return { cumFactor: cum, open, high, low, close, volume };
}
