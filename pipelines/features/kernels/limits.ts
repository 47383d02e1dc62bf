/**
 * Daily price-limit flags (J-Quants UpperLimit / LowerLimit: 1 when the stock touched its limit that day,
 * else 0; NaN when unknown). A flag is a fact about the day, so any non-zero value reads as 1.
 */
import { checkPeriod, forEachRun, outputFor } from './runs';

/** The flag as 0/1; NaN (or ±Infinity) is missing, never 0. Reads one row. */
export function flag(x: Float64Array, out?: Float64Array): Float64Array {
  const o = outputFor(x.length, out);
  for (let t = 0; t < x.length; t++) {
    const v = x[t];
    if (v - v === 0) o[t] = v === 0 ? 0 : 1;
  }
  return o;
}

/**
 * Number of flagged days (non-zero values) among the last w rows, including today. A missing flag restarts
 * the count (runs.ts): an unknown day could have been a limit day. First value at index w − 1.
 */
export function flagCount(x: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('flagCount', w);
  const o = outputFor(x.length, out);
  forEachRun(x, (start, end) => {
    let count = 0;
    for (let t = start; t < end; t++) {
      if (x[t] !== 0) count++;
      const first = t - w + 1;
      if (first < start) continue;
      o[t] = count;
      if (x[first] !== 0) count--;
    }
  });
  return o;
}
