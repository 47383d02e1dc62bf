import { MARKET_RESTRUCTURE_DATE, type EndpointName, type Row } from '../fields';
import { outageRow, servedBar } from './bars';
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
const EMPTY: RowList = { length: 0, row: () => ({}) };

/** Tickers a query may return, in code order: every one, the one `code` names, or none for an unknown code. */
function tickersOf(w: World, c: string | undefined, keep: (i: number) => boolean): number[] {
  if (c !== undefined) {
    const i = w.codeIndex.get(c);
    return i !== undefined && keep(i) ? [i] : [];
  }
  const out: number[] = [];
  for (let i = 0; i < w.uni.n; i++) if (keep(i)) out.push(i);
  return out;
}

const OUTAGE = -1;

function dailyBars(w: World, params: Params): RowList {
  const c = code(params);
  const d = date(params, 'date');
  if (!c && !d) throw new QueryError(400, REQUIRES_DATE_OR_CODE);
  if (d) {
    const day = dayOf(d);
    const isOutage = w.outage?.day === day;
    const t = lowerBound(w.sessionDays, day);
    const isSession = t < w.sessions.length && w.sessionDays[t] === day;
    const alive = (i: number) => (isOutage ? aliveOnOutage(w, i) : isSession && aliveAt(w, i, t));
    return list(tickersOf(w, c, alive), (i) => (isOutage ? outageRow(w, i) : servedBar(w, i, t)));
  }
  const { lo, hi } = range(w, params);
  const i = w.codeIndex.get(c!);
  if (i === undefined) return EMPTY;
  const positions: number[] = [];
  const first = Math.max(w.listT[i], lowerBound(w.sessionDays, lo));
  const end = Math.min(w.endT[i], lowerBound(w.sessionDays, hi + 1));
  const outageAt = w.outage && w.outage.day >= lo && w.outage.day <= hi && aliveOnOutage(w, i) ? w.outage.nextT : -1;
  for (let t = first; t < end; t++) {
    if (t === outageAt) positions.push(OUTAGE);
    positions.push(t);
  }
  return list(positions, (t) => (t === OUTAGE ? outageRow(w, i) : servedBar(w, i, t)));
}

function listedInfo(w: World, params: Params): RowList {
  const c = code(params);
  const d = date(params, 'date') ?? w.options.asOf;
  if (d > w.options.asOf) return EMPTY;
  const day = dayOf(d);
  return list(tickersOf(w, c, (i) => listedOn(w, i, day)), (i) => {
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
  const only = c === undefined ? undefined : w.codeIndex.get(c);
  if (c !== undefined && only === undefined) return EMPTY;
  // `date` and from/to both name the announcement date; `date` wins when both are given.
  const [first, last] = d ? [dayOf(d), dayOf(d)] : [lo, hi];
  const rows: number[] = [];
  for (let r = 0; r < div.ticker.length; r++) {
    const ann = div.announced[r];
    if (ann >= first && ann <= last && (only === undefined || div.ticker[r] === only)) rows.push(r);
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
