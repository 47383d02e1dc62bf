/**
 * Volume accumulators in TA-Lib's conventions: OBV, the Chaikin accumulation/distribution line and the
 * Chaikin A/D oscillator. Their level depends on where the run began (they are running sums), so a gap
 * restarts them from scratch, as runs.ts prescribes: compare them within a run, not across runs.
 */
import { checkPeriod, forEachJointRun, outputFor } from '../runs';
import { checkInputs, perToK } from './common';

/**
 * On-balance volume: starts at the first bar's volume (TA-Lib, not 0), then adds today's volume on an up
 * close, subtracts it on a down close and carries it on an unchanged close. No warm-up.
 */
export function obv(close: Float64Array, volume: Float64Array, out?: Float64Array): Float64Array {
  const o = outputFor(checkInputs('obv', [close, volume]), out);
  forEachJointRun([close, volume], (start, end) => {
    let level = volume[start];
    let prev = close[start];
    for (let i = start; i < end; i++) {
      const c = close[i];
      if (c > prev) level += volume[i];
      else if (c < prev) level -= volume[i];
      o[i] = level;
      prev = c;
    }
  });
  return o;
}

/** Adds bar i's money flow volume ((C − L) − (H − C))/(H − L) · V to `ad`; a bar with H <= L adds nothing. */
function adStep(high: Float64Array, low: Float64Array, close: Float64Array, volume: Float64Array, i: number, ad: number): number {
  const h = high[i];
  const l = low[i];
  const range = h - l;
  const c = close[i];
  return range > 0.0 ? ad + (((c - l) - (h - c)) / range) * volume[i] : ad;
}

/**
 * Chaikin accumulation/distribution line: the running sum of ((C − L) − (H − C))/(H − L) · V from 0 at the
 * start of the run. No warm-up. A bar with high == low adds nothing (TA-Lib), it is not NaN.
 */
export function ad(high: Float64Array, low: Float64Array, close: Float64Array, volume: Float64Array, out?: Float64Array): Float64Array {
  const o = outputFor(checkInputs('ad', [high, low, close, volume]), out);
  forEachJointRun([high, low, close, volume], (start, end) => {
    let line = 0.0;
    for (let i = start; i < end; i++) {
      line = adStep(high, low, close, volume, i, line);
      o[i] = line;
    }
  });
  return o;
}

/**
 * Chaikin A/D oscillator: EMA(fast) − EMA(slow) of the A/D line, TA-Lib's way, which differs from ema():
 * both EMAs are seeded with the first A/D value (not a simple mean) and step as k·AD + (1 − k)·EMA. The
 * first value is at index max(fast, slow) − 1 (9 for 3/10), though the seed's weight decays only as
 * (1 − k)^t.
 */
export function adosc(
  high: Float64Array, low: Float64Array, close: Float64Array, volume: Float64Array, fastPeriod: number, slowPeriod: number, out?: Float64Array,
): Float64Array {
  checkPeriod('adosc fast', fastPeriod, 2);
  checkPeriod('adosc slow', slowPeriod, 2);
  const o = outputFor(checkInputs('adosc', [high, low, close, volume]), out);
  const lookback = Math.max(fastPeriod, slowPeriod) - 1;
  const fastK = perToK(fastPeriod);
  const slowK = perToK(slowPeriod);
  const fastRest = 1.0 - fastK;
  const slowRest = 1.0 - slowK;
  forEachJointRun([high, low, close, volume], (start, end) => {
    if (end - start <= lookback) return;
    let line = adStep(high, low, close, volume, start, 0.0);
    let fast = line;
    let slow = line;
    for (let i = start + 1; i < end; i++) {
      line = adStep(high, low, close, volume, i, line);
      fast = (fastK * line) + (fastRest * fast);
      slow = (slowK * line) + (slowRest * slow);
      if (i >= start + lookback) o[i] = fast - slow;
    }
  });
  return o;
}
