/**
 * Point-in-time selection of the weekly investor-type statistics (trades_spec). The rule: a run as of session D
 * uses only what was published before D's run, i.e. a row is usable from the first session strictly after its
 * published_date (J-Quants publishes in the evening; never by end_date). A correction keeps the week's
 * (section, start_date, end_date) with a newer published_date and replaces the original only from its own
 * usable session, so a backtest between the two dates sees the original, as a live run would have.
 */
import type { TseCalendar } from '../calendar';
import { lowerBound } from '../util/search';

export interface InvestorTypeRow {
  published_date: string;
  start_date: string;
  end_date: string;
  section: string;
}

/** Only `next` is needed (first session strictly after a date); a J-Quants-backed TseCalendar also fits. */
export type SessionCalendar = Pick<TseCalendar, 'next'>;

interface Version<R> {
  row: R;
  published: string;
  usable: string;
}

interface Week<R> {
  start: string;
  end: string;
  /** Ascending by published date, hence by usable date too (next() is monotone). */
  versions: Version<R>[];
}

/** Per section (sorted by name): its weeks ascending by (end_date, start_date). */
function indexRows<R extends InvestorTypeRow>(rows: readonly R[], calendar: SessionCalendar): Map<string, Week<R>[]> {
  const usableOf = new Map<string, string>();
  const weeks = new Map<string, Week<R>>();
  const bySection = new Map<string, Week<R>[]>();
  for (const row of rows) {
    const { section, start_date: start, end_date: end, published_date: published } = row;
    let usable = usableOf.get(published);
    if (usable === undefined) {
      usable = calendar.next(published);
      usableOf.set(published, usable);
    }
    const key = `${section}|${start}|${end}`;
    let week = weeks.get(key);
    if (!week) {
      week = { start, end, versions: [] };
      weeks.set(key, week);
      const list = bySection.get(section);
      if (list) list.push(week);
      else bySection.set(section, [week]);
    }
    week.versions.push({ row, published, usable });
  }
  const out = new Map<string, Week<R>[]>();
  for (const section of [...bySection.keys()].sort()) {
    const list = bySection.get(section)!;
    list.sort((a, b) => cmp(a.end, b.end) || cmp(a.start, b.start));
    for (const week of list) {
      week.versions.sort((a, b) => cmp(a.published, b.published));
      for (let v = 1; v < week.versions.length; v++) {
        // The key includes published_date; two rows with the same one are a duplicate the ingest should have rejected.
        if (week.versions[v].published === week.versions[v - 1].published) {
          throw new Error(`investor types: two rows for ${section} ${week.start}..${week.end} published ${week.versions[v].published}`);
        }
      }
    }
    out.set(section, list);
  }
  return out;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * For each section with anything usable at `asOfSession`: its weeks ascending by end_date, each as the latest
 * version usable then. `asOfSession` need not be a session: "usable by" compares dates.
 */
export function investorTypesAsOf<R extends InvestorTypeRow>(rows: readonly R[], asOfSession: string, calendar: SessionCalendar): Map<string, R[]> {
  const out = new Map<string, R[]>();
  for (const [section, weeks] of indexRows(rows, calendar)) {
    const series: R[] = [];
    for (const week of weeks) {
      let v = week.versions.length - 1;
      while (v >= 0 && week.versions[v].usable > asOfSession) v--;
      if (v >= 0) series.push(week.versions[v].row);
    }
    if (series.length > 0) out.set(section, series);
  }
  return out;
}

export interface InvestorTypesTimeline<R> {
  readonly sessions: readonly string[];
  /** Sections present in the rows, sorted. */
  readonly sections: readonly string[];
  /** What investorTypesAsOf(rows, sessions[s]) gives for the section (empty when none, or for an unknown section). */
  seriesAt(section: string, s: number): R[];
  /**
   * The last n visible values of a numeric field at every session: row s is out[s*n .. s*n+n), oldest first,
   * newest last, NaN-padded at the front while fewer than n weeks are visible (null values are NaN too).
   * One sweep over the sessions: O(rows · log + sessions · n).
   */
  lastN(section: string, field: string, n: number): Float64Array;
  /** end_date of the newest visible week at every session (null before the first): how stale lastN is. */
  latestEndDate(section: string): Array<string | null>;
}

interface SectionEvents {
  weekCount: number;
  /** Parallel arrays in application order: session index at which version becomes visible, its week and row. */
  at: Int32Array;
  week: Int32Array;
  version: Int32Array;
}


/**
 * The batch form for backfills over many as-of sessions (ascending). Each row version becomes an event at the
 * first listed session on or after its usable date; sweeping the sessions once applies them in order, so no
 * session ever rescans the weeks.
 */
export function investorTypesTimeline<R extends InvestorTypeRow>(
  rows: readonly R[], sessions: readonly string[], calendar: SessionCalendar,
): InvestorTypesTimeline<R> {
  for (let s = 1; s < sessions.length; s++) {
    if (!(sessions[s - 1] < sessions[s])) throw new RangeError(`investorTypesTimeline: sessions must ascend strictly (${sessions[s - 1]}, ${sessions[s]})`);
  }
  const S = sessions.length;
  const index = indexRows(rows, calendar);
  const events = new Map<string, SectionEvents>();
  for (const [section, weeks] of index) {
    const list: Array<[at: number, week: number, version: number, published: string]> = [];
    weeks.forEach((week, w) => week.versions.forEach((v, k) => {
      const at = lowerBound(sessions, v.usable);
      if (at < S) list.push([at, w, k, v.published]);
    }));
    // Same session: the later publication must land last, so it is the one left standing.
    list.sort((a, b) => a[0] - b[0] || cmp(a[3], b[3]));
    events.set(section, {
      weekCount: weeks.length,
      at: Int32Array.from(list, (e) => e[0]), week: Int32Array.from(list, (e) => e[1]), version: Int32Array.from(list, (e) => e[2]),
    });
  }

  /** Sweeps one section's events over the sessions, calling visit(s, visibleWeeksAscending, count) after each session. */
  const sweep = (section: string, onEvent: (week: number, version: number) => void, visit: (s: number, visible: Int32Array, count: number) => void) => {
    const ev = events.get(section);
    const visible = new Int32Array(ev?.weekCount ?? 0);
    const seen = new Uint8Array(ev?.weekCount ?? 0);
    let count = 0;
    let e = 0;
    for (let s = 0; s < S; s++) {
      while (ev && e < ev.at.length && ev.at[e] <= s) {
        const w = ev.week[e];
        onEvent(w, ev.version[e]);
        if (!seen[w]) {
          seen[w] = 1;
          // Weeks nearly always appear in order, so this insertion is an append; an old week published late shifts.
          let j = count++;
          while (j > 0 && visible[j - 1] > w) {
            visible[j] = visible[j - 1];
            j--;
          }
          visible[j] = w;
        }
        e++;
      }
      visit(s, visible, count);
    }
  };

  const checkSession = (s: number) => {
    if (!Number.isInteger(s) || s < 0 || s >= S) throw new RangeError(`session index must be in 0..${S - 1}, got ${s}`);
  };

  return {
    sessions,
    sections: [...index.keys()],
    seriesAt(section, s) {
      checkSession(s);
      const at = sessions[s];
      const out: R[] = [];
      for (const week of index.get(section) ?? []) {
        let v = week.versions.length - 1;
        while (v >= 0 && week.versions[v].usable > at) v--;
        if (v >= 0) out.push(week.versions[v].row);
      }
      return out;
    },
    lastN(section, field, n) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`lastN: n must be a positive integer, got ${n}`);
      const weeks = index.get(section) ?? [];
      const values = new Float64Array(weeks.length).fill(NaN);
      const out = new Float64Array(S * n).fill(NaN);
      sweep(section, (w, v) => {
        const x = (weeks[w].versions[v].row as unknown as Record<string, unknown>)[field];
        values[w] = typeof x === 'number' ? x : NaN;
      }, (s, visible, count) => {
        const m = count < n ? count : n;
        const base = s * n + (n - m);
        for (let j = 0; j < m; j++) out[base + j] = values[visible[count - m + j]];
      });
      return out;
    },
    latestEndDate(section) {
      const weeks = index.get(section) ?? [];
      const out = new Array<string | null>(S).fill(null);
      sweep(section, () => {}, (s, visible, count) => {
        if (count > 0) out[s] = weeks[visible[count - 1]].end;
      });
      return out;
    },
  };
}
