/**
 * TSE price grid and daily price limits (呼値 and 制限値幅, the standard tables for ordinary stocks).
 * Every simulated raw price lies on the grid and within the day's limits, as real prints do.
 */

// Math's functions as module constants: under jest the global object is a Proxy, so every `Math.x` lookup in a
// hot loop would go through it (hundreds of times slower than the arithmetic).
const { ceil, floor, max, round } = Math;

/** [upper bound of the price band (inclusive), tick] for ordinary (non-TOPIX100) stocks. */
const TICKS: ReadonlyArray<readonly [number, number]> = [
  [3000, 1], [5000, 5], [30_000, 10], [50_000, 50], [300_000, 100], [500_000, 500],
  [3_000_000, 1000], [5_000_000, 5000], [30_000_000, 10_000], [50_000_000, 50_000], [Infinity, 100_000],
];

/** [base price strictly below, limit width] of the daily price-limit table. */
const LIMITS: ReadonlyArray<readonly [number, number]> = [
  [100, 30], [200, 50], [500, 80], [700, 100], [1000, 150], [1500, 300], [2000, 400], [3000, 500], [5000, 700],
  [7000, 1000], [10_000, 1500], [15_000, 3000], [20_000, 4000], [30_000, 5000], [50_000, 7000], [70_000, 10_000],
  [100_000, 15_000], [150_000, 30_000], [200_000, 40_000], [300_000, 50_000], [500_000, 70_000], [700_000, 100_000],
  [1_000_000, 150_000], [1_500_000, 300_000], [2_000_000, 400_000], [3_000_000, 500_000], [5_000_000, 700_000],
  [7_000_000, 1_000_000], [10_000_000, 1_500_000], [15_000_000, 3_000_000], [20_000_000, 4_000_000],
  [30_000_000, 5_000_000], [50_000_000, 7_000_000], [Infinity, 10_000_000],
];

export function tickSize(price: number): number {
  if (price <= 3000) return 1;
  for (const [upTo, tick] of TICKS) if (price <= upTo) return tick;
  return 100_000;
}

const LIMIT_BOUNDS = Float64Array.from(LIMITS, ([below]) => below);
const LIMIT_WIDTHS = Float64Array.from(LIMITS, ([, width]) => width);

export function limitWidth(base: number): number {
  let lo = 0;
  let hi = LIMIT_BOUNDS.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (base < LIMIT_BOUNDS[mid]) hi = mid;
    else lo = mid + 1;
  }
  return LIMIT_WIDTHS[lo];
}

/** Nearest grid price (never below one tick). */
export function roundTick(price: number): number {
  const tick = tickSize(price);
  return max(tick, round(price / tick) * tick);
}

export function floorTick(price: number): number {
  const tick = tickSize(price);
  return floor(price / tick + 1e-9) * tick;
}

export function ceilTick(price: number): number {
  const tick = tickSize(price);
  return ceil(price / tick - 1e-9) * tick;
}

/** The day's tradable band on the grid: [lowest, highest] price a trade may print at. */
export function limitBand(base: number): { lower: number; upper: number } {
  const width = limitWidth(base);
  return { lower: max(1, ceilTick(base - width)), upper: floorTick(base + width) };
}

/** Clamps to the band and snaps to the grid without leaving the band. */
export function snapWithin(price: number, lower: number, upper: number): number {
  if (price >= upper) return upper;
  if (price <= lower) return lower;
  const p = roundTick(price);
  return p > upper ? floorTick(upper) : p < lower ? ceilTick(lower) : p;
}
