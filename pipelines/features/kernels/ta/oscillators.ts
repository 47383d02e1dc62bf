/**
 * Range oscillators in TA-Lib's conventions: Williams %R, the stochastic, CCI and the money flow index.
 */
import { checkPeriod, forEachJointRun, outputFor } from '../runs';
import { sma } from '../sma';
import { checkInputs, outputsFor } from './common';

const { abs } = Math;

/**
 * Lowest low and highest high of the window [today − span, today] of a clean run, maintained as TA-Lib does
 * (rescan only when the extreme leaves the window). Returns a stepper so the caller reads `lowest`/`highest`.
 */
function windowExtremes(high: Float64Array, low: Float64Array) {
  const w = { lowest: 0.0, highest: 0.0, lowestIdx: -1, highestIdx: -1 };
  return Object.assign(w, {
    reset(): void { w.lowestIdx = -1; w.highestIdx = -1; },
    step(today: number, trailing: number): void {
      let tmp = low[today];
      if (w.lowestIdx < trailing) {
        w.lowestIdx = trailing;
        w.lowest = low[trailing];
        for (let i = trailing + 1; i <= today; i++) {
          tmp = low[i];
          if (tmp < w.lowest) { w.lowestIdx = i; w.lowest = tmp; }
        }
      } else if (tmp <= w.lowest) {
        w.lowestIdx = today;
        w.lowest = tmp;
      }
      tmp = high[today];
      if (w.highestIdx < trailing) {
        w.highestIdx = trailing;
        w.highest = high[trailing];
        for (let i = trailing + 1; i <= today; i++) {
          tmp = high[i];
          if (tmp > w.highest) { w.highestIdx = i; w.highest = tmp; }
        }
      } else if (tmp >= w.highest) {
        w.highestIdx = today;
        w.highest = tmp;
      }
    },
  });
}

/**
 * Williams %R: −100 · (highest high − close)/(highest high − lowest low) over `period` bars including today,
 * computed as TA-Lib does ((H − C)/((H − L)/−100)). First value at index period−1. A window with H == L
 * gives 0 (TA-Lib's choice: the close is at the top of a zero range) rather than NaN.
 */
export function willr(high: Float64Array, low: Float64Array, close: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('willr', period, 2);
  const o = outputFor(checkInputs('willr', [high, low, close]), out);
  const w = windowExtremes(high, low);
  forEachJointRun([high, low, close], (start, end) => {
    w.reset();
    for (let today = start + period - 1, trailing = start; today < end; today++, trailing++) {
      w.step(today, trailing);
      const diff = (w.highest - w.lowest) / (-100.0);
      o[today] = diff !== 0.0 ? (w.highest - close[today]) / diff : 0.0;
    }
  });
  return o;
}

/**
 * The slow stochastic, TA-Lib STOCH with SMA smoothing: fast %K = 100 · (close − lowest low)/(highest high −
 * lowest low) over `fastK` bars, slow %K = SMA(fast %K, slowK), slow %D = SMA(slow %K, slowD). Both outputs
 * start at index (fastK−1) + (slowK−1) + (slowD−1), 17 for 14/3/3 (TA-Lib reports %K only from where %D
 * exists). A window with H == L gives a fast %K of 0, as in TA-Lib, not NaN or 50.
 * Returns the two buffers (the caller's, or new ones).
 */
export function stoch(
  high: Float64Array, low: Float64Array, close: Float64Array, fastK: number, slowK: number, slowD: number,
  kOut?: Float64Array, dOut?: Float64Array,
): { k: Float64Array; d: Float64Array } {
  checkPeriod('stoch fastK', fastK);
  checkPeriod('stoch slowK', slowK);
  checkPeriod('stoch slowD', slowD);
  const n = checkInputs('stoch', [high, low, close]);
  const [k, d] = outputsFor(n, [kOut, dOut]);
  const rawK = new Float64Array(n);
  const smoothK = new Float64Array(n);
  const w = windowExtremes(high, low);
  forEachJointRun([high, low, close], (start, end) => {
    const kFirst = start + fastK - 1;
    const beg = kFirst + (slowK - 1) + (slowD - 1);
    if (end <= beg) return;
    w.reset();
    for (let today = kFirst, trailing = start; today < end; today++, trailing++) {
      w.step(today, trailing);
      const diff = (w.highest - w.lowest) / 100.0;
      rawK[today] = diff !== 0.0 ? (close[today] - w.lowest) / diff : 0.0;
    }
    // sma() is TA-Lib's SMA step for step; on these all-finite spans it is exactly TA_MA(SMA).
    sma(rawK.subarray(kFirst, end), slowK, smoothK.subarray(kFirst, end));
    const dFirst = kFirst + slowK - 1;
    sma(smoothK.subarray(dFirst, end), slowD, d.subarray(dFirst, end));
    k.set(smoothK.subarray(beg, end), beg);
  });
  return { k, d };
}

/**
 * Commodity channel index: (TP − mean TP)/(0.015 · mean absolute deviation of TP) over `period` bars, TP =
 * (high + low + close)/3. First value at index period−1. TA-Lib sums the window in the order of its circular
 * buffer, not by date; this keeps that order so rounding agrees. When today's TP equals the mean, or the
 * mean deviation is exactly 0, the value is 0 (TA-Lib), not NaN. Those tests are exact, so a flat window is
 * 0 only when the mean of its equal TPs is exact (250): at 101.3 the mean misses by an ulp, and TA-Lib, hence
 * cci(), divides that ulp by 0.015 · (mean of the same ulps), giving 66.67 on every flat row.
 */
export function cci(high: Float64Array, low: Float64Array, close: Float64Array, period: number, out?: Float64Array): Float64Array {
  checkPeriod('cci', period, 2);
  const o = outputFor(checkInputs('cci', [high, low, close]), out);
  const ring = new Float64Array(period);
  forEachJointRun([high, low, close], (start, end) => {
    if (end - start < period) return;
    let slot = 0;
    let i = start;
    for (; i < start + period - 1; i++) ring[slot++] = (high[i] + low[i] + close[i]) / 3;
    for (; i < end; i++) {
      const last = (high[i] + low[i] + close[i]) / 3;
      ring[slot] = last;
      let average = 0.0;
      for (let j = 0; j < period; j++) average += ring[j];
      average /= period;
      let deviation = 0.0;
      for (let j = 0; j < period; j++) deviation += abs(ring[j] - average);
      const distance = last - average;
      o[i] = distance !== 0.0 && deviation !== 0.0 ? distance / (0.015 * (deviation / period)) : 0.0;
      slot = slot + 1 === period ? 0 : slot + 1;
    }
  });
  return o;
}

/**
 * Money flow index: 100 · positive flow/(positive + negative flow) over `period` bars, flow = TP · volume
 * signed by the change of TP = (high + low + close)/3 (an unchanged TP counts as neither). First value at
 * index `period`. TA-Lib's zero band here is absolute and large: when positive + negative flow is below 1.0
 * (no volume in the window, or a flat TP) the value is 0, not NaN. Scaling volume leaves the MFI unchanged
 * as long as the window's total flow stays on the same side of 1. The flow sums are running sums, so when
 * the last positive flow leaves the window the value can read −2e-13 rather than 0, exactly as TA-Lib's.
 */
export function mfi(
  high: Float64Array, low: Float64Array, close: Float64Array, volume: Float64Array, period: number, out?: Float64Array,
): Float64Array {
  checkPeriod('mfi', period, 2);
  const o = outputFor(checkInputs('mfi', [high, low, close, volume]), out);
  const pos = new Float64Array(period);
  const neg = new Float64Array(period);
  forEachJointRun([high, low, close, volume], (start, end) => {
    if (end - start <= period) return;
    let posSum = 0.0;
    let negSum = 0.0;
    let prevTp = (high[start] + low[start] + close[start]) / 3.0;
    let slot = 0;
    let today = start + 1;
    for (; today <= start + period; today++, slot++) {
      const tp = (high[today] + low[today] + close[today]) / 3.0;
      const change = tp - prevTp;
      prevTp = tp;
      const flow = tp * volume[today];
      pos[slot] = 0.0;
      neg[slot] = 0.0;
      if (change < 0) { neg[slot] = flow; negSum += flow; }
      else if (change > 0) { pos[slot] = flow; posSum += flow; }
    }
    slot = 0;
    let total = posSum + negSum;
    o[start + period] = total < 1.0 ? 0.0 : 100.0 * (posSum / total);
    for (; today < end; today++) {
      posSum -= pos[slot];
      negSum -= neg[slot];
      const tp = (high[today] + low[today] + close[today]) / 3.0;
      const change = tp - prevTp;
      prevTp = tp;
      const flow = tp * volume[today];
      pos[slot] = 0.0;
      neg[slot] = 0.0;
      if (change < 0) { neg[slot] = flow; negSum += flow; }
      else if (change > 0) { pos[slot] = flow; posSum += flow; }
      total = posSum + negSum;
      o[today] = total < 1.0 ? 0.0 : 100.0 * (posSum / total);
      slot = slot + 1 === period ? 0 : slot + 1;
    }
  });
  return o;
}
