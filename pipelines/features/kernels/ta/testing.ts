/**
 * Test support for the TA kernels (imported by *.test.ts only): deterministic OHLCV series of several kinds
 * and the TA-Lib oracle run the way runs.ts defines a kernel's output, separately on each finite run.
 * `talib` (the TA-Lib C library as a node addon) is a devDependency and never imported by the kernels.
 */

export interface Bars {
  open: Float64Array;
  high: Float64Array;
  low: Float64Array;
  close: Float64Array;
  volume: Float64Array;
}
export type Column = keyof Bars;
export const COLUMNS: readonly Column[] = ['open', 'high', 'low', 'close', 'volume'];

interface TalibResult {
  begIndex: number;
  nbElement: number;
  result: Record<string, number[]>;
}
// The package ships no types; this is the part of its API the tests use.
const talib: { execute(o: Record<string, unknown>): TalibResult; explain(name: string): unknown } = require('talib');

/**
 * A small seeded generator (32-bit LCG state, high bits folded into the output): deterministic across
 * runs and machines, which is all test data needs.
 */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const x = (s ^ (s >>> 15)) >>> 0;
    return x / 4294967296;
  };
}

export interface WalkOptions {
  /** Daily volatility of the close (fraction). */
  vol?: number;
  /** Probability per bar of a ±20 % jump. */
  jumps?: number;
  /** Round prices to this tick (makes ties in highs, lows and closes common). */
  tick?: number;
  start?: number;
}

/** Consistent bars (low <= open, close <= high) of a multiplicative random walk. */
export function walk(n: number, seed: number, opts: WalkOptions = {}): Bars {
  const rnd = seeded(seed);
  const vol = opts.vol ?? 0.02;
  const round = opts.tick ? (v: number) => Math.max(opts.tick!, Math.round(v / opts.tick!) * opts.tick!) : (v: number) => v;
  const b: Bars = { open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n) };
  let prev = opts.start ?? 1000;
  for (let i = 0; i < n; i++) {
    let c = prev * (1 + vol * 2 * (rnd() - 0.5));
    if (opts.jumps && rnd() < opts.jumps) c *= rnd() < 0.5 ? 0.8 : 1.2;
    const o = round(prev * (1 + vol * 0.5 * (rnd() - 0.5)));
    c = round(c);
    b.open[i] = o;
    b.close[i] = c;
    b.high[i] = round(Math.max(o, c) * (1 + vol * 0.5 * rnd()));
    b.low[i] = round(Math.min(o, c) * (1 - vol * 0.5 * rnd()));
    b.volume[i] = Math.round(1000 + 200_000 * rnd() * rnd());
    prev = c;
  }
  return b;
}

export function flat(n: number, price = 250, volume = 3000): Bars {
  const col = (v: number) => new Float64Array(n).fill(v);
  return { open: col(price), high: col(price), low: col(price), close: col(price), volume: col(volume) };
}

/** A copy of `b` with `f` applied to every column. */
export function mapBars(b: Bars, f: (x: Float64Array, column: Column) => Float64Array): Bars {
  return { open: f(b.open, 'open'), high: f(b.high, 'high'), low: f(b.low, 'low'), close: f(b.close, 'close'), volume: f(b.volume, 'volume') };
}

/** Maximal runs [start, end) where every given column is finite. */
export function jointRuns(cols: readonly Float64Array[]): Array<[number, number]> {
  const n = cols[0].length;
  const runs: Array<[number, number]> = [];
  let i = 0;
  while (i < n) {
    while (i < n && !cols.every((x) => Number.isFinite(x[i]))) i++;
    const start = i;
    while (i < n && cols.every((x) => Number.isFinite(x[i]))) i++;
    if (i > start) runs.push([start, i]);
  }
  return runs;
}

/** TA-Lib's name for each input column. */
const TALIB_INPUT: Record<Column | 'real', string> = { open: 'open', high: 'high', low: 'low', close: 'close', volume: 'volume', real: 'inReal' };

export interface OracleCall {
  /** TA-Lib function name. */
  fn: string;
  /** Our columns in TA-Lib's roles; `real` is TA-Lib's inReal. */
  inputs: Partial<Record<Column | 'real', Column>>;
  options?: Record<string, number>;
  /** TA-Lib output names, in the order our kernel returns them. */
  outputs: string[];
}

/**
 * TA-Lib applied separately to each maximal run of rows whose inputs are all finite, each output placed at
 * run start + begIndex; NaN elsewhere. This is the reference every kernel must equal (runs.ts).
 */
export function oracle(call: OracleCall, bars: Bars): Float64Array[] {
  const n = bars.close.length;
  const roles = Object.entries(call.inputs) as Array<[Column | 'real', Column]>;
  const used = [...new Set(roles.map(([, c]) => c))].map((c) => bars[c]);
  const outs = call.outputs.map(() => new Float64Array(n).fill(NaN));
  for (const [start, end] of jointRuns(used)) {
    const args: Record<string, unknown> = { name: call.fn, startIdx: 0, endIdx: end - start - 1, ...call.options };
    for (const [role, col] of roles) args[TALIB_INPUT[role]] = Array.from(bars[col].subarray(start, end));
    const r = talib.execute(args);
    call.outputs.forEach((name, k) => {
      const values = r.result[name];
      if (!values) throw new Error(`${call.fn}: no output ${name} (has ${Object.keys(r.result).join(', ')})`);
      for (let j = 0; j < r.nbElement; j++) outs[k][start + r.begIndex + j] = values[j];
    });
  }
  return outs;
}

/** TA-Lib's lookback for the call: the index of its first output on a long clean series. */
export function lookback(call: OracleCall): number {
  const b = walk(400, 99);
  const out = oracle(call, b)[0];
  return out.findIndex((v) => !Number.isNaN(v));
}

/**
 * Throws unless `actual` has NaN exactly where `expected` has, and elsewhere |a − e| <= rel·|e| (a pure
 * relative tolerance: an expected 0 must be matched exactly).
 */
export function expectClose(actual: Float64Array, expected: Float64Array, rel: number, label: string): void {
  if (actual.length !== expected.length) throw new Error(`${label}: ${actual.length} rows, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) || Number.isNaN(a)) {
      if (Number.isNaN(e) !== Number.isNaN(a)) throw new Error(`${label}: row ${i}: expected ${e}, got ${a}`);
    } else if (!(Math.abs(a - e) <= rel * Math.abs(e))) {
      throw new Error(`${label}: row ${i}: expected ${e}, got ${a} (relative error ${Math.abs(a - e) / Math.abs(e)})`);
    }
  }
}

export { talib };
