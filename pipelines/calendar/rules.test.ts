import {
  autumnalEquinoxDay, citizensHolidays, holidaysByRule, nationalHolidays, nthWeekdayOfMonth, substituteHolidays, vernalEquinoxDay,
} from './rules';
import { packageDataYears, packageHolidays } from './holidays';
import { dayFromYmd, isoFromDay, parseIso, weekday } from './dates';

const { first: PKG_FIRST, last: PKG_LAST } = packageDataYears();

describe('calendar arithmetic', () => {
  it.each<[string, number]>([
    ['1970-01-01', 4], ['1990-01-01', 1], ['2000-02-29', 2], ['2024-11-05', 2], ['2099-12-31', 4],
  ])('%s is weekday %i and round-trips', (iso, dow) => {
    expect(weekday(parseIso(iso))).toBe(dow);
    expect(isoFromDay(parseIso(iso))).toBe(iso);
  });

  it('years below 100 are not read as 19xx', () => {
    expect(dayFromYmd(95, 1, 1)).toBeLessThan(dayFromYmd(1000, 1, 1));
    expect(isoFromDay(dayFromYmd(2000, 1, 1) - 146_097 * 4)).toBe('0400-01-01');
  });
});

describe('equinox formula', () => {
  // Official dates (官報 announcements) for past years, independent of the package.
  it.each<[number, number, number]>([
    [1990, 21, 23], [2000, 20, 23], [2012, 20, 22], [2016, 20, 22], [2020, 20, 22], [2023, 21, 23], [2024, 20, 22], [2025, 20, 23],
  ])('%i: March %i, September %i', (year, march, september) => {
    expect(vernalEquinoxDay(year)).toBe(march);
    expect(autumnalEquinoxDay(year)).toBe(september);
  });

  it(`matches every equinox in @holiday-jp/holiday_jp for 1980–${PKG_LAST}`, () => {
    const mismatches: string[] = [];
    for (let y = Math.max(1980, PKG_FIRST); y <= PKG_LAST; y++) {
      const byName = new Map(packageHolidays(y).map((h) => [h.name, h.date]));
      const expected = [`${y}-03-${String(vernalEquinoxDay(y)).padStart(2, '0')}`, `${y}-09-${autumnalEquinoxDay(y)}`];
      const actual = [byName.get('春分の日'), byName.get('秋分の日')];
      if (actual[0] !== expected[0] || actual[1] !== expected[1]) mismatches.push(`${y}: package ${actual} rules ${expected}`);
    }
    expect(mismatches).toEqual([]);
  });

  it('refuses years outside the formula validity', () => {
    expect(() => vernalEquinoxDay(1979)).toThrow(RangeError);
    expect(() => holidaysByRule(2100)).toThrow(/outside 1980-2099/);
  });
});

describe('rule pieces', () => {
  it.each<[number, number, number, number, number]>([
    [2024, 1, 1, 2, 8], [2025, 7, 1, 3, 21], [2026, 9, 1, 3, 21], [2026, 10, 1, 2, 12], [2024, 9, 0, 1, 1],
  ])('%i-%i: occurrence of weekday %i number %i is day %i', (y, m, dow, n, expected) => {
    expect(nthWeekdayOfMonth(y, m, dow, n)).toBe(expected);
  });

  it('national holidays are 16 per year, sorted', () => {
    const list = nationalHolidays(2030);
    expect(list).toHaveLength(16);
    expect([...list].sort((a, b) => a.date.localeCompare(b.date))).toEqual(list);
  });

  it.each<[number, string, string]>([
    [2026, '2026-05-06', 'May 3 on Sunday: 4 and 5 are holidays, so the substitute lands on May 6'],
    [2051, '2051-01-02', 'New Year on Sunday'],
    [2024, '2024-11-04', 'Culture Day on Sunday'],
    [2024, '2024-09-23', 'autumnal equinox on Sunday'],
  ])('%i substitute %s (%s)', (year, date) => {
    expect(substituteHolidays(nationalHolidays(year)).map((h) => h.date)).toContain(date);
  });

  it.each<[number, string[]]>([
    [2009, ['2009-09-22']], [2015, ['2015-09-22']], [2026, ['2026-09-22']], [2032, ['2032-09-21']], [2024, []], [2060, ['2060-09-21']],
  ])('%i citizens holidays %p', (year, dates) => {
    expect(citizensHolidays(nationalHolidays(year)).map((h) => h.date)).toEqual(dates);
  });

  it('a substitute is never a Saturday or a national holiday, and follows a Sunday holiday', () => {
    for (let y = 2022; y <= 2099; y++) {
      const national = nationalHolidays(y);
      const nationalDates = new Set(national.map((h) => h.date));
      for (const s of substituteHolidays(national)) {
        expect(nationalDates.has(s.date)).toBe(false);
        expect(weekday(parseIso(s.date))).not.toBe(6);
        let d = parseIso(s.date) - 1;
        while (nationalDates.has(isoFromDay(d)) && weekday(d) !== 0) d -= 1;
        expect(weekday(d)).toBe(0);
      }
    }
  });
});

/**
 * The real cross-check: the rule engine against the package's independently maintained data, for every
 * year the current law applies unchanged. 2019–2021 are left out (imperial transition, Olympic moves of
 * 海の日/スポーツの日/山の日); earlier years followed earlier versions of the law.
 */
describe(`rule engine vs @holiday-jp/holiday_jp, 2022–${PKG_LAST}`, () => {
  const years = Array.from({ length: PKG_LAST - 2022 + 1 }, (_, i) => 2022 + i);

  it('the package covers at least 2022–2050', () => {
    expect(PKG_LAST).toBeGreaterThanOrEqual(2050);
  });

  it.each(years)('%i', (year) => {
    const rules = holidaysByRule(year);
    const pkg = packageHolidays(year);
    expect(rules.map((h) => h.date)).toEqual(pkg.map((h) => h.date));
    rules.forEach((r, i) => {
      const p = pkg[i];
      if (r.kind === 'national') expect(p.name).toBe(r.name);
      if (r.kind === 'substitute') expect(p.name).toMatch(/振替休日$/);
      if (r.kind === 'citizens') expect(p.name).toBe('休日');
    });
  });

  it('rules and package disagree in 2019–2021, as expected for one-off law changes', () => {
    for (const year of [2019, 2020, 2021]) {
      expect(holidaysByRule(year).map((h) => h.date)).not.toEqual(packageHolidays(year).map((h) => h.date));
    }
  });
});
