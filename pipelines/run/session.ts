import type { TseCalendar } from '../calendar';

/** Minutes after the close before J-Quants has the day's bars (published around 16:30 JST in practice). */
export const DEFAULT_VENDOR_LAG_MINUTES = 60;

/**
 * The session a daily run covers when none is given: the latest one whose close plus the vendor lag has passed.
 * Pure: `now` is an instant, the calendar decides sessions and close times.
 */
export function latestCompleteSession(calendar: TseCalendar, now: Date, vendorLagMinutes = DEFAULT_VENDOR_LAG_MINUTES): string {
  const tokyoToday = new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10);
  let day = calendar.isSession(tokyoToday) ? tokyoToday : calendar.prev(tokyoToday);
  const ready = (d: string) => Date.parse(calendar.sessionTimes(d).closeAt) + vendorLagMinutes * 60_000 <= now.getTime();
  while (!ready(day)) day = calendar.prev(day);
  return day;
}

/** Minutes from a session's close to an instant (the freshness of data published then). */
export function minutesSinceClose(calendar: TseCalendar, date: string, at: Date): number {
  return (at.getTime() - Date.parse(calendar.sessionTimes(date).closeAt)) / 60_000;
}
