import { parseIso, type IsoDate } from './dates';
import { CalendarRangeError, JQuantsCalendarError, NotASessionError } from './errors';
import { sessionTimesFor, type SessionTimes } from './session-times';
import {
  DAY_COUNT, FIRST_DAY, HALF_DAY, JQUANTS_CLOSED, MAX_DATE, MIN_DATE, SESSION,
  buildRulesTable, isoOfIndex, isSessionKind, withOverrides, type DayOverride, type DayTable,
} from './table';

/** One row of the J-Quants trading calendar as normalised by pipelines/sources/jquants. */
export interface JQuantsCalendarDay {
  date: string;
  holiday_division: string;
}

export interface CalendarDisagreement {
  date: IsoDate;
  /** Whether the calendar J-Quants was applied to (the rules) says session. */
  rules: boolean;
  /** Whether J-Quants says there is a cash-equity session. */
  jquants: boolean;
  rulesReason: string | null;
}

/**
 * J-Quants HolidayDivision: 0 non-business day, 1 business day, 2 half-day (morning only),
 * 3 non-business day with holiday trading (derivatives only — no cash-equity session).
 */
const DIVISIONS: Readonly<Record<string, { session: boolean; kind: number; reason: string | null }>> = {
  '0': { session: false, kind: JQUANTS_CLOSED, reason: 'closed per J-Quants calendar (HolidayDivision 0: non-business day)' },
  '1': { session: true, kind: SESSION, reason: null },
  '2': { session: true, kind: HALF_DAY, reason: null },
  '3': { session: false, kind: JQUANTS_CLOSED, reason: 'closed per J-Quants calendar (HolidayDivision 3: holiday trading in derivatives only)' },
};

let rulesCalendar: TseCalendar | undefined;

/**
 * The Tokyo Stock Exchange cash-equity session calendar, 1990-01-01 … 2099-12-31.
 * Immutable: withJQuants returns a new calendar.
 */
export class TseCalendar {
  readonly minDate: IsoDate = MIN_DATE;
  readonly maxDate: IsoDate = MAX_DATE;
  private table?: DayTable;

  private constructor(private readonly buildTable: () => DayTable) {}

  /** Weekends, holidays (package data, then current-law rules), year-end closure, special closures. Built lazily, once. */
  static fromRules(): TseCalendar {
    rulesCalendar ??= new TseCalendar(buildRulesTable);
    return rulesCalendar;
  }

  /**
   * J-Quants decides for exactly the dates in `days`; every other date keeps this calendar's verdict.
   * A date whose session/closed verdict differs from this calendar is reported (in date order) before
   * the new calendar is returned. A half day ("2") on a rules session is not a disagreement: the rules
   * never claim to know half days.
   */
  withJQuants(days: ReadonlyArray<JQuantsCalendarDay>, onDisagreement?: (d: CalendarDisagreement) => void): TseCalendar {
    const base = this.tbl();
    const overrides = new Map<number, DayOverride & { division: string }>();
    for (const row of days) {
      const index = this.index(row.date);
      const division = row.holiday_division;
      const spec = typeof division === 'string' && Object.hasOwn(DIVISIONS, division) ? DIVISIONS[division] : undefined;
      if (!spec) {
        throw new JQuantsCalendarError(row.date, `unknown HolidayDivision ${JSON.stringify(division)} (expected "0", "1", "2" or "3")`);
      }
      const seen = overrides.get(index);
      if (seen && seen.division !== division) {
        throw new JQuantsCalendarError(row.date, `listed twice with different HolidayDivision ${JSON.stringify(seen.division)} and ${JSON.stringify(division)}`);
      }
      // A day this calendar already closes keeps its more specific kind and reason (e.g. the holiday's name).
      const keepBase = !spec.session && !isSessionKind(base.kind[index]);
      overrides.set(index, keepBase
        ? { kind: base.kind[index], reason: base.reason[index], division }
        : { kind: spec.kind, reason: spec.reason, division });
    }
    if (onDisagreement) {
      for (const index of [...overrides.keys()].sort((a, b) => a - b)) {
        const rules = isSessionKind(base.kind[index]);
        const jquants = isSessionKind(overrides.get(index)!.kind);
        if (rules !== jquants) onDisagreement({ date: isoOfIndex(index), rules, jquants, rulesReason: base.reason[index] });
      }
    }
    const table = withOverrides(base, overrides);
    return new TseCalendar(() => table);
  }

  isSession(date: IsoDate): boolean {
    return isSessionKind(this.tbl().kind[this.index(date)]);
  }

  /** Sessions in [from, to], both ends inclusive; empty when from > to. */
  sessions(from: IsoDate, to: IsoDate): IsoDate[] {
    const [lo, hi] = [this.index(from), this.index(to)];
    if (lo > hi) return [];
    const t = this.tbl();
    const out = new Array<IsoDate>(t.cum[hi + 1] - t.cum[lo]);
    for (let k = t.cum[lo], j = 0; j < out.length; k++, j++) out[j] = isoOfIndex(t.sessions[k]);
    return out;
  }

  /** sessions(from, to).length without building the list. */
  sessionsBetweenCount(from: IsoDate, to: IsoDate): number {
    const [lo, hi] = [this.index(from), this.index(to)];
    if (lo > hi) return 0;
    const t = this.tbl();
    return t.cum[hi + 1] - t.cum[lo];
  }

  /** First session strictly after `date`. */
  next(date: IsoDate): IsoDate {
    return this.addSessions(date, 1);
  }

  /** Last session strictly before `date`. */
  prev(date: IsoDate): IsoDate {
    return this.addSessions(date, -1);
  }

  /**
   * n > 0: the n-th session strictly after `date`; n < 0: the |n|-th session strictly before it;
   * n = 0: `date` itself, which must then be a session. Works from non-session dates too, so
   * addSessions(saturday, 1) is the following Monday (if open).
   */
  addSessions(date: IsoDate, n: number): IsoDate {
    if (!Number.isSafeInteger(n)) throw new RangeError(`addSessions: n must be an integer, got ${n}`);
    const i = this.index(date);
    const t = this.tbl();
    if (n === 0) {
      if (!isSessionKind(t.kind[i])) throw new NotASessionError(date, t.reason[i] ?? 'closed');
      return date;
    }
    const target = n > 0 ? t.cum[i + 1] + n - 1 : t.cum[i] + n;
    if (target < 0 || target >= t.sessions.length) {
      const edge = n > 0 ? `the calendar ends ${MAX_DATE}` : `the calendar starts ${MIN_DATE}`;
      throw new CalendarRangeError(`cannot move ${n} session(s) from ${date}: ${edge}`);
    }
    return isoOfIndex(t.sessions[target]);
  }

  /** 0-based rank of a session among all sessions of the calendar; differences count sessions. */
  sessionIndex(date: IsoDate): number {
    const i = this.index(date);
    const t = this.tbl();
    if (!isSessionKind(t.kind[i])) throw new NotASessionError(date, t.reason[i] ?? 'closed');
    return t.cum[i];
  }

  /** Inverse of sessionIndex. */
  sessionAt(sessionIndex: number): IsoDate {
    const t = this.tbl();
    if (!Number.isSafeInteger(sessionIndex) || sessionIndex < 0 || sessionIndex >= t.sessions.length) {
      throw new CalendarRangeError(`session index ${sessionIndex} is outside 0..${t.sessions.length - 1}`);
    }
    return isoOfIndex(t.sessions[sessionIndex]);
  }

  sessionTimes(date: IsoDate): SessionTimes {
    const i = this.index(date);
    const t = this.tbl();
    const kind = t.kind[i];
    if (!isSessionKind(kind)) throw new NotASessionError(date, t.reason[i] ?? 'closed');
    return sessionTimesFor(FIRST_DAY + i, kind === HALF_DAY);
  }

  /** Why the market is closed on `date`; null on sessions. */
  closedReason(date: IsoDate): string | null {
    const i = this.index(date);
    const t = this.tbl();
    return isSessionKind(t.kind[i]) ? null : (t.reason[i] ?? 'closed');
  }

  private tbl(): DayTable {
    this.table ??= this.buildTable();
    return this.table;
  }

  /** Validates (InvalidDateError) and range-checks (CalendarRangeError) a date; returns its table index. */
  private index(date: IsoDate): number {
    const i = parseIso(date) - FIRST_DAY;
    if (i < 0 || i >= DAY_COUNT) {
      throw new CalendarRangeError(`${date} is outside the TSE calendar range ${MIN_DATE}..${MAX_DATE}`);
    }
    return i;
  }
}
