/**
 * Per-bucket statistics behind cross-section.ts (ranks, z-scores, robust z, rank-Gauss, demeaning), and the
 * normal CDF / quantile they need. Each kernel sees one bucket's finite values in Scratch.vals (row indices
 * in Scratch.rows) and writes that bucket's outputs; `out` was set to NaN for the bucket beforehand, so
 * returning early leaves the bucket missing.
 */

const sqrt = Math.sqrt;
const exp = Math.exp;
const log = Math.log;
const abs = Math.abs;
const floor = Math.floor;
const log2 = Math.log2;
const pow = Math.pow;

// ---- Standard normal CDF and quantile ----

/*
 * Standard normal CDF and its inverse, accurate to about 1e-14 absolute (a few ulps) in the quantile for
 * 1e-300 ≤ p < 1 (checked against 40-digit references in cross-section.test.ts).
 *
 * The inverse is Acklam's rational approximation (relative error about 1.15e-9) followed by one Halley
 * step on Φ(x) − p; Halley converges cubically, so one step reaches double precision provided Φ itself is
 * accurate. Φ is evaluated from erfc, which is computed here to near machine precision (a power series in
 * the centre, a continued fraction in the tail) rather than taken from a short rational fit, because the
 * Halley step can be no better than the Φ it corrects.
 *
 * Everything works on the lower half (x ≤ 0, p ≤ ½) and mirrors: Φ⁻¹(1 − p) = −Φ⁻¹(p) holds exactly
 * whenever 1 − p is exact, so a rank-Gauss transform of a symmetric set of ranks sums to exactly 0.
 */

const SQRT2 = 1.4142135623730951;
const SQRT_2PI = 2.5066282746310002;
const TWO_OVER_SQRT_PI = 1.1283791670955126;
const ONE_OVER_SQRT_PI = 0.5641895835477563;

/** erfc switches from 1 − erf (power series) to the continued fraction at this argument. */
const ERFC_SPLIT = 1.5;

/**
 * erfc(z) for z ≥ 0.
 * Below ERFC_SPLIT: erf(z) = (2/√π)·e^(−z²)·Σₙ 2ⁿ z^(2n+1) / (1·3·…·(2n+1)). Every term is positive, so
 * there is no cancellation inside the sum; 1 − erf loses at most a few ulps relative to 1, which moves the
 * quantile by a few ulps / φ(z√2) ≤ 1e-14 since φ ≥ 0.04 there.
 * From ERFC_SPLIT up: erfc(z) = e^(−z²)/√π · 1/(z + ½/(z + 1/(z + (3/2)/(z + 2/(z + …))))), evaluated with
 * the modified Lentz method to full relative precision; about 90 steps at z = 1.5, fewer beyond.
 */
function erfcNonNegative(z: number): number {
  if (z < ERFC_SPLIT) {
    const z2 = z * z;
    let term = z;
    let sum = z;
    for (let n = 1; n < 200; n++) {
      term *= (2 * z2) / (2 * n + 1);
      const next = sum + term;
      if (next === sum) break;
      sum = next;
    }
    return 1 - TWO_OVER_SQRT_PI * exp(-z2) * sum;
  }
  // Lentz on b0 + a1/(b1 + a2/(b2 + …)) with b0 = z, bₖ = z, aₖ = k/2.
  const tiny = 1e-300;
  let f = z;
  let c = z;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = z + a * d;
    if (d === 0) d = tiny;
    c = z + a / c;
    if (c === 0) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (abs(delta - 1) < 1e-16) break;
  }
  return (ONE_OVER_SQRT_PI * exp(-z * z)) / f;
}

/** Standard normal CDF Φ(x). */
export function normCdf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === -Infinity) return 0;
  if (x === Infinity) return 1;
  if (x <= 0) return 0.5 * erfcNonNegative(-x / SQRT2);
  return 1 - 0.5 * erfcNonNegative(x / SQRT2);
}

// Acklam's coefficients: central region (a, b) and tail (c, d).
const A1 = -3.969683028665376e1, A2 = 2.209460984245205e2, A3 = -2.759285104469687e2;
const A4 = 1.38357751867269e2, A5 = -3.066479806614716e1, A6 = 2.506628277459239;
const B1 = -5.447609879822406e1, B2 = 1.615858368580409e2, B3 = -1.556989798598866e2;
const B4 = 6.680131188771972e1, B5 = -1.328068155288572e1;
const C1 = -7.784894002430293e-3, C2 = -3.223964580411365e-1, C3 = -2.400758277161838;
const C4 = -2.549732539343734, C5 = 4.374664141464968, C6 = 2.938163982698783;
const D1 = 7.784695709041462e-3, D2 = 3.224671290700398e-1, D3 = 2.445134137142996, D4 = 3.754408661907416;
const P_LOW = 0.02425;

/** Φ⁻¹(p) for 0 < p ≤ ½ (result ≤ 0). */
function lowerQuantile(p: number): number {
  let x: number;
  if (p < P_LOW) {
    const q = sqrt(-2 * log(p));
    x = (((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((A1 * r + A2) * r + A3) * r + A4) * r + A5) * r + A6) * q) /
      (((((B1 * r + B2) * r + B3) * r + B4) * r + B5) * r + 1);
  }
  // One Halley step on f(x) = Φ(x) − p: f' = φ(x), f''/f' = −x.
  const e = 0.5 * erfcNonNegative(-x / SQRT2) - p;
  const u = e * SQRT_2PI * exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/**
 * Inverse standard normal CDF Φ⁻¹(p): −Infinity at 0, +Infinity at 1, NaN outside [0, 1].
 * For p > ½ it returns −Φ⁻¹(1 − p) (1 − p is exact for p ≥ ½), so the two halves mirror exactly.
 */
export function normInv(p: number): number {
  if (!(p >= 0 && p <= 1)) return NaN;
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  if (p === 0.5) return 0;
  return p < 0.5 ? lowerQuantile(p) : -lowerQuantile(1 - p);
}

/**
 * Φ⁻¹(k / (2m)) for an integer 1 ≤ k ≤ 2m − 1, mirrored on the integers (k > m uses −Φ⁻¹((2m − k)/(2m)))
 * so that quantiles of mirrored ranks are exact negatives of each other.
 */
export function normInvHalfRank(k: number, m: number): number {
  if (k === m) return 0;
  const twoM = 2 * m;
  return k < m ? lowerQuantile(k / twoM) : -lowerQuantile((twoM - k) / twoM);
}

// ---- Per-bucket kernels ----

/** σ ≈ 1.4826·MAD for normal data (1 / Φ⁻¹(¾)). */
export const MAD_TO_SIGMA = 1.4826;
/** σ ≈ 1.2533·mean|x − centre| for normal data (√(π/2)). */
export const MEAN_ABS_DEV_TO_SIGMA = 1.2533;

/** Byte order of this machine, for reading a double's two 32-bit halves. */
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = 1 - LO;

export class Scratch {
  /** The bucket's finite values in row order, and the position in `out` each result goes to. */
  readonly vals: Float64Array;
  readonly at: Int32Array;
  /** The values ascending, and absolute deviations ascending. */
  readonly sorted: Float64Array;
  readonly dev: Float64Array;
  /** rank_gauss quantiles Φ⁻¹(k / 2m) for the last bucket size m, filled lazily (NaN = not yet). */
  gaussM = -1;
  gauss = new Float64Array(0);
  // Radix sort: the values' bits, sortable keys, the permutation (two buffers) and digit histograms.
  private readonly bits: Uint32Array;
  private readonly keyLo: Uint32Array;
  private readonly keyHi: Uint32Array;
  private readonly permA: Int32Array;
  private readonly permB: Int32Array;
  private readonly counts = new Int32Array(8 * 256);
  private whole = new Float64Array(0);

  constructor(size: number) {
    this.vals = new Float64Array(size);
    this.at = new Int32Array(size);
    this.sorted = new Float64Array(size);
    this.dev = new Float64Array(size);
    this.bits = new Uint32Array(this.vals.buffer);
    this.keyLo = new Uint32Array(size);
    this.keyHi = new Uint32Array(size);
    this.permA = new Int32Array(size);
    this.permB = new Int32Array(size);
  }

  /** A buffer of at least `length` values for all buckets' values side by side, kept between columns. */
  segment(length: number): Float64Array {
    if (this.whole.length < length) this.whole = new Float64Array(length);
    return this.whole;
  }

  /**
   * Sorts vals[0..m) (finite) into sorted[0..m) and returns the permutation: sorted[k] = vals[order[k]].
   *
   * An LSD radix sort on the IEEE bits, 8 bits per pass, skipping passes whose digit is the same for every
   * value (typically the sign and exponent bytes): O(m) with no bad cases and stable. It runs about as
   * fast as Float64Array.prototype.sort but also yields the permutation, so ranks are assigned by one walk
   * instead of a binary search per value (which doubled the cost on 10M-row frames). Keys: a positive
   * double's bits with the sign bit set, a negative double's bits inverted, so unsigned order is numeric
   * order (−0 sorts just below 0; the two compare equal and are treated as ties by the callers).
   */
  sortOrder(m: number): Int32Array {
    const { bits, keyLo, keyHi, counts, vals, sorted } = this;
    counts.fill(0);
    for (let k = 0; k < m; k++) {
      let lo = bits[2 * k + LO];
      let hi = bits[2 * k + HI];
      if (hi & 0x80000000) {
        lo = ~lo;
        hi = ~hi;
      } else {
        hi |= 0x80000000;
      }
      keyLo[k] = lo;
      keyHi[k] = hi;
      counts[lo & 255]++;
      counts[256 + ((lo >>> 8) & 255)]++;
      counts[512 + ((lo >>> 16) & 255)]++;
      counts[768 + (lo >>> 24)]++;
      counts[1024 + (hi & 255)]++;
      counts[1280 + ((hi >>> 8) & 255)]++;
      counts[1536 + ((hi >>> 16) & 255)]++;
      counts[1792 + (hi >>> 24)]++;
    }
    let src = this.permA;
    let dst = this.permB;
    for (let k = 0; k < m; k++) src[k] = k;
    for (let pass = 0; pass < 8; pass++) {
      const base = pass * 256;
      const key = pass < 4 ? keyLo : keyHi;
      const shift = (pass & 3) * 8;
      let trivial = false;
      let offset = 0;
      for (let d = 0; d < 256; d++) {
        const c = counts[base + d];
        if (c === m) trivial = true;
        counts[base + d] = offset;
        offset += c;
      }
      if (trivial) continue;
      for (let j = 0; j < m; j++) {
        const id = src[j];
        dst[counts[base + ((key[id] >>> shift) & 255)]++] = id;
      }
      const t = src;
      src = dst;
      dst = t;
    }
    for (let k = 0; k < m; k++) sorted[k] = vals[src[k]];
    return src;
  }
}

/**
 * Ranks by walking the sorted values: a run of equal values at sorted positions lo … hi−1 has average
 * 1-based rank (lo + hi + 1)/2.
 * rank: that / m. rank_gauss: Φ⁻¹((avgRank − ½)/m) = Φ⁻¹(k/2m) with the integer k = lo + hi.
 */
export function ranks(m: number, s: Scratch, out: Float64Array, gauss: boolean): void {
  const order = s.sortOrder(m);
  const { sorted, at } = s;
  if (gauss && s.gaussM !== m) {
    s.gaussM = m;
    if (s.gauss.length < 2 * m) s.gauss = new Float64Array(2 * m);
    s.gauss.fill(NaN, 0, 2 * m);
  }
  const table = s.gauss;
  for (let lo = 0; lo < m;) {
    let hi = lo + 1;
    while (hi < m && sorted[hi] === sorted[lo]) hi++;
    let y: number;
    if (!gauss) {
      y = (lo + hi + 1) / 2 / m;
    } else {
      const twice = lo + hi;
      y = table[twice];
      if (y !== y) {
        y = m === 1 ? 0 : normInvHalfRank(twice, m);
        table[twice] = y;
      }
    }
    for (let k = lo; k < hi; k++) out[at[order[k]]] = y;
    lo = hi;
  }
}

/** A power of two near `maxAbs` (1 for 0); dividing by it is exact and brings every value below 2. */
function pow2Near(maxAbs: number): number {
  if (maxAbs === 0) return 1;
  let e = floor(log2(maxAbs));
  if (e > 1023) e = 1023;
  if (e < -1022) e = -1022;
  return pow(2, e);
}

/** Mean of vals[0..m) / scale, with one correction pass (the residual sum is taken again). */
function scaledMean(m: number, vals: Float64Array, inv: number): number {
  let sum = 0;
  for (let k = 0; k < m; k++) sum += vals[k] * inv;
  const mean = sum / m;
  let residual = 0;
  for (let k = 0; k < m; k++) residual += vals[k] * inv - mean;
  return mean + residual / m;
}

const clamp = (z: number, clip: number): number => (z > clip ? clip : z < -clip ? -clip : z);

/** zscore of one bucket: NaN (left as is) for fewer than 2 values or a constant bucket. */
export function zscore(m: number, maxAbs: number, s: Scratch, out: Float64Array, clip: number): void {
  if (m < 2) return;
  const { vals, at } = s;
  let allEqual = true;
  for (let k = 1; k < m && allEqual; k++) allEqual = vals[k] === vals[0];
  if (allEqual) return;
  const inv = 1 / pow2Near(maxAbs);
  const mean = scaledMean(m, vals, inv);
  let ss = 0;
  for (let k = 0; k < m; k++) {
    const d = vals[k] * inv - mean;
    ss += d * d;
  }
  const std = sqrt(ss / m);
  if (!(std > 0)) return;
  for (let k = 0; k < m; k++) out[at[k]] = clamp((vals[k] * inv - mean) / std, clip);
}

/**
 * robust_z of one bucket. The absolute deviations from the median are read off the sorted values in
 * ascending order: those below the median grow leftwards, those above grow rightwards, so merging the two
 * runs sorts them in O(m).
 */
export function robustZ(m: number, maxAbs: number, s: Scratch, out: Float64Array, clip: number): void {
  if (m < 2) return;
  const { vals, at, dev } = s;
  const inv = 1 / pow2Near(maxAbs);
  s.sortOrder(m);
  const sorted = s.sorted;
  const median = medianOfSorted(sorted, m, inv);
  let left = (m >> 1) - 1; // sorted[left] ≤ median ≤ sorted[right]
  let right = left + 1;
  let absSum = 0;
  for (let k = 0; k < m; k++) {
    const dl = left >= 0 ? median - sorted[left] * inv : Infinity;
    const dr = right < m ? sorted[right] * inv - median : Infinity;
    let d: number;
    if (dl <= dr) {
      d = dl;
      left--;
    } else {
      d = dr;
      right++;
    }
    dev[k] = d;
    absSum += d;
  }
  let scale = MAD_TO_SIGMA * medianOfSorted(dev, m, 1);
  if (scale === 0) scale = MEAN_ABS_DEV_TO_SIGMA * (absSum / m);
  if (!(scale > 0)) return;
  for (let k = 0; k < m; k++) out[at[k]] = clamp((vals[k] * inv - median) / scale, clip);
}

/** Median of sorted[0..m) × inv (scaled first, so two huge middle values cannot overflow their sum). */
function medianOfSorted(sorted: Float64Array, m: number, inv: number): number {
  const h = m >> 1;
  return m & 1 ? sorted[h] * inv : (sorted[h - 1] * inv + sorted[h] * inv) / 2;
}

/** demean of one bucket; a lone value gives 0. */
export function demean(m: number, maxAbs: number, s: Scratch, out: Float64Array): void {
  const { vals, at } = s;
  const scale = pow2Near(maxAbs);
  const inv = 1 / scale;
  const mean = scaledMean(m, vals, inv);
  for (let k = 0; k < m; k++) out[at[k]] = (vals[k] * inv - mean) * scale;
}
