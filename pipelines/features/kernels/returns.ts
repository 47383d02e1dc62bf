import { checkPeriod, forEachRun, outputFor } from './runs';

/**
 * Simple return over `k` rows: x[t] / x[t−k] − 1, the pandas `pct_change(k)` formula (TA-Lib's ROCP
 * computes (x[t] − x[t−k]) / x[t−k], which can differ in the last bit).
 *
 * First value at index k. Missing inputs follow runs.ts: every row of the window t−k..t must be present, so
 * a missing close makes that day's return and the next k days' missing. A zero base price gives NaN where
 * TA-Lib's ROC family writes 0: a return that cannot be computed is missing, not flat.
 */
export function pctChange(x: Float64Array, k: number, out?: Float64Array): Float64Array {
  checkPeriod('pctChange', k);
  const o = outputFor(x.length, out);
  forEachRun(x, (start, end) => {
    for (let t = start + k; t < end; t++) {
      const base = x[t - k];
      if (base !== 0) o[t] = x[t] / base - 1;
    }
  });
  return o;
}
