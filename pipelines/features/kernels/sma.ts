import { checkPeriod, forEachRun, outputFor } from './runs';

/**
 * Simple moving average, TA-Lib's running-sum form (add today, emit, drop the oldest) so the rounding of
 * long series agrees with talib.SMA. First value at index period−1; missing inputs follow runs.ts (any
 * missing value in the window makes it missing).
 */
export function sma(x: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('sma', period);
  const o = outputFor(x.length, out);
  forEachRun(x, (start, end) => {
    if (end - start < period) return;
    let total = 0;
    let i = start;
    for (; i < start + period - 1; i++) total += x[i];
    let trailing = start;
    for (; i < end; i++) {
      total += x[i];
      const windowTotal = total;
      total -= x[trailing++];
      o[i] = windowTotal / period;
    }
  });
  return o;
}

/**
 * Today's volume over the mean volume of the last `period` sessions including today:
 * v[t] / SMA(v, period)[t], with the SMA computed exactly as sma() (so it equals volume / talib.SMA).
 * NaN when every volume in the window is 0: the ratio is 0/0. That test counts non-zero volumes instead of
 * comparing the running sum with 0, because after large volumes leave the window the running sum of
 * fractional (split-adjusted) volumes can keep a rounding residue.
 */
export function volumeRatio(volume: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('volumeRatio', period);
  const o = outputFor(volume.length, out);
  forEachRun(volume, (start, end) => {
    if (end - start < period) return;
    let total = 0;
    let nonZero = 0;
    let i = start;
    for (; i < start + period - 1; i++) {
      total += volume[i];
      if (volume[i] !== 0) nonZero++;
    }
    let trailing = start;
    for (; i < end; i++) {
      total += volume[i];
      if (volume[i] !== 0) nonZero++;
      const mean = total / period;
      if (nonZero > 0) o[i] = volume[i] / mean;
      total -= volume[trailing];
      if (volume[trailing] !== 0) nonZero--;
      trailing++;
    }
  });
  return o;
}
