/**
 * Pieces shared by the TA-Lib-exact kernels in this folder.
 *
 * Every kernel here reproduces TA-Lib 0.4 (as built into the `talib` package we test against) on each
 * maximal run of finite rows (runs.ts): the first value of a run sits at TA-Lib's lookback counted from the
 * run's first row, and the floating-point operations follow TA-Lib's C code in the same order, so on the
 * test series the values agree to the last bit. Departures from TA-Lib are stated in the kernel's doc comment.
 */
import { fillNaN } from '../runs';

/**
 * TA-Lib's TA_EPSILON. TA_IS_ZERO(v) is −1e-14 < v < 1e-14 and TA_IS_ZERO_OR_NEG(v) is v < 1e-14 in the
 * C library the oracle is built from (older TA-Lib releases used 1e-8; the oracle decides). The band is
 * absolute, so it depends on the scale of the prices; it only bites on quantities below 1e-14 (for a
 * variance, spreads below 1e-7).
 * Kernels copy it into a module-level const: in CommonJS output an imported binding is a property (getter)
 * read on every use, which in a hot loop costs as much as the arithmetic.
 */
export const TA_EPSILON = 1e-14;

/** TA-Lib's PER_TO_K: the EMA smoothing factor 2 / (period + 1). */
export const perToK = (period: number): number => 2.0 / (period + 1);

/**
 * TA-Lib's INT_EMA over src[from, to), the classic seed: the first value, at from + period − 1, is the simple
 * mean of the first `period` values (summed left to right from 0), then prev + (x − prev)·k.
 * Writes dst[from + period − 1 .. to − 1] and nothing else. The caller guarantees to − from >= period.
 * MACD and the EMA cascades (DEMA, TEMA, TRIX) call it on their own intermediate series.
 */
export function emaSpan(src: Float64Array, from: number, to: number, period: number, k: number, dst: Float64Array): void {
  let total = 0.0;
  const seedEnd = from + period;
  for (let i = from; i < seedEnd; i++) total += src[i];
  let prev = total / period;
  dst[seedEnd - 1] = prev;
  for (let i = seedEnd; i < to; i++) {
    prev = ((src[i] - prev) * k) + prev;
    dst[i] = prev;
  }
}

/** Creates each missing output of a multi-output kernel and checks the given ones; all filled with NaN. */
export function outputsFor(n: number, outs: ReadonlyArray<Float64Array | undefined>): Float64Array[] {
  return outs.map((o) => {
    if (o && o.length !== n) throw new RangeError(`output has ${o.length} rows, input ${n}`);
    const b = o ?? new Float64Array(n);
    fillNaN(b);
    return b;
  });
}

/** All inputs of a kernel must have the same number of rows. */
export function checkInputs(name: string, inputs: readonly Float64Array[]): number {
  const n = inputs[0].length;
  for (const x of inputs) {
    if (x.length !== n) throw new RangeError(`${name}: inputs have ${n} and ${x.length} rows`);
  }
  return n;
}
