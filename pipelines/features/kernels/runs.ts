/**
 * Missing-input semantics shared by every series kernel.
 *
 * A kernel's output equals TA-Lib run separately on each maximal run of rows whose inputs are all finite:
 * a missing value (NaN, or ±Infinity from a bad upstream division) ends the run, and the next run warms up
 * from scratch. TA-Lib itself, fed an interior NaN, keeps it in its running sums and emits NaN for the rest
 * of the series, which would erase a ticker's history after one halted day; this keeps TA-Lib's values on
 * clean data and confines a gap's damage to the gap plus one warm-up. Missing never becomes 0.
 */

/**
 * Calls `fn(start, end)` for every maximal run [start, end) of rows where `x` is finite. `x - x === 0` is the
 * finiteness test throughout: NaN and ±Infinity both give NaN, and it costs one subtraction.
 */
export function forEachRun(x: Float64Array, fn: (start: number, end: number) => void): void {
  const n = x.length;
  let i = 0;
  while (i < n) {
    while (i < n && !(x[i] - x[i] === 0)) i++;
    const start = i;
    while (i < n && x[i] - x[i] === 0) i++;
    if (i > start) fn(start, i);
  }
}

/**
 * Like forEachRun, for kernels of several inputs: a row is usable only when every input is finite. Two to
 * four inputs are tested with straight-line code: iterating over the inputs array per row costs about as
 * much as a simple kernel (~10 ms per million rows of three inputs). Inputs must have equal lengths.
 */
export function forEachJointRun(inputs: readonly Float64Array[], fn: (start: number, end: number) => void): void {
  if (inputs.length === 1) {
    forEachRun(inputs[0], fn);
    return;
  }
  const n = inputs[0].length;
  if (inputs.length <= 4) {
    const a = inputs[0];
    const b = inputs[1];
    const c = inputs[2] ?? b;
    const d = inputs[3] ?? b;
    let i = 0;
    while (i < n) {
      while (i < n && !(a[i] - a[i] === 0 && b[i] - b[i] === 0 && c[i] - c[i] === 0 && d[i] - d[i] === 0)) i++;
      const start = i;
      while (i < n && a[i] - a[i] === 0 && b[i] - b[i] === 0 && c[i] - c[i] === 0 && d[i] - d[i] === 0) i++;
      if (i > start) fn(start, i);
    }
    return;
  }
  const ok = (i: number): boolean => {
    for (const x of inputs) if (!(x[i] - x[i] === 0)) return false;
    return true;
  };
  let i = 0;
  while (i < n) {
    while (i < n && !ok(i)) i++;
    const start = i;
    while (i < n && ok(i)) i++;
    if (i > start) fn(start, i);
  }
}

/** The output buffer: the caller's (a slice of a frame column) or a new one, filled with NaN. */
export function outputFor(n: number, out?: Float64Array): Float64Array {
  if (out && out.length !== n) throw new RangeError(`output has ${out.length} rows, input ${n}`);
  const o = out ?? new Float64Array(n);
  fillNaN(o);
  return o;
}

export function checkPeriod(name: string, period: number, min = 1): void {
  if (!Number.isInteger(period) || period < min || period > 100_000) {
    throw new RangeError(`${name}: period must be an integer ${min}..100000, got ${period}`);
  }
}

/**
 * o.fill(NaN) as a plain loop: TypedArray#fill on shared memory (worker threads write frame slices that
 * live in a SharedArrayBuffer) takes a slow path, about 3× a loop, and kernels fill every output.
 */
export function fillNaN(o: Float64Array): void {
  for (let i = 0; i < o.length; i++) o[i] = NaN;
}
