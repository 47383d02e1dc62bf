/**
 * Champion/challenger choice: pure functions of the variants' weights and a number in [0, 1). Random routing
 * draws that number; sticky routing derives it from the request's id, so one id always lands on one variant
 * and a weight change moves only the ids near the boundary it shifts.
 */

export interface Weighted {
  weight: number;
}

/**
 * The variant whose slice of the cumulative weights holds u ∈ [0, 1). Zero-weight variants never match;
 * the weights need not sum to 1 (the config validates that their sum is positive).
 */
export function pickByWeight<T extends Weighted>(variants: readonly T[], u: number): T {
  let total = 0;
  for (const v of variants) total += v.weight;
  if (!(total > 0)) throw new Error('pickByWeight: the weights must sum to more than 0');
  const target = u * total;
  let acc = 0;
  let last: T | undefined;
  for (const v of variants) {
    if (v.weight <= 0) continue;
    acc += v.weight;
    last = v;
    if (target < acc) return v;
  }
  // u just below 1 can round past the last boundary.
  return last!;
}

/**
 * A request id → [0, 1): FNV-1a over the UTF-16 code units, then murmur3's finaliser so that ids differing in
 * their last character (req-1, req-2, …) spread over the whole range rather than clustering.
 */
export function stickyUnit(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 0x1_0000_0000;
}

export interface RouteOptions {
  sticky: boolean;
  /** The request's id (x-request-id header or the body's `id`); without one a sticky model routes at random. */
  key?: string;
  random?: () => number;
}

export function chooseVariant<T extends Weighted>(variants: readonly T[], options: RouteOptions): T {
  if (variants.length === 1) return variants[0];
  const u = options.sticky && options.key ? stickyUnit(options.key) : (options.random ?? Math.random)();
  return pickByWeight(variants, u);
}
