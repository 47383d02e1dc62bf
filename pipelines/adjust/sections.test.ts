import { SECTIONS_BEFORE_2022, SECTIONS_FROM_2022 } from '../sources/jquants/fields';
import { buildWorld } from '../sources/jquants/sim';
import { QUERIES } from '../sources/jquants/sim/queries';
import { MARKET_NAMES, MARKETS_AFTER_IPO, MARKETS_BEFORE } from '../sources/jquants/sim/reference';
import { sectionOf } from './sections';

describe('sectionOf', () => {
  it.each([
    ['0111', '2022-04-04', 'TSEPrime'], ['0112', '2024-01-05', 'TSEStandard'], ['0113', '2022-04-04', 'TSEGrowth'],
    ['0101', '2022-04-01', 'TSE1st'], ['0102', '2016-01-04', 'TSE2nd'], ['0104', '2021-06-30', 'TSEMothers'],
    ['0106', '2021-06-30', 'TSEJASDAQ'], ['0107', '2021-06-30', 'TSEJASDAQ'],
    ['0105', '2021-06-30', null], ['0105', '2023-06-30', null], ['0109', '2021-06-30', null], ['0109', '2023-06-30', null],
    // A segment of the other era has no statistics on that date.
    ['0101', '2022-04-04', null], ['0111', '2022-04-01', null],
    ['9999', '2023-06-30', null], [null, '2023-06-30', null], [undefined, '2023-06-30', null],
  ])('%p on %s → %p', (code, date, section) => {
    expect(sectionOf(code, date)).toBe(section);
  });

  it('maps every market code the simulator emits, to a section of its era', () => {
    for (const m of MARKETS_BEFORE) expect(SECTIONS_BEFORE_2022).toContain(sectionOf(m.code, '2022-04-01'));
    const after = new Set([...MARKETS_BEFORE.flatMap((m) => m.after.map(([c]) => c)), ...MARKETS_AFTER_IPO.map(([c]) => c)]);
    for (const c of after) expect(SECTIONS_FROM_2022).toContain(sectionOf(c, '2022-04-04'));
    for (const c of Object.keys(MARKET_NAMES)) expect(sectionOf(c, c < '0111' ? '2022-04-01' : '2022-04-04')).not.toBeNull();
  });

  it('every listed stock of a simulated market has a section with investor-type rows that week', () => {
    const w = buildWorld({ seed: 3, codes: 300, from: '2022-01-04', asOf: '2022-06-30' });
    const trades = QUERIES.investor_types(w, {});
    const weeks = new Set(Array.from({ length: trades.length }, (_, k) => trades.row(k)).map((r) => `${r.section}|${r.start_date}`));
    for (const [date, monday] of [['2022-03-31', '2022-03-28'], ['2022-04-05', '2022-04-04']]) {
      const listed = QUERIES.listed_info(w, { date });
      expect(listed.length).toBeGreaterThan(200);
      const missing = Array.from({ length: listed.length }, (_, k) => listed.row(k))
        .filter((r) => !weeks.has(`${sectionOf(r.market_code as string, date)}|${monday}`));
      expect(missing).toEqual([]);
    }
  });
});
