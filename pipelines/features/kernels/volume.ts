/**
 * Volume, turnover and liquidity over a trailing window (volumeRatio, today's volume over its SMA, is in
 * sma.ts). Volume is split-adjusted shares, turnover the traded value in yen (J-Quants TurnoverValue, not
 * affected by splits). Volume enters most kernels as ln(1 + volume), which is 0 for a day without trades,
 * where ln(volume) would be −∞; the spread of raw volume is dominated by a few heavy days.
 *
 * Missing values follow runs.ts. On a day without trades J-Quants reports volume 0 and turnover 0 with
 * missing prices, so a kernel that reads prices loses that row, while one that reads only volume counts it.
 */
import { checkPeriod, forEachJointRun, forEachRun, outputFor } from './runs';
import { finiteOr, forEachWindowCov, forEachWindowVar, rollingMean } from './rolling';

const { abs, log, log1p, sqrt } = Math;

/** ln(1 + v) per row; NaN for a missing or negative volume. */
function logVolume(volume: Float64Array): Float64Array {
  const y = new Float64Array(volume.length);
  for (let t = 0; t < y.length; t++) y[t] = volume[t] >= 0 ? log1p(volume[t]) : NaN;
  return y;
}

/**
 * z-score of today's ln(1 + volume) against the last w days including today, (y_t − mean) / std with the
 * population std (ddof 0, as latestZScore and TA-Lib STDDEV: the window is the whole population being
 * described, and |z| is then bounded by √(w − 1)). NaN when the window is constant (std 0).
 * First value at index w − 1; w >= 2.
 */
export function logVolumeZ(volume: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('logVolumeZ', w, 2);
  const o = outputFor(volume.length, out);
  const y = logVolume(volume);
  forEachRun(y, (start, end) => forEachWindowVar(y, w, start, end, (t, mean, ssd) => {
    if (ssd > 0) o[t] = (y[t] - mean) / sqrt(ssd / w);
  }));
  return o;
}

/** Mean turnover (yen) over the last w days. First value at index w − 1. */
export function meanTurnover(turnover: Float64Array, w: number, out?: Float64Array): Float64Array {
  return rollingMean(turnover, w, out);
}

/**
 * ln(1 + mean turnover over the last w days): the size-like liquidity level, 0 for a window without trades
 * (ln of the mean itself would be −∞ there). First value at index w − 1.
 */
export function logMeanTurnover(turnover: Float64Array, w: number, out?: Float64Array): Float64Array {
  const o = rollingMean(turnover, w, out);
  for (let t = 0; t < o.length; t++) o[t] = o[t] >= 0 ? log1p(o[t]) : NaN;
  return o;
}

/**
 * Amihud illiquidity: mean over the last w days of |r_t| / turnover_t × 1e9, with r_t the simple daily
 * return and turnover in yen, so the unit is "absolute return per ¥1bn traded" (a large cap trading ¥50bn a
 * day with 2% moves gives 4e-4, a small cap trading ¥20m gives ~1). Days with turnover 0 (no trades) are left
 * out of the mean rather than counted as infinite; a window without any traded day is NaN.
 * Rows need close and turnover (joint runs); first value at index w (w returns).
 */
export function amihud(close: Float64Array, turnover: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('amihud', w);
  const o = outputFor(close.length, out);
  /** The day's term, or NaN when the day does not count (no trades, zero previous close). */
  const term = (t: number): number => (turnover[t] > 0 ? finiteOr(abs(close[t] / close[t - 1] - 1) / turnover[t]) : NaN);
  forEachJointRun([close, turnover], (start, end) => {
    let total = 0;
    let days = 0;
    let sinceResum = 0;
    for (let t = start + 1; t < end; t++) {
      const v = term(t);
      if (v === v) {
        total += v;
        days++;
      }
      const first = t - w + 1;
      if (first <= start) continue;
      if (days > 0) o[t] = (total / days) * 1e9;
      const gone = term(first);
      if (gone === gone) days--;
      // Re-summed every w rows, so a dropped outlier leaves no residue for long; an empty window is exactly 0.
      if (days === 0) {
        total = 0;
      } else if (++sinceResum === w) {
        sinceResum = 0;
        total = 0;
        for (let i = first + 1; i <= t; i++) {
          const u = term(i);
          if (u === u) total += u;
        }
      } else if (gone === gone) {
        total -= gone;
      }
    }
  });
  return o;
}

/**
 * VWAP over close: (turnover / volume) / close. Turnover is unadjusted yen and volume split-adjusted shares,
 * so turnover / volume is the VWAP in adjusted price units, the same units as close. NaN when volume is 0.
 * Reads one row.
 */
export function vwapRatio(turnover: Float64Array, volume: Float64Array, close: Float64Array, out?: Float64Array): Float64Array {
  const o = outputFor(close.length, out);
  for (let t = 0; t < o.length; t++) {
    const v = volume[t];
    if (v > 0 && v < Infinity && turnover[t] - turnover[t] === 0 && close[t] - close[t] === 0) o[t] = finiteOr(turnover[t] / v / close[t]);
  }
  return o;
}

/**
 * Number of days with volume 0 among the last w days (a count, int32). Reads only volume: a no-trade day
 * usually has missing prices, and reading them would make the days being counted missing. First value at
 * index w − 1.
 */
export function zeroVolumeDays(volume: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('zeroVolumeDays', w);
  const o = outputFor(volume.length, out);
  forEachRun(volume, (start, end) => {
    let zeros = 0;
    for (let t = start; t < end; t++) {
      if (volume[t] === 0) zeros++;
      const first = t - w + 1;
      if (first < start) continue;
      o[t] = zeros;
      if (volume[first] === 0) zeros--;
    }
  });
  return o;
}

/**
 * Coefficient of variation of volume over the last w days: sample std (ddof 1, pandas' and Qlib's Std) /
 * mean. Qlib's VSTD divides the std by today's volume instead; dividing by the window's mean keeps the value
 * defined on a no-trade day and free of today's level (vol_ratio already carries that). 0 for a constant
 * non-zero window, NaN for a window of zeros. First value at index w − 1; w >= 2.
 */
export function volumeStdRatio(volume: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('volumeStdRatio', w, 2);
  const o = outputFor(volume.length, out);
  forEachRun(volume, (start, end) => forEachWindowVar(volume, w, start, end, (t, mean, ssd) => {
    if (ssd === 0) o[t] = volume[t] === 0 ? NaN : 0;
    else o[t] = finiteOr(sqrt(ssd / (w - 1)) / mean);
  }));
  return o;
}

/** Pearson correlation from co-moments, NaN when either side is constant; clamped to [−1, 1] against rounding. */
function correlation(sxx: number, syy: number, sxy: number): number {
  if (!(sxx > 0 && syy > 0)) return NaN;
  const r = sxy / sqrt(sxx * syy);
  return r > 1 ? 1 : r < -1 ? -1 : r;
}

/**
 * Qlib CORR: Pearson correlation of close and ln(1 + volume) over the last w days. NaN when either is
 * constant in the window. First value at index w − 1; w >= 2.
 */
export function corrCloseVolume(close: Float64Array, volume: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('corrCloseVolume', w, 2);
  const o = outputFor(close.length, out);
  const y = logVolume(volume);
  forEachJointRun([close, y], (start, end) => forEachWindowCov(close, y, w, start, end, (t, _mx, _my, sxx, syy, sxy) => {
    o[t] = correlation(sxx, syy, sxy);
  }));
  return o;
}

/**
 * Qlib CORD: Pearson correlation of the daily price change and the daily volume change over the last w
 * days, with the price change close[t]/close[t−1] (Qlib's; the same correlation as with the return) and the
 * volume change ln(1 + v_t) − ln(1 + v_{t−1}). Qlib uses ln(v_t / v_{t−1} + 1), which is +∞ after a no-trade
 * day and squeezes every fall of volume into (0, ln 2); the difference of logs is finite for any volume and
 * treats a doubling and a halving alike. Rows need close and volume (joint runs); first value at index w.
 */
export function corrReturnVolumeChange(close: Float64Array, volume: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('corrReturnVolumeChange', w, 2);
  const n = close.length;
  const o = outputFor(n, out);
  const x = new Float64Array(n).fill(NaN);
  const y = new Float64Array(n).fill(NaN);
  forEachJointRun([close, volume], (start, end) => {
    for (let t = start + 1; t < end; t++) {
      x[t] = finiteOr(close[t] / close[t - 1]);
      y[t] = log((1 + volume[t]) / (1 + volume[t - 1]));
    }
  });
  forEachJointRun([x, y], (start, end) => forEachWindowCov(x, y, w, start, end, (t, _mx, _my, sxx, syy, sxy) => {
    o[t] = correlation(sxx, syy, sxy);
  }));
  return o;
}
