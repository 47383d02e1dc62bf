/**
 * Japanese national holidays by the current law (国民の祝日に関する法律 as amended for 2020 onward),
 * as pure functions of the year. The calendar only uses this past the last year of the
 * @holiday-jp/holiday_jp data; the package stays authoritative where it has data because it also
 * carries the one-off holidays (imperial ceremonies, the 2020/2021 Olympic moves) no rule can predict.
 *
 * Not modelled on purpose: law changes before 2020 (this is "the current law" only), and any future
 * amendment. A year computed here is a forecast, to be replaced by the package once it covers the year.
 */
import { dayFromYmd, isoFromDay, weekday, type DayNumber, type IsoDate } from './dates';

export type RuleHolidayKind = 'national' | 'substitute' | 'citizens';

export interface RuleHoliday {
  date: IsoDate;
  name: string;
  nameEn: string;
  kind: RuleHolidayKind;
}

/** The equinox approximation below is only published as valid for these years. */
export const RULES_MIN_YEAR = 1980;
export const RULES_MAX_YEAR = 2099;

function checkYear(year: number): void {
  if (!Number.isInteger(year) || year < RULES_MIN_YEAR || year > RULES_MAX_YEAR) {
    throw new RangeError(`holiday rules: year ${year} is outside ${RULES_MIN_YEAR}-${RULES_MAX_YEAR} (equinox formula validity)`);
  }
}

/**
 * The equinox days are only fixed officially each February for the next year (官報, from the National
 * Astronomical Observatory's ephemeris). The linear approximation tracks the mean tropical year and the
 * leap-year drift; it is the customary forecast for 1980–2099.
 */
function equinoxDayOfMonth(year: number, base: number): number {
  checkYear(year);
  const t = year - 1980;
  return Math.floor(base + 0.242194 * t - Math.floor(t / 4));
}

/** Day of March of 春分の日. */
export function vernalEquinoxDay(year: number): number {
  return equinoxDayOfMonth(year, 20.8431);
}

/** Day of September of 秋分の日. */
export function autumnalEquinoxDay(year: number): number {
  return equinoxDayOfMonth(year, 23.2488);
}

/** Day of month of the n-th given weekday (0 = Sunday) — the Happy Monday rule uses n-th Mondays. */
export function nthWeekdayOfMonth(year: number, month: number, dow: number, n: number): number {
  const firstDow = weekday(dayFromYmd(year, month, 1));
  return 1 + ((dow - firstDow + 7) % 7) + 7 * (n - 1);
}

interface Dated {
  day: DayNumber;
  name: string;
  nameEn: string;
}

const MONDAY = 1;
const SUNDAY = 0;

/** The 国民の祝日 proper: fixed dates, Happy Mondays and the two equinoxes. */
export function nationalHolidays(year: number): RuleHoliday[] {
  checkYear(year);
  const on = (m: number, d: number, name: string, nameEn: string): Dated => ({ day: dayFromYmd(year, m, d), name, nameEn });
  const list: Dated[] = [
    on(1, 1, '元日', "New Year's Day"),
    on(1, nthWeekdayOfMonth(year, 1, MONDAY, 2), '成人の日', 'Coming of Age Day'),
    on(2, 11, '建国記念の日', 'National Foundation Day'),
    on(2, 23, '天皇誕生日', "Emperor's Birthday"),
    on(3, vernalEquinoxDay(year), '春分の日', 'Vernal Equinox Day'),
    on(4, 29, '昭和の日', 'Showa Day'),
    on(5, 3, '憲法記念日', 'Constitution Memorial Day'),
    on(5, 4, 'みどりの日', 'Greenery Day'),
    on(5, 5, 'こどもの日', "Children's Day"),
    on(7, nthWeekdayOfMonth(year, 7, MONDAY, 3), '海の日', 'Marine Day'),
    on(8, 11, '山の日', 'Mountain Day'),
    on(9, nthWeekdayOfMonth(year, 9, MONDAY, 3), '敬老の日', 'Respect for the Aged Day'),
    on(9, autumnalEquinoxDay(year), '秋分の日', 'Autumnal Equinox Day'),
    on(10, nthWeekdayOfMonth(year, 10, MONDAY, 2), 'スポーツの日', 'Sports Day'),
    on(11, 3, '文化の日', 'Culture Day'),
    on(11, 23, '勤労感謝の日', 'Labor Thanksgiving Day'),
  ];
  return list.sort((a, b) => a.day - b.day).map((h) => ({ date: isoFromDay(h.day), name: h.name, nameEn: h.nameEn, kind: 'national' }));
}

/**
 * Article 3(2): a national holiday on a Sunday makes the nearest following day that is not itself a
 * national holiday a 振替休日 (so Golden Week pushes it to May 6). No holiday falls late in December,
 * so a substitute never crosses into the next year under the current law.
 */
export function substituteHolidays(national: readonly RuleHoliday[]): RuleHoliday[] {
  const days = new Set(national.map((h) => dayOf(h.date)));
  const out: RuleHoliday[] = [];
  for (const h of national) {
    const day = dayOf(h.date);
    if (weekday(day) !== SUNDAY) continue;
    let sub = day + 1;
    while (days.has(sub)) sub += 1;
    out.push({ date: isoFromDay(sub), name: `${h.name} 振替休日`, nameEn: `Substitute holiday for ${h.nameEn}`, kind: 'substitute' });
  }
  return out;
}

/**
 * Article 3(3): a day that is not a national holiday but whose previous and next days both are becomes
 * a 国民の休日. Only national holidays count as neighbours (not substitutes). Under the current law this
 * only happens in September, when the autumnal equinox falls two days after Respect for the Aged Day.
 */
export function citizensHolidays(national: readonly RuleHoliday[]): RuleHoliday[] {
  const days = new Set(national.map((h) => dayOf(h.date)));
  const out: RuleHoliday[] = [];
  for (const day of [...days].sort((a, b) => a - b)) {
    const between = day + 1;
    if (!days.has(between) && days.has(between + 1)) {
      out.push({ date: isoFromDay(between), name: '国民の休日', nameEn: "Citizens' Holiday", kind: 'citizens' });
    }
  }
  return out;
}

/** Every holiday of the year by the current law, sorted by date, one entry per date. */
export function holidaysByRule(year: number): RuleHoliday[] {
  const national = nationalHolidays(year);
  const byDate = new Map<IsoDate, RuleHoliday>();
  for (const h of [...national, ...substituteHolidays(national), ...citizensHolidays(national)]) {
    if (!byDate.has(h.date)) byDate.set(h.date, h);
  }
  return [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

function dayOf(iso: IsoDate): DayNumber {
  return dayFromYmd(Number(iso.slice(0, 4)), Number(iso.slice(5, 7)), Number(iso.slice(8, 10)));
}
