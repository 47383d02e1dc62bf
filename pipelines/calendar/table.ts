/**
 * The precomputed per-day table behind TseCalendar: one slot per calendar day of the supported range,
 * plus a prefix count of sessions so that counting, ranking and stepping by n sessions are O(1).
 */
import { daysInMonth, parseIso, weekday, type DayNumber, type IsoDate } from './dates';
import { holidayMap } from './holidays';

export const MIN_DATE: IsoDate = '1990-01-01';
export const MAX_DATE: IsoDate = '2099-12-31';
export const FIRST_DAY: DayNumber = parseIso(MIN_DATE);
export const LAST_DAY: DayNumber = parseIso(MAX_DATE);
export const DAY_COUNT = LAST_DAY - FIRST_DAY + 1;

/** Day kinds; plain numbers (not a const enum) so isolated-module transpilers see the same values. */
export const SESSION = 0;
export const HALF_DAY = 1;
export const WEEKEND = 2;
export const HOLIDAY = 3;
export const YEAR_END = 4;
export const SPECIAL = 5;
export const JQUANTS_CLOSED = 6;

export const isSessionKind = (kind: number) => kind === SESSION || kind === HALF_DAY;

/** Full-day closures that are not holidays. */
export const SPECIAL_CLOSURES: ReadonlyArray<{ date: IsoDate; reason: string }> = [
  { date: '2020-10-01', reason: '2020-10-01 system failure (arrowhead)' },
];

/**
 * One-off holidays proclaimed by special acts. The package has all of them today; they are listed so a
 * package release that lost one cannot silently reopen the market on that day (it becomes a special
 * closure instead).
 */
export const ONE_OFF_HOLIDAYS: ReadonlyArray<{ date: IsoDate; reason: string }> = [
  { date: '1990-11-12', reason: 'enthronement ceremony (即位礼正殿の儀)' },
  { date: '1993-06-09', reason: 'wedding of the Crown Prince (結婚の儀)' },
  { date: '2019-04-30', reason: 'imperial transition holiday (休日)' },
  { date: '2019-05-01', reason: 'accession of the Emperor (休日（祝日扱い）)' },
  { date: '2019-05-02', reason: 'imperial transition holiday (休日)' },
  { date: '2019-10-22', reason: 'enthronement ceremony (休日（祝日扱い）)' },
];

export interface DayTable {
  /** One of the kind constants above, indexed by day - FIRST_DAY. */
  readonly kind: Uint8Array;
  /** Why the day is closed; null on sessions. */
  readonly reason: ReadonlyArray<string | null>;
  /** cum[i] = number of sessions among indices [0, i); length DAY_COUNT + 1. */
  readonly cum: Int32Array;
  /** Indices of the sessions, ascending. */
  readonly sessions: Int32Array;
}

export interface DayOverride {
  kind: number;
  reason: string | null;
}

function finish(kind: Uint8Array, reason: Array<string | null>): DayTable {
  const cum = new Int32Array(DAY_COUNT + 1);
  for (let i = 0; i < DAY_COUNT; i++) cum[i + 1] = cum[i] + (isSessionKind(kind[i]) ? 1 : 0);
  const sessions = new Int32Array(cum[DAY_COUNT]);
  for (let i = 0, k = 0; i < DAY_COUNT; i++) if (isSessionKind(kind[i])) sessions[k++] = i;
  return { kind, reason, cum, sessions };
}

/**
 * Precedence of closure reasons: special closure > holiday > year-end closure > weekend, so the most
 * specific explanation wins (元日 reads as the holiday, a Saturday 文化の日 as the holiday).
 */
export function buildRulesTable(): DayTable {
  const kind = new Uint8Array(DAY_COUNT);
  const reason: Array<string | null> = new Array(DAY_COUNT).fill(null);
  const holidays = holidayMap(Number(MIN_DATE.slice(0, 4)), Number(MAX_DATE.slice(0, 4)));
  const special = new Map<IsoDate, string>(SPECIAL_CLOSURES.map((s) => [s.date, s.reason]));
  for (const o of ONE_OFF_HOLIDAYS) if (!holidays.has(o.date)) special.set(o.date, o.reason);

  for (let i = 0; i < DAY_COUNT; i++) {
    const day = FIRST_DAY + i;
    const iso = isoOfIndex(i);
    const dow = weekday(day);
    const md = iso.slice(5);
    const specialReason = special.get(iso);
    const holiday = holidays.get(iso);
    if (specialReason !== undefined) {
      kind[i] = SPECIAL;
      reason[i] = `special closure: ${specialReason}`;
    } else if (holiday) {
      kind[i] = HOLIDAY;
      reason[i] = `holiday: ${holiday.name} (${holiday.nameEn})`;
    } else if (md === '12-31' || md === '01-01' || md === '01-02' || md === '01-03') {
      kind[i] = YEAR_END;
      reason[i] = 'year-end closure';
    } else if (dow === 0 || dow === 6) {
      kind[i] = WEEKEND;
      reason[i] = 'weekend';
    }
  }
  return finish(kind, reason);
}

/** A copy of `base` with some days replaced, e.g. by the J-Quants calendar. */
export function withOverrides(base: DayTable, overrides: ReadonlyMap<number, DayOverride>): DayTable {
  const kind = base.kind.slice();
  const reason = base.reason.slice();
  for (const [index, o] of overrides) {
    kind[index] = o.kind;
    reason[index] = o.reason;
  }
  return finish(kind, reason);
}

let isoCache: string[] | undefined;

/**
 * ISO strings of every day in range, built once by stepping y/m/d (much cheaper than 40k Date objects),
 * so sessions() over decades only copies references.
 */
export function isoOfIndex(index: number): IsoDate {
  if (!isoCache) {
    const cache = new Array<string>(DAY_COUNT);
    const two = Array.from({ length: 32 }, (_, n) => (n < 10 ? `0${n}` : String(n)));
    let [y, m, d] = MIN_DATE.split('-').map(Number);
    let monthLength = daysInMonth(y, m);
    for (let i = 0; i < DAY_COUNT; i++) {
      cache[i] = `${y}-${two[m]}-${two[d]}`;
      if (++d > monthLength) {
        d = 1;
        if (++m > 12) { m = 1; y += 1; }
        monthLength = daysInMonth(y, m);
      }
    }
    isoCache = cache;
  }
  return isoCache[index];
}
