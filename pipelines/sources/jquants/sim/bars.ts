import type { Row } from '../fields';
import { FLAG_LOWER, FLAG_TRADED, FLAG_UPPER, basePrice, factorOn, laterFactors } from './prices';
import { STREAM, gauss, hash32, keyOf, seedKey, u01 } from './rng';
import { ceilTick, floorTick, limitBand, snapWithin } from './tse';
import type { World } from './world';

// Math's functions as module constants: under jest the global object is a Proxy, so every `Math.x` lookup in a
// hot loop would go through it (hundreds of times slower than the arithmetic).
const { abs, exp, log, max, min, round } = Math;

/**
 * How strongly the planted signal moves the day's volume (log activity per unit of signal). Informed flow shows
 * up as abnormal volume before it shows up in prices; without this the signal would be visible only in future
 * returns and no model could approach the oracle.
 */
export const VOLUME_SIGNAL_LOADING = 1.5;

/** J-Quants rounds adjusted values to one decimal. */
const round1 = (x: number) => round(x * 10) / 10;

/** A day without trades: prices, volume and turnover null, adjusted prices null with them; the factor stays. */
function nullBar(date: string, code: string, factor: number): Row {
  return {
    date, code, open: null, high: null, low: null, close: null, upper_limit: false, lower_limit: false, volume: null,
    turnover_value: null, adjustment_factor: factor, adjustment_open: null, adjustment_high: null, adjustment_low: null,
    adjustment_close: null, adjustment_volume: null,
  };
}

/** The all-null row J-Quants serves for every listed code on the 2020-10-01 outage. */
export function outageRow(w: World, i: number): Row {
  return nullBar(w.outage!.date, w.uni.codes[i], 1);
}

/**
 * One daily bar (internal names). Open/high/low/volume are derived here from the stored close, the day's
 * base price and per-cell hashes, so the same cell always serves the same bytes. Only a close at a limit
 * may touch it: otherwise open/high/low stay a tick inside, which makes UpperLimit/LowerLimit mean
 * "closed at the limit".
 */
export function barRow(w: World, i: number, t: number): Row {
  const { prices: p, uni } = w;
  const idx = t * uni.n + i;
  const factor = factorOn(p, i, t);
  const flags = p.flags[idx];
  if (!(flags & FLAG_TRADED)) return nullBar(w.sessions[t], uni.codes[i], factor);

  const base = basePrice(p, uni, w.listT, i, t);
  const c = p.close[idx];
  const { lower, upper } = limitBand(base);
  const atUpper = (flags & FLAG_UPPER) !== 0;
  const atLower = (flags & FLAG_LOWER) !== 0;
  const capHi = atUpper ? upper : max(c, floorTick(upper - 0.5));
  const capLo = atLower ? lower : min(c, ceilTick(lower + 0.5));
  const h = keyOf(keyOf(seedKey(w.options.seed, STREAM.bar), uni.slot[i]), t);
  const sigma = uni.sigma[i];
  const r = log(c / base);
  const o = snapWithin(base * exp(0.45 * r + 0.5 * sigma * gauss(keyOf(h, 1))), capLo, capHi);
  const hi = atUpper ? upper : max(o, c, min(capHi, ceilTick(max(o, c) * exp(0.45 * sigma * abs(gauss(keyOf(h, 2)))))));
  const lo = atLower ? lower : min(o, c, max(capLo, floorTick(min(o, c) * exp(-0.45 * sigma * abs(gauss(keyOf(h, 3)))))));
  const vwap = lo + (hi - lo) * (0.25 + 0.5 * u01(keyOf(h, 4)));
  const activity = exp(0.45 * gauss(keyOf(h, 5)) + 5 * abs(r) + VOLUME_SIGNAL_LOADING * p.signal[idx]);
  const volume = max(100, round(uni.turnover[i] * activity / vwap / 100) * 100);
  const later = laterFactors(p, i, t);
  return {
    // Spelled out, not spread: object spread in this hot path costs ten times the arithmetic.
    date: w.sessions[t], code: uni.codes[i],
    open: o, high: hi, low: lo, close: c,
    upper_limit: atUpper, lower_limit: atLower,
    volume, turnover_value: round(vwap * volume),
    adjustment_factor: factor,
    adjustment_open: round1(o * later), adjustment_high: round1(hi * later), adjustment_low: round1(lo * later),
    adjustment_close: round1(c * later), adjustment_volume: round1(volume / later),
  };
}

/** The kinds of broken bar the simulator can serve, each caught by a different rule downstream. */
export const BAD_ROW_KINDS = ['high_below_low', 'negative_volume', 'not_a_number'] as const;

/**
 * A bar as served: with probability `badRowRate`, deterministically per (code, session), broken in one of
 * BAD_ROW_KINDS. Bars without a trade stay as they are (there is nothing to break).
 */
export function servedBar(w: World, i: number, t: number): Row {
  const row = barRow(w, i, t);
  const rate = w.options.badRowRate;
  if (rate <= 0 || row.close === null || u01(hash32(w.options.seed, STREAM.badRow, i, t)) >= rate) return row;
  const kind = BAD_ROW_KINDS[Math.floor(u01(hash32(w.options.seed, STREAM.badRow, i, t + 0x5bd1e995)) * BAD_ROW_KINDS.length)];
  if (kind === 'high_below_low') return { ...row, high: row.low, low: row.high };
  if (kind === 'negative_volume') return { ...row, volume: -Math.abs(Number(row.volume) || 1) };
  return { ...row, open: 'n/a' as unknown as number };
}
