/**
 * Total-return (dividend) adjustment, an option on top of the split adjustment. J-Quants adjusts no dividends.
 *
 * Units: J-Quants' GrossDividendRate is per share held on the record date. The ex-date is the session after the
 * last cum session (T+2 settlement), and a split whose record date is the same has the same ex-date, so the
 * record-date share is the share of the row *before* the ex-date row: the dividend is in the units of row t − 1
 * even when a split takes effect on row t. P_prev is therefore the close of row t − 1 in row t − 1's units (the
 * last traded close before it, rescaled by the cumulative split factors when the stock did not trade). D / P_prev
 * is unit-free, so split-adjusting D and P_prev to any other as-of date gives the same multiplier.
 */
import { cumulativeFactors } from './splits';
import { lowerBound } from '../util/search';

/** The subset of /fins/dividend rows used here (internal snake_case names). */
export interface DividendRow {
  code?: string | null;
  ticker?: string | null;
  ex_date?: string | null;
  gross_dividend_rate?: number | null;
  /** Point-in-time availability: a row announced after the as-of date is not used. */
  announcement_date?: string | null;
  reference_number?: string | null;
  /** 1 new, 2 revised, 3 deleted. */
  status_code?: string | null;
  /** 1 interim, 2 final. */
  interim_final_code?: string | null;
}

/** J-Quants' 5-character code (check digit 0) names the same stock as the contracts' 4-character ticker. */
export function tickerOfCode(code: string): string {
  const c = code.trim().toUpperCase();
  return c.length === 5 && c.endsWith('0') ? c.slice(0, 4) : c;
}

/** Reference numbers are digit strings of varying length in the real API: compare them as numbers would. */
function compareRef(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b) && a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}


/**
 * Cash dividend per share on each row of one ticker's series (ascending `dates`), 0 elsewhere.
 *
 * Forecasts, decisions, revisions and deletions of one payment share (ex_date, interim/final); the latest one
 * announced by `knownBy` (default: the last date) wins, a deletion or an undetermined amount ("-", read as null)
 * meaning no dividend. A payment whose ex-date is not a row lands on the next row, so the return over the gap
 * still carries it; ex-dates before the first row or after the last are outside the series.
 */
export function dividendsPerRow(dates: readonly string[], dividends: readonly DividendRow[], knownBy?: string): Float64Array {
  const n = dates.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  const cutoff = knownBy ?? dates[n - 1];
  const latest = new Map<string, DividendRow>();
  for (const d of dividends) {
    if (!d.ex_date || (d.announcement_date && d.announcement_date > cutoff)) continue;
    const key = `${d.ex_date}|${d.interim_final_code ?? ''}`;
    const seen = latest.get(key);
    if (!seen || isNewer(d, seen)) latest.set(key, d);
  }
  for (const d of latest.values()) {
    const rate = d.gross_dividend_rate;
    if (d.status_code === '3' || rate === null || rate === undefined || !Number.isFinite(rate)) continue;
    if (rate < 0) throw new RangeError(`dividend ${d.reference_number ?? d.ex_date}: negative amount ${rate}`);
    const ex = d.ex_date!;
    if (ex < dates[0]) continue;
    const t = lowerBound(dates, ex);
    if (t < n) out[t] += rate;
  }
  return out;
}

function isNewer(a: DividendRow, b: DividendRow): boolean {
  const da = a.announcement_date ?? '';
  const db = b.announcement_date ?? '';
  if (da !== db) return da > db;
  return compareRef(a.reference_number ?? '', b.reference_number ?? '') > 0;
}

export type TotalReturnInput = { close: Float64Array } & ({ cumFactor: Float64Array } | { factor: Float64Array });

/**
 * G[t] = product over dividend rows s <= t of (1 + D[s] / P_prev[s]), the dividend twin of cumulativeFactors:
 * backward-looking, so storable once amounts are final. A dividend with no earlier traded close cannot be
 * priced and is skipped (multiplier 1), as is one on the first row.
 */
export function totalReturnFactors(series: TotalReturnInput, dividend: Float64Array): Float64Array {
  const close = series.close;
  const n = close.length;
  if (dividend.length !== n) throw new RangeError(`totalReturnFactors: dividend has ${dividend.length} rows, close has ${n}`);
  const cum = 'cumFactor' in series ? series.cumFactor : cumulativeFactors(series.factor);
  if (cum.length !== n) throw new RangeError(`totalReturnFactors: factors have ${cum.length} rows, close has ${n}`);
  const out = new Float64Array(n);
  let g = 1;
  let lastClose = NaN;
  let lastCum = NaN;
  for (let t = 0; t < n; t++) {
    const d = dividend[t];
    if (d > 0 && lastClose === lastClose) {
      const pPrev = lastClose * (cum[t - 1] / lastCum);
      g *= 1 + d / pPrev;
    }
    out[t] = g;
    const c = close[t];
    if (c === c) {
      lastClose = c;
      lastCum = cum[t];
    }
  }
  return out;
}

/**
 * tr_factor = G[t] / G[asOf] (1 on the as-of row) and tr_close = adjusted close × tr_factor: the as-of row keeps
 * its split-adjusted close and earlier closes shrink by the dividends paid since, so returns include them.
 */
export function totalReturnSeries(adjClose: Float64Array, trCum: Float64Array, asOfIndex?: number): { factor: Float64Array; close: Float64Array } {
  const n = adjClose.length;
  if (trCum.length !== n) throw new RangeError(`totalReturnSeries: factors have ${trCum.length} rows, close has ${n}`);
  const a = asOfIndex ?? n - 1;
  if (n > 0 && (!Number.isInteger(a) || a < 0 || a >= n)) throw new RangeError(`asOfIndex must be an integer in 0..${n - 1}, got ${a}`);
  const factor = new Float64Array(n);
  const close = new Float64Array(n);
  const ga = n > 0 ? trCum[a] : 1;
  for (let t = 0; t < n; t++) {
    const f = trCum[t] / ga;
    factor[t] = f;
    close[t] = adjClose[t] * f;
  }
  return { factor, close };
}
