import { CalendarRangeError, InvalidDateError, JQuantsCalendarError, TseCalendar, type CalendarDisagreement, type JQuantsCalendarDay } from './index';

const rules = TseCalendar.fromRules();

/** A J-Quants-style calendar for a span: every day listed, divisions from the rules unless overridden. */
function jquantsSpan(from: string, to: string, overrides: Record<string, string> = {}): JQuantsCalendarDay[] {
  const out: JQuantsCalendarDay[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) {
    const date = d.toISOString().slice(0, 10);
    out.push({ date, holiday_division: overrides[date] ?? (rules.isSession(date) ? '1' : '0') });
  }
  return out;
}

function apply(days: JQuantsCalendarDay[]) {
  const reported: CalendarDisagreement[] = [];
  const cal = rules.withJQuants(days, (d) => reported.push(d));
  return { cal, reported };
}

describe('withJQuants', () => {
  it('agreeing data changes nothing and reports nothing', () => {
    const { cal, reported } = apply(jquantsSpan('2024-12-01', '2025-01-31'));
    expect(reported).toEqual([]);
    expect(cal.sessions('2024-12-01', '2025-01-31')).toEqual(rules.sessions('2024-12-01', '2025-01-31'));
    expect(cal).not.toBe(rules);
  });

  it.each<[string, string, boolean, boolean, string | null, string | null]>([
    ['2024-12-30', '0', true, false, null, 'closed per J-Quants calendar (HolidayDivision 0: non-business day)'],
    ['2024-12-30', '3', true, false, null, 'closed per J-Quants calendar (HolidayDivision 3: holiday trading in derivatives only)'],
    ['2020-10-01', '1', false, true, 'special closure: 2020-10-01 system failure (arrowhead)', null],
    ['2025-01-02', '1', false, true, 'year-end closure', null],
  ])('%s division %s: rules %p, J-Quants %p → reported and J-Quants wins', (date, division, rulesSession, jqSession, rulesReason, newReason) => {
    const { cal, reported } = apply(jquantsSpan('2024-12-01', '2025-01-31', { [date]: division }).concat(
      date < '2024-12-01' ? [{ date, holiday_division: division }] : [],
    ));
    expect(reported).toEqual([{ date, rules: rulesSession, jquants: jqSession, rulesReason }]);
    expect(cal.isSession(date)).toBe(jqSession);
    expect(cal.closedReason(date)).toBe(newReason);
    expect(rules.isSession(date)).toBe(rulesSession);
  });

  it('counts, next/prev and addSessions follow the overridden table', () => {
    const { cal } = apply(jquantsSpan('2024-12-01', '2025-01-31', { '2024-12-30': '0' }));
    expect(cal.next('2024-12-27')).toBe('2025-01-06');
    expect(cal.prev('2025-01-06')).toBe('2024-12-27');
    expect(cal.addSessions('2024-12-26', 2)).toBe('2025-01-06');
    expect(cal.sessionsBetweenCount('2024-12-01', '2025-01-31')).toBe(rules.sessionsBetweenCount('2024-12-01', '2025-01-31') - 1);
    expect(cal.sessions('2024-12-26', '2025-01-07')).toEqual(['2024-12-26', '2024-12-27', '2025-01-06', '2025-01-07']);
  });

  it('division "2" is a half-day session (close = morning close), not a disagreement', () => {
    const { cal, reported } = apply([
      { date: '2008-12-30', holiday_division: '2' },
      { date: '2024-12-30', holiday_division: '2' },
    ]);
    expect(reported).toEqual([]);
    expect(cal.sessionTimes('2008-12-30')).toEqual({
      date: '2008-12-30', open: '09:00', morningClose: '11:00', afternoonOpen: null, close: '11:00', halfDay: true,
      closeAt: '2008-12-30T11:00:00+09:00', timeZone: 'Asia/Tokyo',
    });
    expect(cal.sessionTimes('2024-12-30')).toMatchObject({ close: '11:30', halfDay: true, closeAt: '2024-12-30T11:30:00+09:00' });
    expect(rules.sessionTimes('2024-12-30').halfDay).toBe(false);
  });

  it('a half day on a rules holiday is a session and is reported', () => {
    const { cal, reported } = apply([{ date: '2025-01-02', holiday_division: '2' }]);
    expect(reported).toEqual([{ date: '2025-01-02', rules: false, jquants: true, rulesReason: 'year-end closure' }]);
    expect(cal.sessionTimes('2025-01-02').halfDay).toBe(true);
  });

  it('a closed day keeps the rules reason when both agree it is closed ("3" on a holiday)', () => {
    const { cal, reported } = apply([{ date: '2024-11-04', holiday_division: '3' }]);
    expect(reported).toEqual([]);
    expect(cal.closedReason('2024-11-04')).toBe('holiday: 文化の日 振替休日 (Holiday in lieu)');
  });

  it('dates outside the data stay on the rules', () => {
    const { cal } = apply(jquantsSpan('2024-12-01', '2025-01-31', { '2024-12-30': '0' }));
    expect(cal.isSession('2024-11-29')).toBe(true);
    expect(cal.closedReason('2025-02-11')).toBe('holiday: 建国記念の日 (National Foundation Day)');
    expect(cal.isSession('2051-01-02')).toBe(false);
  });

  it('disagreements are reported in date order whatever the input order', () => {
    const { reported } = apply([
      { date: '2025-01-02', holiday_division: '1' },
      { date: '2024-12-30', holiday_division: '0' },
    ]);
    expect(reported.map((d) => d.date)).toEqual(['2024-12-30', '2025-01-02']);
  });

  it('works without a callback and can be chained', () => {
    const once = rules.withJQuants([{ date: '2024-12-30', holiday_division: '0' }]);
    const twice = once.withJQuants([{ date: '2024-12-31', holiday_division: '1' }]);
    expect(twice.isSession('2024-12-30')).toBe(false);
    expect(twice.isSession('2024-12-31')).toBe(true);
  });

  it.each<[string, unknown]>([['2024-12-30', '4'], ['2024-12-30', ''], ['2024-12-30', 1], ['2024-12-30', 'toString']])(
    'rejects division %p=%p naming the date and the value',
    (date, division) => {
      const run = () => rules.withJQuants([{ date, holiday_division: division as string }]);
      expect(run).toThrow(JQuantsCalendarError);
      expect(run).toThrow(`J-Quants calendar ${date}: unknown HolidayDivision ${JSON.stringify(division)}`);
    },
  );

  it('rejects conflicting duplicates, bad dates and out-of-range dates', () => {
    expect(() => rules.withJQuants([
      { date: '2024-12-30', holiday_division: '1' },
      { date: '2024-12-30', holiday_division: '0' },
    ])).toThrow(/listed twice/);
    expect(() => rules.withJQuants([{ date: '2024/12/30', holiday_division: '1' }])).toThrow(InvalidDateError);
    expect(() => rules.withJQuants([{ date: '1989-12-29', holiday_division: '1' }])).toThrow(CalendarRangeError);
  });
});
