import { TseCalendar } from '../calendar';
import { featureBlock, featureWindowStart } from './history';

describe('feature windows: every session of a quarter shares one window start', () => {
  const calendar = TseCalendar.fromRules();

  it.each<[string, string, string]>([
    ['2024-01-04', '2024Q1', '2024-01-04'],
    ['2024-03-29', '2024Q1', '2024-01-04'],
    ['2024-04-01', '2024Q2', '2024-04-01'],
    ['2024-06-28', '2024Q2', '2024-04-01'],
    ['2024-07-01', '2024Q3', '2024-07-01'],
    ['2024-09-30', '2024Q3', '2024-07-01'],
    ['2024-10-01', '2024Q4', '2024-10-01'],
    ['2024-12-30', '2024Q4', '2024-10-01'],
    ['2026-11-20', '2026Q4', '2026-10-01'],
  ])('%s is in %s, whose first session is %s', (date, block, firstSession) => {
    expect(featureBlock(date)).toBe(block);
    expect(featureWindowStart(calendar, date, 0)).toBe(firstSession);
    // lookback sessions before the quarter's first session, counted on the TSE calendar.
    const start = featureWindowStart(calendar, date, 300);
    expect(calendar.sessions(start, firstSession).length).toBe(301);
  });
});
