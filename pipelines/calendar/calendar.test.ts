import { CalendarRangeError, InvalidDateError, NotASessionError, ONE_OFF_HOLIDAYS, SPECIAL_CLOSURES, TseCalendar, packageDataYears } from './index';

const cal = TseCalendar.fromRules();

describe('sessions and closures (table-driven)', () => {
  it.each<[string, string | null, string]>([
    // 2019 imperial transition: ten days off
    ['2019-04-26', null, 'last session before Golden Week 2019'],
    ['2019-04-29', 'holiday: 昭和の日 (Showa Day)', ''],
    ['2019-04-30', 'holiday: 休日 (Holiday)', 'abdication day'],
    ['2019-05-01', 'holiday: 休日（祝日扱い） (Holiday)', 'accession day'],
    ['2019-05-02', 'holiday: 休日 (Holiday)', 'sandwiched day'],
    ['2019-05-03', 'holiday: 憲法記念日 (Constitution Memorial Day)', ''],
    ['2019-05-06', 'holiday: こどもの日 振替休日 (Holiday in lieu)', 'substitute'],
    ['2019-05-07', null, 'first session after Golden Week 2019'],
    ['2019-10-22', 'holiday: 休日（祝日扱い） (Holiday)', 'enthronement ceremony'],
    // other one-off holidays
    ['1990-11-12', 'holiday: 即位礼正殿の儀 (The Ceremony of the Enthronement of His Majesty the Emperor (at the Seiden))', ''],
    ['1993-06-09', 'holiday: 結婚の儀 (The Rite of Wedding of HIH Crown Prince Naruhito)', ''],
    // special closure
    ['2020-10-01', 'special closure: 2020-10-01 system failure (arrowhead)', 'arrowhead failure'],
    ['2020-10-02', null, 'trading resumed'],
    // weekends
    ['2024-11-02', 'weekend', 'Saturday'],
    ['2024-11-03', 'holiday: 文化の日 (National Culture Day)', 'a Sunday holiday reads as the holiday'],
    ['2024-11-04', 'holiday: 文化の日 振替休日 (Holiday in lieu)', 'substitute for a Sunday holiday'],
    // year end
    ['2024-12-30', null, 'Dec 30 on a Monday is a session'],
    ['2024-12-31', 'year-end closure', ''],
    ['2025-01-01', "holiday: 元日 (New Year's Day)", ''],
    ['2025-01-02', 'year-end closure', ''],
    ['2025-01-03', 'year-end closure', ''],
    ['2025-01-06', null, 'first session of 2025'],
    ['2023-12-30', 'weekend', 'Dec 30 on a Saturday'],
    ['2023-12-29', null, 'last session of 2023'],
    ['2021-12-31', 'year-end closure', 'Dec 31 on a Friday'],
    ['2022-01-01', "holiday: 元日 (New Year's Day)", 'Saturday New Year'],
    // equinoxes
    ['2024-03-20', 'holiday: 春分の日 (Vernal Equinox Day)', ''],
    ['2025-09-23', 'holiday: 秋分の日 (Autumnal Equinox Day)', ''],
    ['2024-09-22', 'holiday: 秋分の日 (Autumnal Equinox Day)', 'Sunday equinox'],
    ['2024-09-23', 'holiday: 秋分の日 振替休日 (Holiday in lieu)', ''],
    // citizens' holidays
    ['2009-09-22', "holiday: 休日 (Citizen's Holiday)", 'Silver Week 2009'],
    ['2015-09-22', "holiday: 休日 (Citizen's Holiday)", 'Silver Week 2015'],
    ['2026-09-22', "holiday: 休日 (Citizen's Holiday)", 'Silver Week 2026'],
    // beyond the package's data: rules
    ['2051-01-02', "holiday: 元日 振替休日 (Substitute holiday for New Year's Day)", 'rules: Sunday New Year'],
    ['2054-09-22', "holiday: 国民の休日 (Citizens' Holiday)", 'rules: citizens holiday'],
    ['2099-12-31', 'year-end closure', 'last day of the range'],
  ])('%s → %p %s', (date, reason) => {
    expect(cal.closedReason(date)).toBe(reason);
    expect(cal.isSession(date)).toBe(reason === null);
  });

  it.each([...ONE_OFF_HOLIDAYS, ...SPECIAL_CLOSURES])('one-off closure $date ($reason) is closed', ({ date }) => {
    expect(cal.isSession(date)).toBe(false);
  });

  it('the package data ends where the rules take over', () => {
    expect(packageDataYears().last).toBeGreaterThanOrEqual(2050);
  });

  it('the 2019 Golden Week gap', () => {
    expect(cal.sessions('2019-04-25', '2019-05-08')).toEqual(['2019-04-25', '2019-04-26', '2019-05-07', '2019-05-08']);
  });

  it('a year computed by the rules only (2060) has plausible totals', () => {
    const sessions = cal.sessions('2060-01-01', '2060-12-31');
    expect(sessions.length).toBeGreaterThan(235);
    expect(sessions.length).toBeLessThan(250);
    // 2060: Sep 20 (Mon) 敬老の日, Sep 22 (Wed) equinox → Sep 21 is a citizens' holiday
    expect(cal.sessions('2060-09-17', '2060-09-24')).toEqual(['2060-09-17', '2060-09-23', '2060-09-24']);
    expect(cal.closedReason('2060-09-21')).toBe("holiday: 国民の休日 (Citizens' Holiday)");
  });
});

describe('session times', () => {
  it.each<[string, string, string | null, string, string]>([
    ['1990-04-02', '11:00', '13:00', '15:00', '1990-04-02T15:00:00+09:00'],
    ['1991-04-30', '11:00', '12:30', '15:00', '1991-04-30T15:00:00+09:00'],
    ['2011-11-18', '11:00', '12:30', '15:00', '2011-11-18T15:00:00+09:00'],
    ['2011-11-21', '11:30', '12:30', '15:00', '2011-11-21T15:00:00+09:00'],
    ['2024-11-01', '11:30', '12:30', '15:00', '2024-11-01T15:00:00+09:00'],
    ['2024-11-05', '11:30', '12:30', '15:30', '2024-11-05T15:30:00+09:00'],
  ])('%s: morning close %s, afternoon %s, close %s', (date, morningClose, afternoonOpen, close, closeAt) => {
    expect(cal.sessionTimes(date)).toEqual({
      date, open: '09:00', morningClose, afternoonOpen, close, halfDay: false, closeAt, timeZone: 'Asia/Tokyo',
    });
  });

  it.each([
    ['2020-10-01', /2020-10-01 is not a TSE session: special closure: 2020-10-01 system failure \(arrowhead\)/],
    ['2024-11-04', /not a TSE session: holiday: 文化の日 振替休日/],
    ['2024-11-02', /not a TSE session: weekend/],
    ['2024-12-31', /not a TSE session: year-end closure/],
  ])('%s has no session times', (date, message) => {
    expect(() => cal.sessionTimes(date)).toThrow(NotASessionError);
    expect(() => cal.sessionTimes(date)).toThrow(message);
  });
});

describe('stepping through sessions', () => {
  it.each<[string, string, string]>([
    ['2019-04-26', '2019-05-07', 'across the 2019 ten-day break'],
    ['2019-04-27', '2019-05-07', 'from inside the break'],
    ['2024-12-30', '2025-01-06', 'across the year end'],
    ['2020-09-30', '2020-10-02', 'across the arrowhead failure'],
    ['2026-09-18', '2026-09-24', 'across Silver Week 2026'],
  ])('next(%s) = %s (%s)', (date, next) => {
    expect(cal.next(date)).toBe(next);
  });

  it.each<[string, string]>([
    ['2019-05-07', '2019-04-26'],
    ['2019-05-01', '2019-04-26'],
    ['2025-01-06', '2024-12-30'],
    ['2025-01-01', '2024-12-30'],
    ['2020-10-02', '2020-09-30'],
  ])('prev(%s) = %s', (date, prev) => {
    expect(cal.prev(date)).toBe(prev);
  });

  it.each<[string, number, string]>([
    ['2024-12-27', 0, '2024-12-27'],
    ['2024-12-27', 1, '2024-12-30'],
    ['2024-12-27', 2, '2025-01-06'],
    ['2024-12-27', 3, '2025-01-07'],
    ['2025-01-07', -3, '2024-12-27'],
    ['2025-01-01', 1, '2025-01-06'],
    ['2025-01-01', -1, '2024-12-30'],
    ['2025-01-01', -2, '2024-12-27'],
    ['2019-04-26', 5, '2019-05-13'],
  ])('addSessions(%s, %i) = %s', (date, n, expected) => {
    expect(cal.addSessions(date, n)).toBe(expected);
  });

  it('addSessions agrees with sessions() and round-trips on sessions', () => {
    const list = cal.sessions('2018-01-01', '2021-12-31');
    for (let k = 0; k < list.length; k += 37) {
      for (const n of [1, 5, 20, 60]) {
        if (k + n < list.length) expect(cal.addSessions(list[k], n)).toBe(list[k + n]);
        if (k - n >= 0) expect(cal.addSessions(list[k], -n)).toBe(list[k - n]);
      }
      expect(cal.addSessions(cal.addSessions(list[k], 250), -250)).toBe(list[k]);
    }
  });

  it('addSessions(closed, 0) and fractional n are rejected', () => {
    expect(() => cal.addSessions('2025-01-01', 0)).toThrow(NotASessionError);
    expect(() => cal.addSessions('2025-01-06', 1.5)).toThrow(RangeError);
  });

  it('sessionIndex / sessionAt / counts are consistent', () => {
    const a = '2024-12-27';
    const b = '2025-01-07';
    expect(cal.sessionIndex(b) - cal.sessionIndex(a)).toBe(3);
    expect(cal.sessionAt(cal.sessionIndex(b))).toBe(b);
    expect(cal.sessionsBetweenCount(a, b)).toBe(4);
    expect(cal.sessionsBetweenCount('2024-12-31', '2025-01-05')).toBe(0);
    expect(cal.sessionsBetweenCount(b, a)).toBe(0);
    expect(cal.sessionsBetweenCount('1990-01-01', '2099-12-31')).toBe(cal.sessions('1990-01-01', '2099-12-31').length);
    expect(() => cal.sessionIndex('2025-01-01')).toThrow(NotASessionError);
  });

  it('stepping past either end of the range is a range error', () => {
    const first = cal.next('1990-01-01');
    expect(first).toBe('1990-01-04');
    expect(() => cal.prev(first)).toThrow(CalendarRangeError);
    expect(() => cal.next(cal.maxDate)).toThrow(CalendarRangeError);
    expect(() => cal.sessionAt(-1)).toThrow(CalendarRangeError);
  });
});

describe('input validation', () => {
  it.each(['2024-02-30', '2023-02-29', '2024-13-01', '2024-00-10', '2024-1-5', '20240105', '', ' 2024-01-05', '2024-01-05T00:00:00Z'])(
    '%p is an InvalidDateError naming the value',
    (bad) => {
      expect(() => cal.isSession(bad)).toThrow(InvalidDateError);
      expect(() => cal.isSession(bad)).toThrow(JSON.stringify(bad));
    },
  );

  it('non-strings are invalid dates', () => {
    expect(() => cal.isSession(20240105 as unknown as string)).toThrow(InvalidDateError);
  });

  it.each(['1989-12-31', '2100-01-01', '0001-01-01', '0095-01-04'])('%s is outside the range', (date) => {
    expect(() => cal.isSession(date)).toThrow(CalendarRangeError);
    expect(() => cal.sessions(date, '2024-01-01')).toThrow(/outside the TSE calendar range 1990-01-01..2099-12-31/);
  });

  it('from > to is an empty list, leap days are fine', () => {
    expect(cal.sessions('2024-02-10', '2024-02-01')).toEqual([]);
    expect(cal.isSession('2024-02-29')).toBe(true);
    expect(cal.sessions('2024-12-31', '2025-01-05')).toEqual([]);
  });
});

describe('the precomputed table', () => {
  it('sessions() over 40 years agrees with isSession day by day', () => {
    const list = cal.sessions('1990-01-01', '2029-12-31');
    expect(list.length).toBeGreaterThan(9700);
    expect(list.every((d) => cal.isSession(d))).toBe(true);
    expect(cal.sessionsBetweenCount('1990-01-01', '2029-12-31')).toBe(list.length);
  });

  it('fromRules() is a shared singleton', () => {
    expect(TseCalendar.fromRules()).toBe(cal);
  });
});
