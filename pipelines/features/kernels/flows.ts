/**
 * Kernels over a weekly series as visible on one session (oldest first), such as the foreign investors'
 * net purchases of a market section. They return one number per call; computeFeatures calls them once per
 * row with the series a FlowAccessor gives for that row, and only once while the accessor keeps returning
 * the same array.
 */
const { sqrt } = Math;

/**
 * z-score of the latest observation against the last `window` observations, itself included:
 * (x_last − mean) / std with the population standard deviation (divide by `window`, as TA-Lib STDDEV
 * does; not pandas' default sample std). With the latest value inside its own window |z| is at most
 * √(window−1) (2 for 5, reached when the other four weeks are equal).
 * NaN when fewer than `window` observations are visible, any of them is missing, or all are equal (std 0).
 */
export function latestZScore(series: Float64Array, window: number): number {
  const n = series.length;
  if (n < window || window < 2) return NaN;
  let sum = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = n - window; i < n; i++) {
    const v = series[i];
    if (!(v - v === 0)) return NaN;
    sum += v;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // Equal values can leave a rounding residue in the two-pass variance; test for them exactly.
  if (lo === hi) return NaN;
  const mean = sum / window;
  let squares = 0;
  for (let i = n - window; i < n; i++) {
    const d = series[i] - mean;
    squares += d * d;
  }
  const std = sqrt(squares / window);
  return std > 0 ? (series[n - 1] - mean) / std : NaN;
}

/**
 * Sum of sign(x) over the last `window` observations: +1 per net-buying week, −1 per net-selling week,
 * 0 for exactly flat. NaN when fewer than `window` are visible or any of them is missing.
 */
export function signSum(series: Float64Array, window: number): number {
  const n = series.length;
  if (n < window || window < 1) return NaN;
  let total = 0;
  for (let i = n - window; i < n; i++) {
    const v = series[i];
    if (!(v - v === 0)) return NaN;
    total += v > 0 ? 1 : v < 0 ? -1 : 0;
  }
  return total;
}

/** Sum of the last `window` observations (yen, thousands as published). NaN when fewer are visible or any is missing. */
export function windowSum(series: Float64Array, window: number): number {
  const n = series.length;
  if (n < window || window < 1) return NaN;
  let total = 0;
  for (let i = n - window; i < n; i++) {
    const v = series[i];
    if (!(v - v === 0)) return NaN;
    total += v;
  }
  return total;
}
