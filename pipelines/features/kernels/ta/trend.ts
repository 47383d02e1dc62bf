/**
 * Trend strength in TA-Lib's conventions: Wilder's directional movement family (+DI, −DI, DX, ADX, ADXR)
 * in one pass, and Aroon.
 */
import { checkPeriod, forEachJointRun, outputFor } from '../runs';
import { checkInputs, outputsFor, TA_EPSILON } from './common';

const { abs } = Math;
const EPS = TA_EPSILON;

interface DirectionalOutputs {
  plusDi?: Float64Array;
  minusDi?: Float64Array;
  dx?: Float64Array;
  adx?: Float64Array;
  adxr?: Float64Array;
}

const isZero = (v: number): boolean => v > -EPS && v < EPS;

/** Writes the requested outputs (already NaN-filled); ADXR reads ADX `period − 1` rows back. */
function directional(high: Float64Array, low: Float64Array, close: Float64Array, period: number, outs: DirectionalOutputs): void {
  const { plusDi, minusDi, dx } = outs;
  const adx = outs.adx ?? (outs.adxr ? new Float64Array(high.length) : undefined);
  const adxr = outs.adxr;
  const keep = period - 1;
  forEachJointRun([high, low, close], (start, end) => {
    if (end - start <= period) return;
    let prevHigh = high[start];
    let prevLow = low[start];
    let prevClose = close[start];
    let plusDm = 0.0;
    let minusDm = 0.0;
    let tr = 0.0;
    let sumDx = 0.0;
    let adxValue = 0.0;
    let lastDx = 0.0;
    const adxFirst = start + 2 * period - 1;
    const adxrFirst = adxFirst + keep;
    for (let today = start + 1; today < end; today++) {
      const h = high[today];
      const l = low[today];
      const diffP = h - prevHigh;
      const diffM = prevLow - l;
      prevHigh = h;
      prevLow = l;
      let range = h - l;
      const toHigh = abs(h - prevClose);
      if (toHigh > range) range = toHigh;
      const toLow = abs(l - prevClose);
      if (toLow > range) range = toLow;
      prevClose = close[today];
      if (today < start + period) {
        if (diffM > 0 && diffP < diffM) minusDm += diffM;
        else if (diffP > 0 && diffP > diffM) plusDm += diffP;
        tr += range;
        continue;
      }
      // The operation order mirrors TA-Lib's so rounding agrees.
      minusDm -= minusDm / period;
      plusDm -= plusDm / period;
      if (diffM > 0 && diffP < diffM) minusDm += diffM;
      else if (diffP > 0 && diffP > diffM) plusDm += diffP;
      tr = tr - (tr / period) + range;

      let minus = 0.0;
      let plus = 0.0;
      let dxValue = 0.0;
      let defined = false;
      if (!isZero(tr)) {
        minus = 100.0 * (minusDm / tr);
        plus = 100.0 * (plusDm / tr);
        const total = minus + plus;
        if (!isZero(total)) {
          dxValue = 100.0 * (abs(minus - plus) / total);
          defined = true;
        }
      }
      if (plusDi) plusDi[today] = plus;
      if (minusDi) minusDi[today] = minus;
      if (dx) {
        // TA-Lib's DX repeats its previous value when it is undefined (0 on the first row).
        if (defined) lastDx = dxValue;
        dx[today] = lastDx;
      }
      if (!adx) continue;
      if (today < adxFirst) {
        if (defined) sumDx += dxValue;
        continue;
      }
      if (today === adxFirst) {
        if (defined) sumDx += dxValue;
        adxValue = sumDx / period;
      } else if (defined) {
        // ADX, unlike DX, skips an undefined DX rather than repeating the last one.
        adxValue = ((adxValue * keep) + dxValue) / period;
      }
      adx[today] = adxValue;
      if (adxr && today >= adxrFirst) adxr[today] = (adxValue + adx[today - keep]) / 2.0;
    }
  });
}

/**
 * Wilder's directional movement family as TA-Lib computes it, in one pass (TA-Lib's own functions each
 * recompute the shared smoothing): +DM/−DM and the true range are summed over bars 1..period−1 and then
 * Wilder-smoothed (x − x/period + today's), and
 * - +DI = 100·(+DM/TR), −DI = 100·(−DM/TR), first at index `period`; 0 when TR is inside TA-Lib's 1e-14
 *   zero band (a flat run);
 * - DX = 100·|+DI − −DI|/(+DI + −DI), first at index `period`; where it is undefined (TR or +DI + −DI in the
 *   zero band) TA-Lib repeats the previous DX (0 on the first row);
 * - ADX: the mean of the first `period` DX values, at index 2·period−1, then (prev·(period−1) + DX)/period;
 *   an undefined DX is skipped (TA-Lib adds nothing to the seed sum and keeps the previous ADX);
 * - ADXR = (ADX[t] + ADX[t−(period−1)])/2, first at index 3·period−2.
 * A "down move" counts only when it exceeds the up move, and vice versa; ties count as neither.
 * Returns the five buffers (the caller's, or new ones).
 */
export function dmi(
  high: Float64Array, low: Float64Array, close: Float64Array, period: number,
  plusDiOut?: Float64Array, minusDiOut?: Float64Array, dxOut?: Float64Array, adxOut?: Float64Array, adxrOut?: Float64Array,
): { plusDi: Float64Array; minusDi: Float64Array; dx: Float64Array; adx: Float64Array; adxr: Float64Array } {
  checkPeriod('dmi', period, 2);
  const n = checkInputs('dmi', [high, low, close]);
  const [plusDi, minusDi, dx, adx, adxr] = outputsFor(n, [plusDiOut, minusDiOut, dxOut, adxOut, adxrOut]);
  directional(high, low, close, period, { plusDi, minusDi, dx, adx, adxr });
  return { plusDi, minusDi, dx, adx, adxr };
}

const single = (name: string, key: keyof DirectionalOutputs) =>
  (high: Float64Array, low: Float64Array, close: Float64Array, period: number, out?: Float64Array): Float64Array => {
    checkPeriod(name, period, 2);
    const o = outputFor(checkInputs(name, [high, low, close]), out);
    directional(high, low, close, period, { [key]: o });
    return o;
  };

/** ADX alone (see dmi): first value at index 2·period−1. */
export const adx = single('adx', 'adx');
/** ADXR alone (see dmi): first value at index 3·period−2. */
export const adxr = single('adxr', 'adxr');
/** DX alone (see dmi): first value at index `period`. */
export const dx = single('dx', 'dx');
/** +DI alone (see dmi): first value at index `period`. */
export const plusDi = single('plusDi', 'plusDi');
/** −DI alone (see dmi): first value at index `period`. */
export const minusDi = single('minusDi', 'minusDi');

/**
 * Aroon over the last period+1 bars (today and `period` before it): up = 100·(period − bars since the
 * highest high)/period, down likewise for the lowest low, osc = 100·(index of high − index of low)/period
 * (TA-Lib's AROONOSC formula, which can differ from up − down in the last bit). Ties go to the most recent
 * bar, as in TA-Lib. First values at index `period`.
 * Returns the three buffers (the caller's, or new ones).
 */
export function aroon(
  high: Float64Array, low: Float64Array, period: number, upOut?: Float64Array, downOut?: Float64Array, oscOut?: Float64Array,
): { up: Float64Array; down: Float64Array; osc: Float64Array } {
  checkPeriod('aroon', period, 2);
  const n = checkInputs('aroon', [high, low]);
  const [up, down, osc] = outputsFor(n, [upOut, downOut, oscOut]);
  const factor = 100.0 / period;
  forEachJointRun([high, low], (start, end) => {
    let lowestIdx = -1;
    let highestIdx = -1;
    let lowest = 0.0;
    let highest = 0.0;
    for (let today = start + period, trailing = start; today < end; today++, trailing++) {
      let tmp = low[today];
      if (lowestIdx < trailing) {
        lowestIdx = trailing;
        lowest = low[trailing];
        for (let i = trailing + 1; i <= today; i++) {
          tmp = low[i];
          if (tmp <= lowest) { lowestIdx = i; lowest = tmp; }
        }
      } else if (tmp <= lowest) {
        lowestIdx = today;
        lowest = tmp;
      }
      tmp = high[today];
      if (highestIdx < trailing) {
        highestIdx = trailing;
        highest = high[trailing];
        for (let i = trailing + 1; i <= today; i++) {
          tmp = high[i];
          if (tmp >= highest) { highestIdx = i; highest = tmp; }
        }
      } else if (tmp >= highest) {
        highestIdx = today;
        highest = tmp;
      }
      up[today] = factor * (period - (today - highestIdx));
      down[today] = factor * (period - (today - lowestIdx));
      osc[today] = factor * (highestIdx - lowestIdx);
    }
  });
  return { up, down, osc };
}

/** The Aroon oscillator alone (see aroon). */
export function aroonosc(high: Float64Array, low: Float64Array, period: number, out?: Float64Array): Float64Array {
  const o = outputFor(high.length, out);
  aroon(high, low, period, undefined, undefined, o);
  return o;
}
