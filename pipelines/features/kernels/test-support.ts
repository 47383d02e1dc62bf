/**
 * Shared scaffolding for the kernel tests (candle, rolling, volatility, volume, market): seeded random bars with
 * missing runs, the naive O(n·w) reference helper, series comparison and small array shortcuts.
 */

const { abs, floor, max, min, round, sqrt } = Math;
export const f64 = (xs: number[]) => Float64Array.from(xs);
export const arr = (x: Float64Array) => Array.from(x);
export const N = NaN;

/**
 * Equal with NaN matching NaN exactly (same positions) and numbers within |a − e| <= rel·|e| + abs.
 * Hand-computed cases use rel 1e-12; comparisons with the naive references use rel 1e-9 (abs 1e-12, for
 * values that are 0 in exact arithmetic).
 */
export function expectSeries(actual: Float64Array, expected: ArrayLike<number>, rel = 1e-12, absTol = 1e-15): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) throw new Error(`index ${i}: expected ${e}, got ${a}`);
    } else if (!(abs(a - e) <= rel * abs(e) + absTol)) {
      throw new Error(`index ${i}: expected ${e}, got ${a}`);
    }
  }
}

// ---- seeded random bars with missing runs, and the naive O(n·w) references ----

/** xorshift32 in [0, 1). */
export function randomSource(seed: number): () => number {
  let s = (seed * 2654435761) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export interface Bars { open: Float64Array; high: Float64Array; low: Float64Array; close: Float64Array; volume: Float64Array }

/**
 * Integer prices near 1000 (ties are common), some one-price days, and per row a chance `gapRate` of a gap of
 * 1–4 rows and of a lone missing value in one column.
 */
export function randomBars(seed: number, n: number, gapRate: number): Bars {
  const rand = randomSource(seed);
  const b: Bars = { open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  let prev = 1000;
  for (let t = 0; t < n; t++) {
    let o = prev;
    let c = prev;
    let h = prev;
    let l = prev;
    if (rand() >= 0.03) {
      o = round(prev * (1 + 0.02 * (rand() - 0.5)));
      c = round(o * (1 + 0.06 * (rand() - 0.5)));
      h = max(o, c) + (rand() < 0.3 ? 0 : floor(rand() * 15));
      l = min(o, c) - (rand() < 0.3 ? 0 : floor(rand() * 15));
    }
    b.open[t] = o;
    b.high[t] = h;
    b.low[t] = l;
    b.close[t] = c;
    b.volume[t] = rand() < 0.05 ? 0 : floor(rand() * 1e4) * 100;
    prev = c;
  }
  const cols = [b.open, b.high, b.low, b.close, b.volume];
  for (let t = 0; t < n; t++) {
    if (rand() < gapRate) {
      const len = 1 + floor(rand() * 4);
      for (let i = t; i < min(n, t + len); i++) for (const c of cols) c[i] = NaN;
    } else if (rand() < gapRate) {
      cols[floor(rand() * cols.length)][t] = NaN;
    }
  }
  return b;
}

/**
 * NaN unless every input is finite on rows t − span .. t; else value(t) (NaN if not finite).
 * `firstRowExempt`: index of an input that need only be finite on rows t − span + 1 .. t (e.g. a return series
 * where the first row supplies the previous close alone).
 */
export function naive(
  inputs: Float64Array[],
  span: number,
  value: (t: number) => number,
  firstRowExempt?: number,
): Float64Array {
  const n = inputs[0].length;
  const out = new Float64Array(n).fill(NaN);
  for (let t = span; t < n; t++) {
    let ok = true;
    for (let i = t - span; i <= t && ok; i++) {
      inputs.forEach((x, j) => {
        if (!(j === firstRowExempt && i === t - span) && !Number.isFinite(x[i])) ok = false;
      });
    }
    const v = ok ? value(t) : NaN;
    if (Number.isFinite(v)) out[t] = v;
  }
  return out;
}

export const win = (x: Float64Array, t: number, w: number): number[] => Array.from(x.subarray(t - w + 1, t + 1));
export const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
export function std(xs: number[], ddof: number): number {
  if (xs.every((v) => v === xs[0])) return 0;
  const m = mean(xs);
  return sqrt(xs.reduce((s, v) => s + (v - m) ** 2, 0) / (xs.length - ddof));
}
