import { jsonEqual, mergeConditions } from './conditions';
import { computeFeatureSetStatus, expectedRuns, FRESHNESS_SLO_MINUTES, MAX_REQUEUE_MS, type FeatureSetObservation } from './status';

// Friday 2026-12-04 is a TSE session; the close is 15:30 Tokyo (06:30Z), so with 30 minutes after the close
// the daily run is due at 07:00Z. The next session is Monday 2026-12-07.
const FRI_RUN = '2026-12-04T07:00:00.000Z';
const THU_RUN = '2026-12-03T07:00:00.000Z';
const MON_RUN = '2026-12-07T07:00:00.000Z';
const at = (iso: string) => new Date(iso);
const base = (now: string, extra: Partial<FeatureSetObservation> = {}): FeatureSetObservation => ({
  now: at(now), generation: 3, createdAt: '2026-01-01T00:00:00Z', afterCloseMinutes: 30, suspend: false,
  daily: { schedule: '0 16 * * 1-5' }, dailyRuns: [], ...extra,
});
const cond = (o: FeatureSetObservation, type: string) => computeFeatureSetStatus(o).status.conditions!.find((c) => c.type === type);

describe('expectedRuns', () => {
  it.each<[string, string, string]>([
    ['2026-12-04T08:00:00Z', FRI_RUN, MON_RUN], // Friday evening Tokyo
    ['2026-12-04T06:59:00Z', THU_RUN, FRI_RUN], // Friday just before the run
    ['2026-12-05T03:00:00Z', FRI_RUN, MON_RUN], // Saturday
    ['2026-12-07T07:00:00Z', MON_RUN, '2026-12-08T07:00:00.000Z'], // exactly at the due time
  ])('at %s the last due run is %s and the next %s', (now, previous, next) => {
    const runs = expectedRuns(at(now), 30);
    expect([new Date(runs.previous).toISOString(), new Date(runs.next).toISOString()]).toEqual([previous, next]);
  });
});

describe('computeFeatureSetStatus: Stale and requeue', () => {
  it.each<[string, Omit<Partial<FeatureSetObservation>, 'now'> & { now: string }, string, string, number | undefined]>([
    ['a success after the due run is fresh', { now: '2026-12-04T08:00:00Z', daily: { lastSuccessfulTime: '2026-12-04T07:30:00Z' } }, 'False', 'Fresh', MAX_REQUEUE_MS],
    ['the due run still has time', { now: '2026-12-04T08:50:00Z', daily: { lastSuccessfulTime: '2026-12-03T07:20:00Z' } }, 'False', 'RunPending', 10 * 60_000],
    ['the SLO passed without a success', { now: '2026-12-04T09:30:00Z', daily: { lastSuccessfulTime: '2026-12-03T07:20:00Z' } }, 'True', 'MissedFreshnessSlo', MAX_REQUEUE_MS],
    ['never succeeded, SLO passed', { now: '2026-12-04T09:30:00Z' }, 'True', 'MissedFreshnessSlo', undefined],
    ['created after the last due run', { now: '2026-12-04T09:30:00Z', createdAt: '2026-12-04T09:00:00Z' }, 'False', 'NoRunDueYet', MAX_REQUEUE_MS],
    ['suspended', { now: '2026-12-04T09:30:00Z', suspend: true }, 'False', 'Suspended', MAX_REQUEUE_MS],
  ])('%s', (_name, extra, status, reason, requeue) => {
    const { now, ...rest } = extra;
    const o = base(now, { ...rest, daily: { schedule: '0 16 * * 1-5', ...rest.daily } });
    expect(cond(o, 'Stale')).toMatchObject({ status, reason, observedGeneration: 3 });
    if (requeue !== undefined) expect(computeFeatureSetStatus(o).requeueAfterMs).toBe(requeue);
  });

  it('uses the documented SLO', () => {
    const justBefore = base(new Date(Date.parse(FRI_RUN) + FRESHNESS_SLO_MINUTES * 60_000 - 1).toISOString());
    const justAfter = base(new Date(Date.parse(FRI_RUN) + FRESHNESS_SLO_MINUTES * 60_000).toISOString());
    expect([cond(justBefore, 'Stale')!.status, cond(justAfter, 'Stale')!.status]).toEqual(['False', 'True']);
    expect(computeFeatureSetStatus(justBefore).requeueAfterMs).toBe(1_000);
  });
});

describe('computeFeatureSetStatus: runs', () => {
  const runs: FeatureSetObservation['dailyRuns'] = [
    { name: 'd-1', state: 'succeeded', completionTime: '2026-12-03T07:40:00Z' },
    { name: 'd-2', state: 'failed', completionTime: '2026-12-04T07:50:00Z' },
    { name: 'd-3', state: 'active', startTime: '2026-12-04T08:00:00Z' },
  ];

  it('reports the newest finished run and the newest success, with freshness in minutes', () => {
    const { status } = computeFeatureSetStatus(base('2026-12-04T08:40:00Z', { dailyRuns: runs, daily: { schedule: 's', lastScheduleTime: '2026-12-04T08:00:00Z' } }));
    expect(status).toMatchObject({ lastRunId: 'd-1', lastSuccessfulTime: '2026-12-03T07:40:00Z', lastScheduleTime: '2026-12-04T08:00:00Z', freshnessMinutes: 25 * 60, observedGeneration: 3 });
    expect(status.conditions!.find((c) => c.type === 'LastRunSucceeded')).toMatchObject({ status: 'False', reason: 'Failed', message: 'run d-2 failed' });
  });

  it('keeps the newest success it has seen once the Jobs are garbage-collected', () => {
    const previous = { lastSuccessfulTime: '2026-12-04T07:30:00Z', lastRunId: 'd-9' };
    const { status } = computeFeatureSetStatus(base('2026-12-04T08:00:00Z', { previous, dailyRuns: runs }));
    expect(status).toMatchObject({ lastSuccessfulTime: '2026-12-04T07:30:00Z', lastRunId: 'd-9' });
  });

  it('says when no run has finished yet', () => {
    expect(cond(base('2026-12-04T08:00:00Z'), 'LastRunSucceeded')).toMatchObject({ status: 'Unknown', reason: 'NoFinishedRun' });
  });
});

describe('computeFeatureSetStatus: Ready, Scheduled, throttling, invalid spec', () => {
  it.each<[string, Partial<FeatureSetObservation>, string, Record<string, string>]>([
    ['all good', {}, 'Ready', { status: 'True', reason: 'Reconciled' }],
    ['a child write failed', { childError: 'create CronJob x: forbidden' }, 'Ready', { status: 'False', reason: 'ChildrenNotApplied', message: 'create CronJob x: forbidden' }],
    ['scheduled', {}, 'Scheduled', { status: 'True', reason: 'CronJobScheduled' }],
    ['no CronJob yet', { daily: undefined }, 'Scheduled', { status: 'Unknown', reason: 'CronJobPending' }],
    ['suspended', { suspend: true }, 'Scheduled', { status: 'False', reason: 'Suspended' }],
    ['at the GPU cap', { training: { active: 2, cap: 2 } }, 'TrainingThrottled', { status: 'True', reason: 'GpuJobCapReached' }],
    ['below the GPU cap', { training: { active: 1, cap: 2 } }, 'TrainingThrottled', { status: 'False', reason: 'BelowGpuJobCap' }],
  ])('%s', (_name, extra, type, expected) => {
    expect(cond(base('2026-12-04T08:00:00Z', extra), type)).toMatchObject(expected);
  });

  it('has no TrainingThrottled condition without training, and polls every minute while throttled', () => {
    expect(cond(base('2026-12-04T08:00:00Z'), 'TrainingThrottled')).toBeUndefined();
    expect(computeFeatureSetStatus(base('2026-12-04T08:00:00Z', { daily: { lastSuccessfulTime: '2026-12-04T07:30:00Z' }, training: { active: 1, cap: 1 } })).requeueAfterMs).toBe(60_000);
  });

  it('an invalid spec sets Ready=False InvalidSpec and leaves the rest of the status as it was', () => {
    const previous = computeFeatureSetStatus(base('2026-12-04T08:00:00Z', { daily: { lastSuccessfulTime: '2026-12-04T07:30:00Z' } })).status;
    const { status } = computeFeatureSetStatus({ now: at('2026-12-04T09:00:00Z'), generation: 4, previous, invalid: 'schedule.afterCloseMinutes: expected an integer 0..720, got 900' });
    expect(status.conditions![0]).toEqual({ type: 'Ready', status: 'False', reason: 'InvalidSpec', message: 'schedule.afterCloseMinutes: expected an integer 0..720, got 900', observedGeneration: 4, lastTransitionTime: '2026-12-04T09:00:00.000Z' });
    expect(status.conditions!.slice(1)).toEqual(previous.conditions!.slice(1));
    expect(status).toMatchObject({ observedGeneration: 4, lastSuccessfulTime: '2026-12-04T07:30:00Z' });
  });

  it('remembers a completed backfill', () => {
    expect(computeFeatureSetStatus(base('2026-12-04T08:00:00Z', { backfillCompletedFrom: '2024-01-04' })).status.backfillCompletedFrom).toBe('2024-01-04');
    expect(computeFeatureSetStatus(base('2026-12-04T08:00:00Z', { previous: { backfillCompletedFrom: '2024-01-04' } })).status.backfillCompletedFrom).toBe('2024-01-04');
  });

  it('is stable: the same observation a minute later keeps every lastTransitionTime', () => {
    const first = computeFeatureSetStatus(base('2026-12-04T08:00:00Z', { daily: { schedule: 's', lastSuccessfulTime: '2026-12-04T07:30:00Z' } })).status;
    const again = computeFeatureSetStatus(base('2026-12-04T08:00:30Z', { previous: first, daily: { schedule: 's', lastSuccessfulTime: '2026-12-04T07:30:00Z' } })).status;
    expect(jsonEqual(first, again)).toBe(true);
  });
});

describe('mergeConditions', () => {
  const t0 = '2026-01-01T00:00:00.000Z';
  const previous = [{ type: 'Ready', status: 'True' as const, reason: 'A', message: 'a', lastTransitionTime: t0 }];
  it.each<[string, 'True' | 'False', string]>([
    ['same status, other reason: time kept', 'True', t0],
    ['status changed: time moves', 'False', '2026-02-01T00:00:00.000Z'],
  ])('%s', (_name, status, time) => {
    const [c] = mergeConditions(previous, [{ type: 'Ready', status, reason: 'B', message: 'b' }], at('2026-02-01T00:00:00Z'), 2);
    expect(c).toEqual({ type: 'Ready', status, reason: 'B', message: 'b', lastTransitionTime: time, observedGeneration: 2 });
  });
});

describe('jsonEqual', () => {
  it.each<[unknown, unknown, boolean]>([
    [{ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 }, true],
    [{ a: 1, b: undefined }, { a: 1 }, true],
    [{ a: 1 }, { a: '1' }, false],
    [[1, 2], [2, 1], false],
    [null, {}, false],
  ])('%j vs %j → %p', (a, b, expected) => expect(jsonEqual(a, b)).toBe(expected));
});
