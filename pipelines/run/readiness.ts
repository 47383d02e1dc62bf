/**
 * Which session a scheduled daily run is for, and waiting for the source to publish it. The CronJob fires a
 * fixed time after the close (FeatureSet `afterCloseMinutes`), but J-Quants publishes a session's bars some
 * time after the close, and a run that took "the latest published session" at that moment would quietly
 * process the previous day. So the run is for today's session once it has closed, and waits for its bars.
 */
import type { TseCalendar } from '../calendar';
import { DEFAULT_VENDOR_LAG_MINUTES } from './session';

export type DailyTarget = { kind: 'session'; date: string } | { kind: 'skip'; reason: string };

const tokyoDate = (now: Date) => new Date(now.getTime() + 9 * 3600_000).toISOString().slice(0, 10);

/**
 * Today's session (Tokyo) once it has closed; during or before it, the previous session; on a day without a
 * session, nothing (the CronJob fires on weekdays, holidays included, and those runs skip).
 */
export function dailyTarget(calendar: Pick<TseCalendar, 'isSession' | 'sessionTimes' | 'prev'>, now: Date): DailyTarget {
  const today = tokyoDate(now);
  if (!calendar.isSession(today)) return { kind: 'skip', reason: `${today} (Tokyo) is not a TSE session; pass --date to run a given session` };
  if (Date.parse(calendar.sessionTimes(today).closeAt) <= now.getTime()) return { kind: 'session', date: today };
  return { kind: 'session', date: calendar.prev(today) };
}

/** The session's bars did not appear at the source within the wait. */
export class SessionNotPublishedError extends Error {
  constructor(readonly date: string, readonly waitedMs: number) {
    super(`the source has no daily bars for ${date} after waiting ${Math.round(waitedMs / 60_000)} min (--wait-minutes)`);
    this.name = 'SessionNotPublishedError';
  }
}

export interface WaitOptions {
  /** Longest wait; 0 checks once. */
  waitMs: number;
  /** Between checks. */
  pollMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  onWait?: (info: { date: string; waitedMs: number }) => void;
}

/** When the bars were seen; `waited` when the first check found none (so `seenAt` marks their arrival). */
export interface Publication { date: string; seenAt: number; waited: boolean }

/** Checks `hasBars(date)` until it is true, every `pollMs`, for at most `waitMs`. */
export async function waitForSessionBars(hasBars: (date: string) => Promise<boolean>, date: string, o: WaitOptions): Promise<Publication> {
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const started = now();
  if (await hasBars(date)) return { date, seenAt: now(), waited: false };
  for (;;) {
    const waited = now() - started;
    if (waited + o.pollMs > o.waitMs) throw new SessionNotPublishedError(date, waited);
    o.onWait?.({ date, waitedMs: waited });
    await sleep(o.pollMs);
    if (await hasBars(date)) return { date, seenAt: now(), waited: true };
  }
}

/**
 * The instant the session's data became available, which the freshness SLI counts from: when the run saw the
 * bars arrive, or, when they were already there, the expected publication (close + the vendor lag) — a run
 * that starts late then shows up as stale, which is what its users see.
 */
export function availableSince(calendar: Pick<TseCalendar, 'sessionTimes'>, publication: Publication, vendorLagMinutes = DEFAULT_VENDOR_LAG_MINUTES): number {
  if (publication.waited) return publication.seenAt;
  return Date.parse(calendar.sessionTimes(publication.date).closeAt) + vendorLagMinutes * 60_000;
}
