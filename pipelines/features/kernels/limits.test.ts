import fc from 'fast-check';
import { flag, flagCount } from './limits';

const f64 = (xs: number[]) => Float64Array.from(xs);
const arr = (x: Float64Array) => Array.from(x);
const N = NaN;

/** Exact equality with NaN equal to NaN: flags and counts are small integers. */
const expectExactly = (actual: Float64Array, expected: number[]) => expect(arr(actual)).toEqual(expected);

describe('flag', () => {
  it.each<[string, number[], number[]]>([
    ['0 and 1 are copied', [0, 1, 1, 0], [0, 1, 1, 0]],
    ['missing stays missing, never 0', [N, 1, N], [N, 1, N]],
    ['any non-zero value reads as 1; ±Infinity is missing', [2, -1, Infinity, -Infinity], [1, 1, N, N]],
    ['empty', [], []],
  ])('%s', (_name, x, expected) => {
    expectExactly(flag(f64(x)), expected);
  });

  it('writes into a caller buffer', () => {
    const out = new Float64Array(2).fill(7);
    expect(flag(f64([0, 1]), out)).toBe(out);
    expect(arr(out)).toEqual([0, 1]);
  });
});

describe('flagCount', () => {
  it.each<[string, number[], number, number[]]>([
    ['window 3: first value at index 2', [1, 0, 1, 1, 0, 0, 0], 3, [N, N, 2, 2, 2, 1, 0]],
    ['window 1 is the flag', [0, 1], 1, [0, 1]],
    ['a missing flag restarts the count', [1, 1, N, 1, 1, 1], 2, [N, 2, N, N, 2, 2]],
    ['shorter than the window', [1, 1], 3, [N, N]],
  ])('%s', (_name, x, w, expected) => {
    expectExactly(flagCount(f64(x), w), expected);
  });

  it('rejects a bad window', () => {
    expect(() => flagCount(f64([1]), 0)).toThrow(/period must be an integer/);
  });
});

// ---- naive reference and properties ----

/** 0/1 flags, limit days rare, ~1 in 10 missing. */
const flagsArb = fc.array(
  fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.constant(1) }, { weight: 1, arbitrary: fc.constant(NaN) }),
  { maxLength: 80 },
).map(f64);

/** NaN unless rows t − w + 1 .. t are all present; else the number of 1s among them. */
function naiveCount(x: Float64Array, w: number): number[] {
  return arr(x).map((_v, t) => {
    if (t < w - 1) return NaN;
    const rows = arr(x.subarray(t - w + 1, t + 1));
    return rows.some(Number.isNaN) ? NaN : rows.filter((v) => v !== 0).length;
  });
}

describe('properties', () => {
  it('flagCount equals the naive count, within [0, w]; the flag row-wise', () => {
    fc.assert(fc.property(flagsArb, fc.integer({ min: 1, max: 25 }), (x, w) => {
      expectExactly(flagCount(x, w), naiveCount(x, w));
      expectExactly(flag(x), arr(x));
    }));
  });

  it('a gap splits the series into independent runs', () => {
    fc.assert(fc.property(flagsArb, flagsArb, (a, b) => {
      expectExactly(flagCount(f64([...a, NaN, ...b]), 5), [...arr(flagCount(a, 5)), NaN, ...arr(flagCount(b, 5))]);
    }));
  });
});
