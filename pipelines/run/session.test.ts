import { TseCalendar } from '../calendar';
import { latestCompleteSession, minutesSinceClose } from './session';

const cal = TseCalendar.fromRules();

describe('latestCompleteSession', () => {
  it.each([
    ['2024-11-05T07:00:00Z', '2024-11-01'], // 16:00 JST: the 15:30 close + 60 min lag has not passed yet
    ['2024-11-05T07:31:00Z', '2024-11-05'], // 16:31 JST: it has
    ['2024-11-05T06:00:00Z', '2024-11-01'], // 15:00 JST on the 5th: the 1st (Fri) was the last complete; 4th is a holiday
    ['2024-11-01T07:00:00Z', '2024-11-01'], // close 15:00 before the change: 16:00 ≥ 15:00 + 60
    ['2024-11-02T03:00:00Z', '2024-11-01'], // Saturday
    ['2020-10-01T09:00:00Z', '2020-09-30'], // the outage day is no session by the rules
  ])('%s → %s', (now, expected) => {
    expect(latestCompleteSession(cal, new Date(now))).toBe(expected);
  });

  it('freshness counts from the close', () => {
    expect(minutesSinceClose(cal, '2024-11-05', new Date('2024-11-05T07:00:00Z'))).toBe(30);
    expect(minutesSinceClose(cal, '2024-11-01', new Date('2024-11-01T07:00:00Z'))).toBe(60);
  });
});
