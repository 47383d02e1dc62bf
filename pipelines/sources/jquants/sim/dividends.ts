import type { TseCalendar } from '../../../calendar';
import type { Row } from '../fields';
import { dayOf, isoOf, lowerBound } from './dates';
import { STREAM, gauss, keyOf, seedKey, u01 } from './rng';
import type { Universe } from './universe';

/**
 * Cash dividends: each paying company announces a forecast some weeks before each record date (fiscal
 * year end, and the half-year end for interim payers) and the decided amount some weeks after it, as
 * Japanese companies do with their earnings. ExDate = the last session before the record date (T+2
 * settlement); PayableDate = the first session on or after record + 65 (interim) / 80 (final) days.
 * Only announcements on or before asOf exist. Prices are not dropped on ex-dates (a simplification).
 */
export interface DividendTables {
  ticker: Int32Array;
  announced: Int32Array;
  record: Int32Array;
  ex: Int32Array;
  payable: Int32Array;
  rate: Float64Array;
  /** 1 interim, 2 final (InterimFinalCode). */
  interimFinal: Uint8Array;
  /** 1 decided, 2 forecast (ForecastResultCode). */
  forecastResult: Uint8Array;
}

const monthEnd = (y: number, m: number) => Date.UTC(y, m, 0) / 86_400_000;
const halfYen = (x: number) => Math.max(0.5, Math.round(x * 2) / 2);

export function buildDividends(
  seed: number, calendar: TseCalendar, uni: Universe, sessionDays: Int32Array, listT: Int32Array, endT: Int32Array,
  close: Int32Array, asOf: string,
): DividendTables {
  const T = sessionDays.length;
  // Session lookups inside the simulated history use the session table; only dates past asOf ask the calendar.
  const inHistory = (day: number) => T > 0 && day > sessionDays[0] && day <= sessionDays[T - 1];
  const onOrAfter = (day: number) => {
    if (inHistory(day)) return sessionDays[lowerBound(sessionDays, day)];
    const iso = isoOf(day);
    return dayOf(calendar.isSession(iso) ? iso : calendar.next(iso));
  };
  const before = (day: number) => (inHistory(day) ? sessionDays[lowerBound(sessionDays, day) - 1] : dayOf(calendar.prev(isoOf(day))));
  const asOfDay = dayOf(asOf);
  const firstYear = T > 0 ? Number(isoOf(sessionDays[0]).slice(0, 4)) : 0;
  const lastYear = Number(asOf.slice(0, 4)) + 1;
  const cols: number[][] = [[], [], [], [], [], [], [], []];
  const add = (...values: number[]) => values.forEach((v, c) => cols[c].push(v));
  for (let i = 0; i < uni.n; i++) {
    if (uni.dividendYield[i] === 0) continue;
    const key = keyOf(seedKey(seed, STREAM.dividend), uni.slot[i]);
    const fm = uni.fiscalEndMonth[i];
    const perPayment = uni.dividendYield[i] * (uni.paysInterim[i] ? 0.5 : 1);
    for (let y = firstYear; y <= lastYear; y++) {
      const events: Array<[month: number, year: number, code: number]> = [[fm, y, 2]];
      if (uni.paysInterim[i]) events.push(fm > 6 ? [fm - 6, y, 1] : [fm + 6, y - 1, 1]);
      for (const [m, yy, interimFinal] of events) {
        const rec = monthEnd(yy, m);
        const h = keyOf(key, yy * 16 + m);
        const forecastDay = onOrAfter(rec - 45 - Math.floor(u01(keyOf(h, 1)) * 60));
        const tf = lowerBound(sessionDays, forecastDay);
        // The forecast needs a traded history to price from, and the company must still be listed.
        if (forecastDay > asOfDay || tf >= T || tf < listT[i] + 20 || tf >= endT[i]) continue;
        const forecast = halfYen(close[tf * uni.n + i] * perPayment);
        const ex = before(rec);
        const pay = onOrAfter(rec + (interimFinal === 1 ? 65 : 80));
        add(i, forecastDay, rec, ex, pay, forecast, interimFinal, 2);
        const resultDay = onOrAfter(rec + 35 + Math.floor(u01(keyOf(h, 2)) * 15));
        const tr = lowerBound(sessionDays, resultDay);
        if (resultDay > asOfDay || tr >= endT[i]) continue;
        const decided = u01(keyOf(h, 3)) < 0.6 ? forecast : halfYen(forecast * (1 + 0.08 * gauss(keyOf(h, 4))));
        add(i, resultDay, rec, ex, pay, decided, interimFinal, 1);
      }
    }
  }
  // Order by (announcement, ticker, interim before final, forecast before result) through one packed numeric
  // key per row (row index in the low 20 bits; all of it stays below 2^53), so the native typed-array sort does the work.
  const count = cols[0].length;
  const keys = new Float64Array(count);
  for (let r = 0; r < count; r++) {
    keys[r] = ((cols[1][r] * 8192 + cols[0][r]) * 4 + (cols[6][r] - 1) * 2 + (2 - cols[7][r])) * 1_048_576 + r;
  }
  keys.sort();
  const order = Array.from(keys, (k) => k % 1_048_576);
  const col = (c: number) => Int32Array.from(order, (r) => cols[c][r]);
  return {
    ticker: col(0), announced: col(1), record: col(2), ex: col(3), payable: col(4),
    rate: Float64Array.from(order, (r) => cols[5][r]), interimFinal: Uint8Array.from(order, (r) => cols[6][r]),
    forecastResult: Uint8Array.from(order, (r) => cols[7][r]),
  };
}

export function dividendRow(d: DividendTables, uni: Universe, r: number): Row {
  const code = uni.codes[d.ticker[r]];
  const announced = isoOf(d.announced[r]);
  return {
    announcement_date: announced,
    code,
    // Unique per row: announcement day, company, interim/final and forecast/result.
    reference_number: `${announced.replace(/-/g, '')}${code}${d.interimFinal[r]}${d.forecastResult[r]}`,
    status_code: '1',
    interim_final_code: String(d.interimFinal[r]),
    forecast_result_code: String(d.forecastResult[r]),
    gross_dividend_rate: d.rate[r],
    record_date: isoOf(d.record[r]),
    ex_date: isoOf(d.ex[r]),
    payable_date: isoOf(d.payable[r]),
  };
}
