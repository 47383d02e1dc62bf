import * as rng from './rng';
import * as tse from './tse';
import type { Universe } from './universe';

// Math's functions as module constants: under jest the global object is a Proxy, so every `Math.x` lookup in a
// hot loop would go through it (hundreds of times slower than the arithmetic).
const { exp, floor, max, sqrt } = Math;

// Module-local bindings: CommonJS transpilers turn imported calls into property reads through getters,
// which costs more than the arithmetic in a loop over ten million cells.
const { STREAM, seedKey } = rng;
const keyOf = rng.keyOf;
const gauss = rng.gauss;
const gaussPair = rng.gaussPair;
const u01 = rng.u01;
const limitWidth = tse.limitWidth;
const floorTick = tse.floorTick;
const ceilTick = tse.ceilTick;
const roundTick = tse.roundTick;
const snapWithin = tse.snapWithin;

/**
 * The simulated price history, session-major (cell = t * n + i) so a one-day query reads one contiguous run.
 * Only closes are stored: open, high, low, volume and turnover are pure functions of (base, close, cell hash)
 * and are derived when a row is served (see bars.ts), which keeps 4,000 × 2,600 cells near 100 MB.
 */
export interface PriceTables {
  /** Raw close on the grid; on a no-trade day the base price carried forward (not served). */
  close: Int32Array;
  flags: Uint8Array;
  /** The planted signal s[t, i]: AR(1), unit variance; s[t] predicts the return of session t + 1. */
  signal: Float32Array;
  /** Market factor return per session. */
  market: Float64Array;
  /** Splits in CSR form: ticker i's events are splitT/splitFactor[splitStart[i] .. splitStart[i + 1]), by session. */
  splitStart: Int32Array;
  splitT: Int32Array;
  splitFactor: Float64Array;
}

export const FLAG_TRADED = 1;
export const FLAG_UPPER = 2;
export const FLAG_LOWER = 4;
/** Persistence of the planted signal (half-life ≈ 6.6 sessions). */
export const SIGNAL_PHI = 0.9;

const MARKET_VOL = 0.011;
const MARKET_DRIFT = 0.0003;
const SECTOR_VOL = 0.007;
const JUMP_P = 0.004;
const JUMP_VOL = 0.12;
/**
 * Random splits: about one per ticker per 48 years of sessions (reverse splits a third as often, for prices
 * under 1,000 yen); prices over 25,000 yen split and under 50 yen consolidate much more often.
 */
const SPLIT_P = 1 / 12_000;
const HIGH_PRICE_SPLIT_P = 0.004;
const LOW_PRICE_REVERSE_P = 0.002;
const RANDOM_SPLIT_FACTORS = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.25, 0.2, 0.1];

/** Stock-split decision for one cell: AdjustmentFactor on the ex-date (0.5 = 1:2 split, 5 = 5:1 reverse split). */
function splitFactor(prev: number, h: number): number {
  const u = u01(h);
  if (u >= HIGH_PRICE_SPLIT_P && u <= 1 - SPLIT_P / 3) return 1;
  const h2 = keyOf(h, 1);
  if (prev > 25_000 && u < HIGH_PRICE_SPLIT_P) return prev > 100_000 ? 0.1 : prev > 50_000 ? 0.2 : 0.5;
  if (prev < 50 && u < LOW_PRICE_REVERSE_P) return 10;
  if (u < SPLIT_P) {
    let f = RANDOM_SPLIT_FACTORS[floor(u01(h2) * RANDOM_SPLIT_FACTORS.length)];
    while (prev * f < 300 && f < 0.5) f = f === 0.1 ? 0.2 : f === 0.2 ? 0.25 : 0.5;
    return prev * f < 300 ? 1 : f;
  }
  if (u > 1 - SPLIT_P / 3 && prev < 1000) return u01(h2) < 0.5 ? 5 : 10;
  return 1;
}

export function generatePrices(
  seed: number, signalIc: number, uni: Universe, listT: Int32Array, endT: Int32Array, sessions: number,
): PriceTables {
  const n = uni.n;
  const cells = sessions * n;
  const close = new Int32Array(cells);
  const flags = new Uint8Array(cells);
  const signal = new Float32Array(cells);
  const market = new Float64Array(sessions);
  const { sigma, beta, sector33, noTradeP, initialPrice } = uni;
  const cellKeys = Uint32Array.from(uni.slot, (k) => keyOf(seedKey(seed, STREAM.cell), k));
  const marketKey = seedKey(seed, STREAM.market);
  const volKey = seedKey(seed, STREAM.marketVol);
  const sectorKey = seedKey(seed, STREAM.sector);
  const sectorRet = new Float64Array(33);
  const z = new Float64Array(2);
  const innovation = sqrt(1 - SIGNAL_PHI * SIGNAL_PHI);
  const noise = sqrt(1 - signalIc * signalIc);
  const splitI: number[] = [];
  const splitTs: number[] = [];
  const splitFs: number[] = [];

  // Volatility regime: a slow AR(1) in log volatility gives calm and turbulent stretches.
  let logVol = 0;
  for (let t = 0; t < sessions; t++) {
    logVol = 0.98 * logVol + 0.06 * gauss(keyOf(volKey, t));
    const m = MARKET_DRIFT + MARKET_VOL * exp(logVol) * gauss(keyOf(marketKey, t));
    market[t] = m;
    const tk = keyOf(sectorKey, t);
    for (let k = 0; k < 33; k++) sectorRet[k] = SECTOR_VOL * gauss(keyOf(tk, k));
    const row = t * n;
    for (let i = 0; i < n; i++) {
      if (t < listT[i] || t >= endT[i]) continue;
      const idx = row + i;
      // One hash per cell: its Box–Muller pair drives the signal innovation and the idiosyncratic return;
      // derived keys decide splits, no-trade days and jumps.
      const h = keyOf(cellKeys[i], t);
      gaussPair(h, z);
      const first = t === listT[i];
      const sPrev = first ? 0 : signal[idx - n];
      signal[idx] = first ? z[0] : SIGNAL_PHI * sPrev + innovation * z[0];
      let base: number;
      if (first) {
        base = roundTick(initialPrice[i]);
      } else {
        const prev = close[idx - n];
        const f = splitFactor(prev, keyOf(h, 1));
        if (f !== 1) {
          splitI.push(i);
          splitTs.push(t);
          splitFs.push(f);
        }
        base = f === 1 ? prev : roundTick(prev * f);
        if (noTradeP[i] > 0 && u01(keyOf(h, 2)) < noTradeP[i]) {
          close[idx] = base;
          continue;
        }
      }
      const hj = keyOf(h, 3);
      const jump = u01(hj) < JUMP_P ? JUMP_VOL * gauss(keyOf(hj, 1)) : 0;
      const idio = sigma[i] * (signalIc * sPrev + noise * z[1]);
      const r = beta[i] * m + sectorRet[sector33[i]] + idio + jump;
      const width = limitWidth(base);
      const upper = floorTick(base + width);
      const lower = max(1, ceilTick(base - width));
      const c = snapWithin(base * exp(r), lower, upper);
      close[idx] = c;
      flags[idx] = FLAG_TRADED | (c >= upper ? FLAG_UPPER : 0) | (c <= lower ? FLAG_LOWER : 0);
    }
  }

  // Events were found in session order; regroup them by ticker (stable, so each ticker's stay in session order).
  const order = splitI.map((_, e) => e).sort((a, b) => splitI[a] - splitI[b] || a - b);
  const splitStart = new Int32Array(n + 1);
  for (const i of splitI) splitStart[i + 1]++;
  for (let i = 0; i < n; i++) splitStart[i + 1] += splitStart[i];
  return {
    close, flags, signal, market, splitStart,
    splitT: Int32Array.from(order, (e) => splitTs[e]),
    splitFactor: Float64Array.from(order, (e) => splitFs[e]),
  };
}

/** AdjustmentFactor of ticker i on session t (1 unless t is an ex-date). */
export function factorOn(p: PriceTables, i: number, t: number): number {
  for (let e = p.splitStart[i]; e < p.splitStart[i + 1]; e++) if (p.splitT[e] === t) return p.splitFactor[e];
  return 1;
}

/** Product of the factors with ex-date strictly after session t: raw × this = adjusted (volume: ÷). */
export function laterFactors(p: PriceTables, i: number, t: number): number {
  let product = 1;
  for (let e = p.splitStart[i]; e < p.splitStart[i + 1]; e++) if (p.splitT[e] > t) product *= p.splitFactor[e];
  return product;
}

/** The price the day's limits and returns are measured from: yesterday's close, split-adjusted on an ex-date. */
export function basePrice(p: PriceTables, uni: Universe, listT: Int32Array, i: number, t: number): number {
  if (t === listT[i]) return roundTick(uni.initialPrice[i]);
  const prev = p.close[(t - 1) * uni.n + i];
  const f = factorOn(p, i, t);
  return f === 1 ? prev : roundTick(prev * f);
}
