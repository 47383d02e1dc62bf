import { TseCalendar } from '../../pipelines/calendar';
import { tokyoDate } from './children';
import { mergeConditions, type Condition, type ConditionInput } from './conditions';

/**
 * The FeatureSet status as a pure function of what the reconcile observed. The freshness SLO is a
 * constant (not a spec field): the daily run's data is "Stale" when no run has succeeded since the run
 * expected after the latest close, FRESHNESS_SLO_MINUTES after that run was due.
 */
export const FRESHNESS_SLO_MINUTES = 120;
/** Status is refreshed at least this often (freshnessMinutes, throttling) even when no child changes. */
export const MAX_REQUEUE_MS = 15 * 60_000;
const TOKYO_OFFSET_MS = 9 * 3600_000;

export const CONDITION_TYPES = ['Ready', 'Scheduled', 'LastRunSucceeded', 'Stale', 'TrainingThrottled'] as const;

export interface FeatureSetStatus {
  observedGeneration?: number;
  lastScheduleTime?: string;
  lastSuccessfulTime?: string;
  lastRunId?: string;
  freshnessMinutes?: number;
  /** backfill.from of the backfill Job that completed: that backfill is done and never recreated. */
  backfillCompletedFrom?: string;
  conditions?: Condition[];
}

/** A Job of the daily CronJob as the status needs it. */
export interface RunObservation {
  name: string;
  startTime?: string;
  completionTime?: string;
  state: 'active' | 'succeeded' | 'failed';
}

export interface FeatureSetObservation {
  now: Date;
  generation?: number;
  createdAt?: string;
  previous?: FeatureSetStatus;
  /** The validation or render message when the spec cannot be reconciled. */
  invalid?: string;
  suspend?: boolean;
  afterCloseMinutes?: number;
  /** The daily CronJob's schedule and status, once it exists. */
  daily?: { schedule?: string; lastScheduleTime?: string; lastSuccessfulTime?: string };
  dailyRuns?: RunObservation[];
  /** The backfill from-date whose Job has completed, if it has. */
  backfillCompletedFrom?: string;
  /** Set when the FeatureSet has training: active GPU training Jobs in the namespace vs the cap. */
  training?: { active: number; cap: number };
  /** A child write that failed this pass (reported, then retried). */
  childError?: string;
}

const later = (a?: string, b?: string): string | undefined => (a === undefined ? b : b === undefined ? a : Date.parse(a) >= Date.parse(b) ? a : b);

/** The instant of the daily run for a session: its close + afterCloseMinutes, Tokyo time. */
function runInstant(calendar: TseCalendar, session: string, afterCloseMinutes: number): number {
  const [h, m] = calendar.sessionTimes(session).close.split(':').map(Number);
  return Date.parse(`${session}T00:00:00Z`) - TOKYO_OFFSET_MS + (h * 60 + m + afterCloseMinutes) * 60_000;
}

/** The latest daily run due at or before `now`, and the one after it. */
export function expectedRuns(now: Date, afterCloseMinutes: number): { previous: number; next: number } {
  const calendar = TseCalendar.fromRules();
  const today = tokyoDate(now);
  let session = calendar.isSession(today) ? today : calendar.prev(today);
  let due = runInstant(calendar, session, afterCloseMinutes);
  if (due > now.getTime()) {
    const next = due;
    session = calendar.prev(session);
    return { previous: runInstant(calendar, session, afterCloseMinutes), next };
  }
  return { previous: due, next: runInstant(calendar, calendar.next(session), afterCloseMinutes) };
}

function staleCondition(o: FeatureSetObservation, lastSuccess: string | undefined): { condition: ConditionInput; flipAt?: number } {
  if (o.suspend) return { condition: { type: 'Stale', status: 'False', reason: 'Suspended', message: 'the FeatureSet is suspended: no run is expected' } };
  let runs: { previous: number; next: number };
  try {
    runs = expectedRuns(o.now, o.afterCloseMinutes ?? 0);
  } catch (error) {
    return { condition: { type: 'Stale', status: 'Unknown', reason: 'CalendarUnavailable', message: (error as Error).message } };
  }
  const slo = FRESHNESS_SLO_MINUTES * 60_000;
  const iso = (ms: number) => new Date(ms).toISOString();
  const success = lastSuccess === undefined ? undefined : Date.parse(lastSuccess);
  if (success !== undefined && success >= runs.previous) {
    return { condition: { type: 'Stale', status: 'False', reason: 'Fresh', message: `last success ${lastSuccess} covers the run due at ${iso(runs.previous)}` }, flipAt: runs.next + slo };
  }
  if (o.createdAt !== undefined && Date.parse(o.createdAt) > runs.previous) {
    return { condition: { type: 'Stale', status: 'False', reason: 'NoRunDueYet', message: `the first run is due at ${iso(runs.next)}` }, flipAt: runs.next + slo };
  }
  if (o.now.getTime() < runs.previous + slo) {
    return { condition: { type: 'Stale', status: 'False', reason: 'RunPending', message: `the run due at ${iso(runs.previous)} has until ${iso(runs.previous + slo)} (freshness SLO ${FRESHNESS_SLO_MINUTES} min)` }, flipAt: runs.previous + slo };
  }
  return { condition: { type: 'Stale', status: 'True', reason: 'MissedFreshnessSlo', message: `no successful run since the one due at ${iso(runs.previous)} (freshness SLO ${FRESHNESS_SLO_MINUTES} min); last success ${lastSuccess ?? 'never'}` } };
}

function lastRunCondition(runs: ReadonlyArray<RunObservation>): ConditionInput {
  const finished = runs.filter((r) => r.state !== 'active')
    .sort((a, b) => Date.parse(b.completionTime ?? b.startTime ?? '') - Date.parse(a.completionTime ?? a.startTime ?? '') || b.name.localeCompare(a.name));
  const last = finished[0];
  if (!last) return { type: 'LastRunSucceeded', status: 'Unknown', reason: 'NoFinishedRun', message: 'no daily run has finished yet' };
  return last.state === 'succeeded'
    ? { type: 'LastRunSucceeded', status: 'True', reason: 'Succeeded', message: `run ${last.name} succeeded${last.completionTime ? ` at ${last.completionTime}` : ''}` }
    : { type: 'LastRunSucceeded', status: 'False', reason: 'Failed', message: `run ${last.name} failed` };
}

/** The status to write and when to look again (so Stale flips on time). */
export function computeFeatureSetStatus(o: FeatureSetObservation): { status: FeatureSetStatus; requeueAfterMs: number } {
  const prev = o.previous ?? {};
  if (o.invalid !== undefined) {
    const [ready] = mergeConditions(prev.conditions, [{ type: 'Ready', status: 'False', reason: 'InvalidSpec', message: o.invalid }], o.now, o.generation);
    // The other conditions describe the children, which are left as they were: keep them as written.
    const others = (prev.conditions ?? []).filter((c) => c.type !== 'Ready');
    return { status: { ...prev, observedGeneration: o.generation, conditions: [ready, ...others] }, requeueAfterMs: 0 };
  }
  const runs = o.dailyRuns ?? [];
  const succeeded = runs.filter((r) => r.state === 'succeeded' && r.completionTime)
    .sort((a, b) => Date.parse(b.completionTime!) - Date.parse(a.completionTime!));
  // Jobs are garbage-collected past the CronJob's history limit, so the newest success ever seen is kept.
  const lastSuccessfulTime = later(later(prev.lastSuccessfulTime, o.daily?.lastSuccessfulTime), succeeded[0]?.completionTime);
  const lastRunId = succeeded[0] && succeeded[0].completionTime === lastSuccessfulTime ? succeeded[0].name : prev.lastRunId;
  const lastScheduleTime = later(prev.lastScheduleTime, o.daily?.lastScheduleTime);

  const stale = staleCondition(o, lastSuccessfulTime);
  const conditions: ConditionInput[] = [
    o.childError !== undefined
      ? { type: 'Ready', status: 'False', reason: 'ChildrenNotApplied', message: o.childError }
      : { type: 'Ready', status: 'True', reason: 'Reconciled', message: 'children match the spec' },
    o.suspend
      ? { type: 'Scheduled', status: 'False', reason: 'Suspended', message: 'spec.suspend is true: the CronJobs are suspended' }
      : o.daily?.schedule
        ? { type: 'Scheduled', status: 'True', reason: 'CronJobScheduled', message: `daily CronJob runs at "${o.daily.schedule}"${lastScheduleTime ? `; last scheduled ${lastScheduleTime}` : ''}` }
        : { type: 'Scheduled', status: 'Unknown', reason: 'CronJobPending', message: 'the daily CronJob has not been created yet' },
    lastRunCondition(runs),
    stale.condition,
  ];
  if (o.training) {
    const { active, cap } = o.training;
    conditions.push(active >= cap
      ? { type: 'TrainingThrottled', status: 'True', reason: 'GpuJobCapReached', message: `${active} training Job(s) active in the namespace, maxConcurrentGpuJobs ${cap}: the training CronJob is suspended` }
      : { type: 'TrainingThrottled', status: 'False', reason: 'BelowGpuJobCap', message: `${active} training Job(s) active in the namespace, maxConcurrentGpuJobs ${cap}` });
  }
  const status: FeatureSetStatus = {
    observedGeneration: o.generation,
    ...(lastScheduleTime ? { lastScheduleTime } : {}),
    ...(lastSuccessfulTime ? { lastSuccessfulTime } : {}),
    ...(lastRunId ? { lastRunId } : {}),
    ...(lastSuccessfulTime ? { freshnessMinutes: Math.max(0, Math.floor((o.now.getTime() - Date.parse(lastSuccessfulTime)) / 60_000)) } : {}),
    ...(o.backfillCompletedFrom ?? prev.backfillCompletedFrom ? { backfillCompletedFrom: o.backfillCompletedFrom ?? prev.backfillCompletedFrom } : {}),
    conditions: mergeConditions(prev.conditions, conditions, o.now, o.generation),
  };
  // Throttling ends when another FeatureSet's Job finishes, which enqueues nothing here: poll while throttled.
  const until = stale.flipAt === undefined ? MAX_REQUEUE_MS : stale.flipAt - o.now.getTime();
  const requeueAfterMs = Math.max(1_000, Math.min(until, MAX_REQUEUE_MS, o.training && o.training.active >= o.training.cap ? 60_000 : MAX_REQUEUE_MS));
  return { status, requeueAfterMs };
}
