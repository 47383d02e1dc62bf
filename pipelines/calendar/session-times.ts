/**
 * TSE cash-equity trading hours (Asia/Tokyo wall clock; Japan has had no DST in the calendar's range,
 * so a fixed +09:00 offset is exact).
 *
 * Half-day sessions (前場のみ, e.g. 大発会/大納会 before the 2009-2010 system change) are NOT derived
 * here: the rules cannot know them reliably, so only a J-Quants HolidayDivision "2" makes a half day.
 */
import { dayFromYmd, isoFromDay, type DayNumber, type IsoDate } from './dates';

export interface SessionTimes {
  date: IsoDate;
  open: string;
  morningClose: string;
  /** null on a half-day session (no afternoon). */
  afternoonOpen: string | null;
  close: string;
  halfDay: boolean;
  /** The close as an ISO instant with the Tokyo offset, e.g. '2024-11-05T15:30:00+09:00'. */
  closeAt: string;
  timeZone: 'Asia/Tokyo';
}

/** The two-hour lunch break became 90 minutes (afternoon 13:00 → 12:30). */
const AFTERNOON_1230_FROM = dayFromYmd(1991, 4, 30);
/** Morning session extended by 30 minutes into the lunch break. */
const MORNING_1130_FROM = dayFromYmd(2011, 11, 21);
/** Close moved to 15:30 (closing auction 15:25–15:30). */
const CLOSE_1530_FROM = dayFromYmd(2024, 11, 5);

export const TRADING_HOURS_CHANGES: ReadonlyArray<{ date: IsoDate; change: string }> = [
  { date: isoFromDay(AFTERNOON_1230_FROM), change: 'afternoon session opens 12:30 (was 13:00)' },
  { date: isoFromDay(MORNING_1130_FROM), change: 'morning session closes 11:30 (was 11:00)' },
  { date: isoFromDay(CLOSE_1530_FROM), change: 'afternoon session closes 15:30 (was 15:00)' },
];

export function sessionTimesFor(day: DayNumber, halfDay: boolean): SessionTimes {
  const date = isoFromDay(day);
  const morningClose = day >= MORNING_1130_FROM ? '11:30' : '11:00';
  const afternoonOpen = halfDay ? null : day >= AFTERNOON_1230_FROM ? '12:30' : '13:00';
  const close = halfDay ? morningClose : day >= CLOSE_1530_FROM ? '15:30' : '15:00';
  return {
    date,
    open: '09:00',
    morningClose,
    afternoonOpen,
    close,
    halfDay,
    closeAt: `${date}T${close}:00+09:00`,
    timeZone: 'Asia/Tokyo',
  };
}
