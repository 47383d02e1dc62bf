import { TseCalendar } from '../calendar';
import { availableSince, dailyTarget, SessionNotPublishedError, waitForSessionBars } from './readiness';

const cal = TseCalendar.fromRules();
const jst = (iso: string) => new Date(`${iso}+09:00`);

describe('dailyTarget', () => {
  it.each<[string, string, ReturnType<typeof dailyTarget>]>([
    // the CronJob fires after the close (15:30 since 2024-11-05): today's session, whether or not it is published yet
    ['16:00 on a session day', '2026-12-04T16:00:00', { kind: 'session', date: '2026-12-04' }],
    ['exactly at the close', '2026-12-04T15:30:00', { kind: 'session', date: '2026-12-04' }],
    ['during the session: the previous one', '2026-12-04T11:00:00', { kind: 'session', date: '2026-12-03' }],
    ['before the open on Monday: Friday', '2026-12-07T08:00:00', { kind: 'session', date: '2026-12-04' }],
    ['the old 15:00 close', '2024-11-01T15:10:00', { kind: 'session', date: '2024-11-01' }],
    ['a Saturday', '2026-12-05T16:00:00', { kind: 'skip', reason: '2026-12-05 (Tokyo) is not a TSE session; pass --date to run a given session' }],
    ['a weekday holiday (Culture Day)', '2026-11-03T16:00:00', { kind: 'skip', reason: '2026-11-03 (Tokyo) is not a TSE session; pass --date to run a given session' }],
  ])('%s', (_name, at, expected) => {
    expect(dailyTarget(cal, jst(at))).toEqual(expected);
  });
});

describe('waitForSessionBars', () => {
  function clock() {
    let t = 1_000_000;
    const slept: number[] = [];
    return { now: () => t, sleep: async (ms: number) => { slept.push(ms); t += ms; }, slept, advance: (ms: number) => { t += ms; } };
  }

  it('returns at once, not waited, when the bars are there', async () => {
    const c = clock();
    await expect(waitForSessionBars(async () => true, 'd', { waitMs: 60_000, pollMs: 1000, now: c.now, sleep: c.sleep })).resolves.toEqual({ date: 'd', seenAt: 1_000_000, waited: false });
    expect(c.slept).toEqual([]);
  });

  it('polls until they appear and reports when it saw them', async () => {
    const c = clock();
    let checks = 0;
    const waits: number[] = [];
    const result = await waitForSessionBars(async () => ++checks === 4, 'd', { waitMs: 600_000, pollMs: 60_000, now: c.now, sleep: c.sleep, onWait: (w) => waits.push(w.waitedMs) });
    expect(result).toEqual({ date: 'd', seenAt: 1_000_000 + 180_000, waited: true });
    expect(c.slept).toEqual([60_000, 60_000, 60_000]);
    expect(waits).toEqual([0, 60_000, 120_000]);
  });

  it.each<[number, number, number]>([
    // waitMs, pollMs → checks made before giving up
    [0, 60_000, 1],
    [120_000, 60_000, 3],
    [119_999, 60_000, 2],
  ])('gives up within waitMs %d (poll %d) after %d checks, with a typed error', async (waitMs, pollMs, checks) => {
    const c = clock();
    let made = 0;
    const error = await waitForSessionBars(async () => { made++; return false; }, '2026-12-04', { waitMs, pollMs, now: c.now, sleep: c.sleep }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionNotPublishedError);
    expect((error as SessionNotPublishedError).date).toBe('2026-12-04');
    expect(made).toBe(checks);
    expect(c.now() - 1_000_000).toBeLessThanOrEqual(waitMs);
  });
});

describe('availableSince', () => {
  it('is the moment the bars were seen when the run waited for them', () => {
    expect(availableSince(cal, { date: '2026-12-04', seenAt: 123, waited: true })).toBe(123);
  });
  it('else the expected publication: the close plus the vendor lag (15:30 + 60 min)', () => {
    expect(availableSince(cal, { date: '2026-12-04', seenAt: 0, waited: false })).toBe(jst('2026-12-04T16:30:00').getTime());
    expect(availableSince(cal, { date: '2026-12-04', seenAt: 0, waited: false }, 45)).toBe(jst('2026-12-04T16:15:00').getTime());
  });
});
