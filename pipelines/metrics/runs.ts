/** What a finished pipeline run records, decided from its outcome and the TSE calendar. */
import type { Instant, PipelineMetrics } from './index';

/**
 * The daily pipeline runs after each session close, so after a success on `session` the next one is due
 * `SUCCESS_LAG_AFTER_CLOSE_HOURS` after the next session's close: weekends and holidays push it out. The
 * run lands 1–3 h after the close; 9 h (00:30 JST) leaves room for a slow day before anyone is ticketed.
 */
export const SUCCESS_LAG_AFTER_CLOSE_HOURS = 9;

export interface SessionCalendar {
  next(date: string): string;
  sessionTimes(date: string): { closeAt: string };
}

export function nextSuccessDeadline(calendar: SessionCalendar, session: string): number {
  const close = Date.parse(calendar.sessionTimes(calendar.next(session)).closeAt);
  if (!Number.isFinite(close)) throw new Error(`next session after ${session}: close time is not an instant`);
  return close + SUCCESS_LAG_AFTER_CLOSE_HOURS * 3600_000;
}

/** Only the scheduled pipeline promises a next run and measures freshness. */
export const SCHEDULED_PIPELINE = 'daily';

export interface PipelineRunOutcome {
  pipeline: string;
  succeeded: boolean;
  finishedAt: Instant;
  /** The sessions the run processed, in order. */
  sessions: readonly string[];
  /** The session whose features the run published online, if any. */
  publishedSession?: string | null;
  /** When that session's data became available at the source; default: its close. */
  availableSince?: Instant;
}

/**
 * Counts the run with its finish time. A daily run also observes the freshness of what it published and,
 * when it succeeded, sets the deadline of the next success. A backfill publishes old sessions on purpose:
 * their delay after the close is not the freshness SLI, and nothing is due after one.
 */
export function recordPipelineRun(metrics: PipelineMetrics, calendar: SessionCalendar, run: PipelineRunOutcome): void {
  metrics.countRun(run.pipeline, run.succeeded ? 'succeeded' : 'failed', run.finishedAt);
  if (run.pipeline !== SCHEDULED_PIPELINE) return;
  if (run.publishedSession) metrics.observeFreshness(run.availableSince ?? calendar.sessionTimes(run.publishedSession).closeAt, run.finishedAt);
  const last = run.sessions[run.sessions.length - 1];
  if (run.succeeded && last) metrics.expectNextSuccessBy(run.pipeline, nextSuccessDeadline(calendar, last));
}
