/**
 * Counter-based randomness: every draw is a pure function of (seed, stream, i, j), so any cell of the
 * simulated market can be recomputed on demand, in any order, and never depends on which query came first.
 * Hot loops hoist the prefix key of (seed, stream, i) once and fold in the last counter with `keyOf`.
 */

// Math's functions as module constants: under jest the global object is a Proxy, so every `Math.x` lookup in a
// hot loop would go through it (hundreds of times slower than the arithmetic).
const { PI, cos, imul, log, sin, sqrt } = Math;

/** A 32-bit avalanche finaliser (the murmur3 one): flips about half the output bits per input bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Folds one more counter into a key; the odd multiplier keeps neighbouring counters far apart before mixing. */
export function keyOf(key: number, counter: number): number {
  return fmix((key ^ imul((counter + 0x632be5ab) | 0, 0x9e3779b1)) >>> 0);
}

export function seedKey(seed: number, stream: number): number {
  return keyOf(fmix((seed ^ 0x5bd1e995) >>> 0), stream);
}

export function hash32(seed: number, stream: number, i: number, j: number): number {
  return keyOf(keyOf(seedKey(seed, stream), i), j);
}

/** Uniform in the open interval (0, 1). */
export function u01(h: number): number {
  return (h + 0.5) / 4294967296;
}

/** Standard normal from one hash (a second, decorrelated hash is derived from it) by Box–Muller. */
export function gauss(h: number): number {
  const u1 = u01(h);
  const u2 = u01(fmix((h ^ 0x27d4eb2f) >>> 0));
  return sqrt(-2 * log(u1)) * cos(2 * PI * u2);
}

/** Both halves of Box–Muller: two independent standard normals from one hash, written to out[0] and out[1]. */
export function gaussPair(h: number, out: Float64Array): void {
  const radius = sqrt(-2 * log(u01(h)));
  const angle = 2 * PI * u01(fmix((h ^ 0x27d4eb2f) >>> 0));
  out[0] = radius * cos(angle);
  out[1] = radius * sin(angle);
}

export const uniform = (seed: number, stream: number, i: number, j: number) => u01(hash32(seed, stream, i, j));
export const normal = (seed: number, stream: number, i: number, j: number) => gauss(hash32(seed, stream, i, j));

/**
 * Stream ids: one per independent source of randomness. Never renumber (that would change every
 * simulated market); append new ones.
 */
export const STREAM = {
  code: 1,
  listing: 2,
  ticker: 3,
  name: 4,
  market: 5,
  marketVol: 6,
  sector: 7,
  cell: 8,
  bar: 9,
  investor: 10,
  correction: 11,
  dividend: 12,
  fault: 13,
  badRow: 14,
} as const;
