import { TseCalendar } from '../calendar';
import { PipelineMetrics } from './index';
import { SUCCESS_LAG_AFTER_CLOSE_HOURS, nextSuccessDeadline, recordPipelineRun } from './runs';

const cal = TseCalendar.fromRules();
const iso = (ms: number) => new Date(ms).toISOString();

describe('nextSuccessDeadline', () => {
  it.each([
    ['a Thursday: due Friday night (close 15:00 until 2024-11-04)', '2024-10-31', '2024-11-01T15:00:00.000Z'],
    ['a Friday before a Monday holiday (振替休日 2024-11-04): due Tuesday night', '2024-11-01', '2024-11-05T15:30:00.000Z'],
    ['the last session of 2024: due after the first of 2025 (Jan 6)', '2024-12-30', '2025-01-06T15:30:00.000Z'],
    ['Golden Week 2019: due after May 7', '2019-04-26', '2019-05-07T15:00:00.000Z'],
  ])('%s', (_, session, due) => {
    expect(iso(nextSuccessDeadline(cal, session))).toBe(due);
  });

  it(`is ${SUCCESS_LAG_AFTER_CLOSE_HOURS} h after the next session's close`, () => {
    expect(nextSuccessDeadline(cal, '2024-10-31') - Date.parse(cal.sessionTimes('2024-11-01').closeAt)).toBe(SUCCESS_LAG_AFTER_CLOSE_HOURS * 3600_000);
  });
});

describe('recordPipelineRun', () => {
  const finishedAt = Date.parse('2024-11-01T18:00:00+09:00');
  const line = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));

  it.each<[string, { pipeline: string; succeeded: boolean; publishedSession?: string }, { status: string; deadline: boolean; freshness: number }]>([
    ['a successful daily run: counted, freshness observed, next success due', { pipeline: 'daily', succeeded: true, publishedSession: '2024-11-01' }, { status: 'succeeded', deadline: true, freshness: 1 }],
    ['a failed daily run: counted, no new deadline', { pipeline: 'daily', succeeded: false, publishedSession: '2024-11-01' }, { status: 'failed', deadline: false, freshness: 1 }],
    ['a backfill publishing an old session: no freshness, nothing due', { pipeline: 'backfill', succeeded: true, publishedSession: '2024-06-03' }, { status: 'succeeded', deadline: false, freshness: 0 }],
  ])('%s', async (_, run, want) => {
    const metrics = new PipelineMetrics();
    recordPipelineRun(metrics, cal, { ...run, finishedAt, sessions: ['2024-10-31', '2024-11-01'] });
    const text = await metrics.text();
    expect(line(text, 'pipeline_runs_total')).toEqual([`pipeline_runs_total{pipeline="${run.pipeline}",status="${want.status}"} 1`]);
    expect(line(text, 'pipeline_run_timestamp_seconds')).toEqual([`pipeline_run_timestamp_seconds{pipeline="${run.pipeline}",status="${want.status}"} ${finishedAt / 1000}`]);
    expect(line(text, 'pipeline_next_success_deadline_timestamp_seconds')).toEqual(
      want.deadline ? [`pipeline_next_success_deadline_timestamp_seconds{pipeline="daily"} ${Date.parse('2024-11-06T00:30:00+09:00') / 1000}`] : [],
    );
    expect(line(text, 'data_freshness_minutes_count')).toEqual([`data_freshness_minutes_count ${want.freshness}`]);
  });

  it('measures freshness from the published session\'s close to the finish (15:00 → 18:00 JST)', async () => {
    const metrics = new PipelineMetrics();
    recordPipelineRun(metrics, cal, { pipeline: 'daily', succeeded: true, finishedAt, sessions: ['2024-11-01'], publishedSession: '2024-11-01' });
    expect(await metrics.text()).toContain('data_freshness_minutes_sum 180');
  });

  it.each<[string, number, number]>([
    ['from when the data became available (17:58 → 18:00 JST)', Date.parse('2024-11-01T17:58:00+09:00'), 2],
    ['never negative: data there before it was expected', Date.parse('2024-11-01T18:30:00+09:00'), 0],
  ])('measures freshness %s', async (_name, availableSince, minutes) => {
    const metrics = new PipelineMetrics();
    recordPipelineRun(metrics, cal, { pipeline: 'daily', succeeded: true, finishedAt, sessions: ['2024-11-01'], publishedSession: '2024-11-01', availableSince });
    expect(await metrics.text()).toContain(`data_freshness_minutes_sum ${minutes}`);
  });
});
