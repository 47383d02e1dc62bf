import { checkPeriod, forEachRun, outputFor } from './runs';

/** TA-Lib's TA_IS_ZERO band (TA_EPSILON of the TA-Lib our oracle is built from): a gain+loss sum inside (−1e-14, 1e-14) counts as zero. */
const TA_ZERO = 1e-14;

/**
 * Wilder's RSI with TA-Lib's conventions (default compatibility, no unstable period), so values match
 * talib.RSI to the last bit on clean data:
 * - the first value is at index `period`: average gain and loss are the simple means of the first
 *   `period` changes; after that each is smoothed as (prev·(period−1) + today) / period;
 * - RSI = 100 · (avgGain / (avgGain + avgLoss)); a zero change counts as a gain of 0;
 * - when avgGain + avgLoss is zero within TA-Lib's 1e-14 band (a flat series) the value is 0, not 50 or NaN.
 *   That band is absolute, so prices whose daily moves are below ~1e-14 read as flat.
 *
 * Missing inputs follow runs.ts: the average restarts after a gap and needs `period` fresh changes.
 * Wilder smoothing never forgets its seed completely: values depend (with weight ((period−1)/period)^k)
 * on where the run began, so a daily increment needs a long lookback to reproduce full-history values.
 */
export function rsi(x: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('rsi', period, 2);
  const o = outputFor(x.length, out);
  const keep = period - 1;
  forEachRun(x, (start, end) => {
    if (end - start <= period) return;
    let gain = 0;
    let loss = 0;
    let prev = x[start];
    let t = start + 1;
    for (; t <= start + period; t++) {
      const change = x[t] - prev;
      prev = x[t];
      // The operation order below mirrors TA-Lib's so rounding agrees.
      if (change < 0) loss -= change;
      else gain += change;
    }
    loss /= period;
    gain /= period;
    let sum = gain + loss;
    o[start + period] = sum > -TA_ZERO && sum < TA_ZERO ? 0 : 100 * (gain / sum);
    for (; t < end; t++) {
      const change = x[t] - prev;
      prev = x[t];
      loss *= keep;
      gain *= keep;
      if (change < 0) loss -= change;
      else gain += change;
      loss /= period;
      gain /= period;
      sum = gain + loss;
      o[t] = sum > -TA_ZERO && sum < TA_ZERO ? 0 : 100 * (gain / sum);
    }
  });
  return o;
}
