import { TseCalendar } from '../calendar';
import { buildWorld } from '../sources/jquants/sim';
import { QUERIES } from '../sources/jquants/sim/queries';
import { investorTypesAsOf, investorTypesTimeline, type InvestorTypeRow } from './investor-types';

const calendar = TseCalendar.fromRules();

type Weekly = InvestorTypeRow & { foreigners_balance: number | null };
const week = (section: string, start: string, end: string, published: string, foreigners: number | null): Weekly => ({
  section, start_date: start, end_date: end, published_date: published, foreigners_balance: foreigners,
});

// Week of 2023-05-08 published Thursday 05-18 and corrected Thursday 05-25; the next week published on a Friday.
const original = week('TSEPrime', '2023-05-08', '2023-05-12', '2023-05-18', 100);
const correction = week('TSEPrime', '2023-05-08', '2023-05-12', '2023-05-25', 130);
const fridayWeek = week('TSEPrime', '2023-05-15', '2023-05-19', '2023-05-26', 50);
const growth = week('TSEGrowth', '2023-05-08', '2023-05-12', '2023-05-18', -7);
const rows = [fridayWeek, correction, growth, original];

describe('investorTypesAsOf: usable from the first session strictly after publication', () => {
  it.each([
    ['2023-05-18', 'publication day itself: not yet', [], []],
    ['2023-05-19', 'the next session: the original', [original], [growth]],
    ['2023-05-25', 'between the two: still the original', [original], [growth]],
    ['2023-05-26', 'the correction\'s own next session; the Friday publication is not usable yet', [correction], [growth]],
    ['2023-05-27', 'a Saturday as of date changes nothing', [correction], [growth]],
    ['2023-05-29', 'Friday publication → usable Monday', [correction, fridayWeek], [growth]],
  ])('as of %s (%s)', (asOf, _why, prime, growthSeries) => {
    const got = investorTypesAsOf(rows, asOf, calendar);
    expect(got.get('TSEPrime') ?? []).toEqual(prime);
    expect(got.get('TSEGrowth') ?? []).toEqual(growthSeries);
    expect([...got.keys()]).toEqual([...got.keys()].sort());
  });

  it.each([
    ['2023-07-14', '2023-07-18', 'Friday before Marine Day (Monday holiday) → Tuesday'],
    ['2023-12-29', '2024-01-04', 'last session of the year → first session of the next'],
    ['2023-05-20', '2023-05-22', 'a Saturday publication → Monday'],
  ])('published %s is first usable %s (%s)', (published, usable, _why) => {
    const r = [week('TSEPrime', '2023-05-01', '2023-05-02', published, 1)];
    expect(investorTypesAsOf(r, calendar.prev(usable), calendar).size).toBe(0);
    expect(investorTypesAsOf(r, usable, calendar).get('TSEPrime')).toEqual(r);
  });

  it('orders weeks by end date whatever the input order', () => {
    const a = week('TSEPrime', '2023-04-03', '2023-04-07', '2023-04-13', 1);
    const b = week('TSEPrime', '2023-04-10', '2023-04-14', '2023-04-20', 2);
    expect(investorTypesAsOf([b, a], '2023-05-01', calendar).get('TSEPrime')).toEqual([a, b]);
  });

  it('rejects two rows with the same key and published date', () => {
    expect(() => investorTypesAsOf([original, { ...original }], '2023-06-01', calendar)).toThrow(/TSEPrime 2023-05-08..2023-05-12/);
  });
});

describe('investorTypesTimeline', () => {
  const sessions = calendar.sessions('2023-05-17', '2023-05-30');
  const tl = investorTypesTimeline(rows, sessions, calendar);
  const at = (d: string) => sessions.indexOf(d);

  it('seriesAt agrees with investorTypesAsOf on every session', () => {
    expect(tl.sections).toEqual(['TSEGrowth', 'TSEPrime']);
    for (let s = 0; s < sessions.length; s++) {
      const asOf = investorTypesAsOf(rows, sessions[s], calendar);
      for (const section of tl.sections) expect(tl.seriesAt(section, s)).toEqual(asOf.get(section) ?? []);
    }
    expect(tl.seriesAt('TSE1st', 0)).toEqual([]);
  });

  it('lastN gives the newest visible values, oldest first, NaN-padded, switching to the correction on its day', () => {
    const n = 2;
    const v = tl.lastN('TSEPrime', 'foreigners_balance', n);
    const get = (d: string) => Array.from(v.subarray(at(d) * n, at(d) * n + n));
    expect(get('2023-05-18')).toEqual([NaN, NaN]);
    expect(get('2023-05-19')).toEqual([NaN, 100]);
    expect(get('2023-05-25')).toEqual([NaN, 100]);
    expect(get('2023-05-26')).toEqual([NaN, 130]);
    expect(get('2023-05-29')).toEqual([130, 50]);
    expect(Array.from(tl.lastN('TSE2nd', 'foreigners_balance', 1))).toEqual(sessions.map(() => NaN));
  });

  it('latestEndDate tells how stale the newest week is', () => {
    const ends = tl.latestEndDate('TSEPrime');
    expect(ends[at('2023-05-18')]).toBeNull();
    expect(ends[at('2023-05-26')]).toBe('2023-05-12');
    expect(ends[at('2023-05-29')]).toBe('2023-05-19');
  });

  it('a late-published old week is inserted in end-date order', () => {
    const late = week('TSEPrime', '2023-05-01', '2023-05-02', '2023-05-25', 7);
    const v = investorTypesTimeline([...rows, late], sessions, calendar).lastN('TSEPrime', 'foreigners_balance', 3);
    expect(Array.from(v.subarray(at('2023-05-29') * 3, at('2023-05-29') * 3 + 3))).toEqual([7, 130, 50]);
  });

  it('rejects unsorted sessions and a bad n', () => {
    expect(() => investorTypesTimeline(rows, ['2023-05-19', '2023-05-18'], calendar)).toThrow(RangeError);
    expect(() => tl.lastN('TSEPrime', 'foreigners_balance', 0)).toThrow(RangeError);
    expect(() => tl.seriesAt('TSEPrime', sessions.length)).toThrow(RangeError);
  });
});

describe('on the simulator\'s trades_spec (with corrections from 2023-04-03)', () => {
  const world = buildWorld({ seed: 7, codes: 10, from: '2020-01-06', asOf: '2023-12-29' });
  const list = QUERIES.investor_types(world, {});
  const simRows = Array.from({ length: list.length }, (_, k) => list.row(k) as unknown as Weekly);
  const sessions = world.sessions;
  const tl = investorTypesTimeline(simRows, sessions, calendar);
  const N = 4;
  const lastN = new Map(tl.sections.map((s) => [s, tl.lastN(s, 'foreigners_balance', N)]));

  it('has corrections to check', () => {
    const keys = simRows.map((r) => `${r.section}|${r.start_date}|${r.end_date}`);
    expect(keys.length - new Set(keys).size).toBeGreaterThan(3);
  });

  it('shows each original until the session after its correction is published, then the correction', () => {
    const byKey = new Map<string, Weekly[]>();
    for (const r of simRows) {
      const key = `${r.section}|${r.end_date}`;
      byKey.set(key, [...(byKey.get(key) ?? []), r]);
    }
    const bad: string[] = [];
    let checked = 0;
    for (const versions of byKey.values()) {
      if (versions.length < 2) continue;
      const [orig, fix] = [...versions].sort((a, b) => (a.published_date < b.published_date ? -1 : 1));
      const visible = (d: string) => tl.seriesAt(orig.section, sessions.indexOf(d)).find((r) => r.end_date === orig.end_date);
      if (fix.published_date > sessions[sessions.length - 2]) continue;
      checked++;
      if (visible(fix.published_date) !== orig) bad.push(`${orig.section} ${orig.end_date}: original not shown on the correction's publication day`);
      if (visible(calendar.next(fix.published_date)) !== fix) bad.push(`${orig.section} ${orig.end_date}: correction not shown the next session`);
    }
    expect(bad).toEqual([]);
    expect(checked).toBeGreaterThan(3);
  });

  it('matches a brute-force as-of selection on sampled sessions, never showing a row on or before its publication day', () => {
    const bad: string[] = [];
    for (let s = 0; s < sessions.length; s += 3) {
      const asOf = investorTypesAsOf(simRows, sessions[s], calendar);
      for (const section of tl.sections) {
        const series = asOf.get(section) ?? [];
        if (JSON.stringify(tl.seriesAt(section, s)) !== JSON.stringify(series)) bad.push(`${sessions[s]} ${section}: seriesAt`);
        if (series.some((r) => r.published_date >= sessions[s])) bad.push(`${sessions[s]} ${section}: unpublished row visible`);
        const tail = series.slice(-N).map((r) => r.foreigners_balance ?? NaN);
        const expected = [...Array<number>(N - tail.length).fill(NaN), ...tail];
        const got = Array.from(lastN.get(section)!.subarray(s * N, s * N + N));
        if (JSON.stringify(got) !== JSON.stringify(expected)) bad.push(`${sessions[s]} ${section}: lastN ${got} vs ${expected}`);
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });
});
