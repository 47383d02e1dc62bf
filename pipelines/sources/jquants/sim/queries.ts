import { MARKET_RESTRUCTURE_DATE, type EndpointName, type Row } from '../fields';
import { barRow, outageRow } from './bars';
import { dayOf, isoOf, lowerBound, parseQueryDate } from './dates';
import { dividendRow } from './dividends';
import { SECTION_NAMES, investorRow } from './investors';
import { MARGIN_NAMES, MARKET_NAMES, SECTOR17, SECTOR33 } from './reference';
import { OUTAGE_DATE, aliveAt, aliveOnOutage, listedOn, type World } from './world';

/** A query's rows, produced one at a time so a page never builds more row objects than it serves. */
export interface RowList {
  length: number;
  row(k: number): Row;
}

export class QueryError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export type Params = Record<string, string>;

const REQUIRES_DATE_OR_CODE = 'This API requires at least 1 parameter as follows; date, code';
const RESTRUCTURE_DAY = dayOf(MARKET_RESTRUCTURE_DATE);
const ALL_DAYS = 2 ** 30;

function date(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  const iso = parseQueryDate(value);
  if (!iso) throw new QueryError(400, `'${name}' must be a date in the form YYYY-MM-DD or YYYYMMDD, got '${value}'.`);
  return iso;
}

/** 4-character local codes name the common stock, i.e. the 5-character code with check digit 0. */
function code(params: Params): string | undefined {
  const value = params.code?.trim().toUpperCase();
  if (!value) return undefined;
  return value.length === 4 ? `${value}0` : value;
}

/** A from/to window in day numbers; 413 when wider than maxRangeDays, like J-Quants' "response too large". */
function range(w: World, params: Params): { lo: number; hi: number; given: boolean } {
  const from = date(params, 'from');
  const to = date(params, 'to');
  const lo = from ? dayOf(from) : -ALL_DAYS;
  const hi = to ? dayOf(to) : ALL_DAYS;
  if (from || to) {
    const span = Math.min(hi, dayOf(w.options.asOf)) - Math.max(lo, w.sessions.length ? w.sessionDays[0] : lo);
    if (span > w.options.maxRangeDays) {
      throw new QueryError(413, 'Response data is too large. Specify parameters to reduce the acquired data range.');
    }
  }
  return { lo, hi, given: !!(from || to) };
}

const list = (indices: ArrayLike<number>, row: (v: number) => Row): RowList => ({ length: indices.length, row: (k) => row(indices[k]) });

function tickerIndex(w: World): Map<string, number> {
  const cache = w as World & { codeIndex?: Map<string, number> };
  cache.codeIndex ??= new Map(w.uni.codes.map((c, i) => [c, i]));
  return cache.codeIndex;
}

const OUTAGE = -1;

function dailyBars(w: World, params: Params): RowList {
  const c = code(params);
  const d = date(params, 'date');
  if (!c && !d) throw new QueryError(400, REQUIRES_DATE_OR_CODE);
  const rowAt = (i: number) => (t: number) => (t === OUTAGE ? outageRow(w, i) : barRow(w, i, t));
  if (d) {
    const day = dayOf(d);
    const isOutage = w.outage?.day === day;
    const t = lowerBound(w.sessionDays, day);
    const isSession = t < w.sessions.length && w.sessionDays[t] === day;
    const alive = (i: number) => (isOutage ? aliveOnOutage(w, i) : isSession && aliveAt(w, i, t));
    const at = (i: number) => (isOutage ? outageRow(w, i) : barRow(w, i, t));
    if (c) {
      const i = tickerIndex(w).get(c);
      return i !== undefined && alive(i) ? list([i], at) : list([], at);
    }
    const tickers: number[] = [];
    for (let i = 0; i < w.uni.n; i++) if (alive(i)) tickers.push(i);
    return list(tickers, at);
  }
  const { lo, hi } = range(w, params);
  const i = tickerIndex(w).get(c!);
  if (i === undefined) return list([], () => ({}));
  const positions: number[] = [];
  const first = Math.max(w.listT[i], lowerBound(w.sessionDays, lo));
  const end = Math.min(w.endT[i], lowerBound(w.sessionDays, hi + 1));
  const outageAt = w.outage && w.outage.day >= lo && w.outage.day <= hi && aliveOnOutage(w, i) ? w.outage.nextT : -1;
  for (let t = first; t < end; t++) {
    if (t === outageAt) positions.push(OUTAGE);
    positions.push(t);
  }
  return list(positions, rowAt(i));
}

function listedInfo(w: World, params: Params): RowList {
  const c = code(params);
  const d = date(params, 'date') ?? w.options.asOf;
  if (d > w.options.asOf) return list([], () => ({}));
  const day = dayOf(d);
  const tickers: number[] = [];
  const only = c === undefined ? undefined : tickerIndex(w).get(c);
  if (c !== undefined && only === undefined) return list([], () => ({}));
  for (let i = only ?? 0; i < (only === undefined ? w.uni.n : only + 1); i++) if (listedOn(w, i, day)) tickers.push(i);
  return list(tickers, (i) => {
    const u = w.uni;
    const sector = SECTOR33[u.sector33[i]];
    const [s17code, s17name] = SECTOR17[sector.s17];
    const market = day < RESTRUCTURE_DAY ? u.marketBefore[i] : u.marketAfter[i];
    return {
      date: d, code: u.codes[i], company_name: u.nameJa[i], company_name_english: u.nameEn[i],
      sector17_code: s17code, sector17_code_name: s17name, sector33_code: sector.code, sector33_code_name: sector.name,
      scale_category: u.scale[i], market_code: market, market_code_name: MARKET_NAMES[market],
      margin_code: u.margin[i], margin_code_name: MARGIN_NAMES[u.margin[i]],
    };
  });
}

/** Last day the calendar endpoint knows: J-Quants adds the next year's calendar around the end of March. */
function calendarEnd(asOf: string): number {
  const year = Number(asOf.slice(0, 4)) + (asOf.slice(5) >= '03-31' ? 1 : 0);
  return dayOf(`${year}-12-31`);
}

function tradingCalendar(w: World, params: Params): RowList {
  const division = params.holidaydivision;
  if (division !== undefined && division !== '' && !['0', '1', '2', '3'].includes(division)) {
    throw new QueryError(400, `'holidaydivision' must be one of 0, 1, 2, 3, got '${division}'.`);
  }
  const { lo, hi } = range(w, params);
  const start = Math.max(lo, dayOf(w.options.from));
  const end = Math.min(hi, calendarEnd(w.options.asOf));
  const days: number[] = [];
  const divisions: string[] = [];
  for (let day = start; day <= end; day++) {
    const iso = isoOf(day);
    // The outage day is no session by the rules, but J-Quants lists it as a business day (it has rows).
    const div = w.calendar.isSession(iso) || iso === OUTAGE_DATE ? '1' : '0';
    if (division && division !== div) continue;
    days.push(day);
    divisions.push(div);
  }
  return { length: days.length, row: (k) => ({ date: isoOf(days[k]), holiday_division: divisions[k] }) };
}

function investorTypes(w: World, params: Params): RowList {
  const section = params.section;
  if (section && !SECTION_NAMES.includes(section)) {
    throw new QueryError(400, `'section' must be one of ${SECTION_NAMES.join(', ')}, got '${section}'.`);
  }
  // from/to select by PublishedDate, as J-Quants documents for trades_spec.
  const { lo, hi } = range(w, params);
  const inv = w.investors;
  const rows: number[] = [];
  for (let r = 0; r < inv.rowWeek.length; r++) {
    const pub = dayOf(inv.rowPublished[r]);
    if (pub < lo || pub > hi) continue;
    if (section && SECTION_NAMES[inv.rowSection[r]] !== section) continue;
    rows.push(r);
  }
  return list(rows, (r) => investorRow(w.options.seed, inv, w.sessions, w.prices.market, r));
}

function dividends(w: World, params: Params): RowList {
  const c = code(params);
  const d = date(params, 'date');
  const { lo, hi, given } = range(w, params);
  if (!c && !d && !given) throw new QueryError(400, 'This API requires at least 1 parameter as follows; code, date, from/to');
  const div = w.dividends;
  const only = c === undefined ? -1 : tickerIndex(w).get(c) ?? -2;
  const day = d ? dayOf(d) : undefined;
  const rows: number[] = [];
  for (let r = 0; r < div.ticker.length; r++) {
    const ann = div.announced[r];
    if (only !== -1 && div.ticker[r] !== only) continue;
    if (day !== undefined ? ann !== day : ann < lo || ann > hi) continue;
    rows.push(r);
  }
  return list(rows, (r) => dividendRow(div, w.uni, r));
}

export const QUERIES: Record<EndpointName, (w: World, params: Params) => RowList> = {
  daily_bars: dailyBars,
  listed_info: listedInfo,
  trading_calendar: tradingCalendar,
  investor_types: investorTypes,
  dividends,
};

/** The query as the pagination key binds it: dates and codes normalised, pagination_key left out. */
export function canonicalQuery(params: Params): string {
  return Object.keys(params).filter((k) => k !== 'pagination_key' && params[k] !== '').sort()
    .map((k) => `${k}=${k === 'code' ? code(params) : parseQueryDate(params[k]) ?? params[k]}`).join('&');
}
