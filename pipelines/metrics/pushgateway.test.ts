import { startFakeGateway } from './fake-gateway';
import { MIN_RETENTION_DAYS, PushgatewayError, groupsToPrune, pruneGroups, runGrouping, type GatewayGroup } from './pushgateway';

const DAY = 86_400_000;
const NOW = Date.parse('2026-06-01T00:00:00Z');
const group = (labels: Record<string, string>, ageDays: number): GatewayGroup => ({ labels: { job: 'gogooku3', ...labels }, pushedAt: NOW - ageDays * DAY });

describe('runGrouping', () => {
  it('adds run_id to the grouping key', () => {
    expect(runGrouping({ pipeline: 'daily' }, 'r1')).toEqual({ pipeline: 'daily', run_id: 'r1' });
  });
  it.each([
    ['an empty run id', {}, ' ', /run_id is empty/],
    ['run_id among the labels', { run_id: 'x' }, 'r1', /pass the run id as runId/],
  ])('rejects %s', (_, grouping, runId, message) => {
    expect(() => runGrouping(grouping, runId)).toThrow(message);
  });
});

describe('groupsToPrune', () => {
  const groups = [
    group({ pipeline: 'daily', run_id: 'old-1' }, 60),
    group({ pipeline: 'daily', run_id: 'old-2' }, 40),
    group({ pipeline: 'daily', run_id: 'young' }, 3),
    group({ pipeline: 'backfill', run_id: 'only-backfill' }, 200),
    group({ training: 'mlp', run_id: 'mlp-old' }, 90),
    group({ training: 'mlp', run_id: 'mlp-new' }, 50),
    group({ check: 'parity', feature_set: 'core' }, 400),
    { labels: { job: 'other', run_id: 'x' }, pushedAt: NOW - 400 * DAY },
  ];

  it.each<[string, number, string[]]>([
    ['older than 35 days, never the newest run of a pipeline or model, never a group without run_id or of another job', 35, ['old-1', 'old-2', 'mlp-old']],
    ['older than 45 days', 45, ['old-1', 'mlp-old']],
    ['older than a year: nothing', 365, []],
  ])('%s', (_, days, ids) => {
    expect(groupsToPrune(groups, 'gogooku3', NOW, days).map((g) => g.labels.run_id)).toEqual(ids);
  });

  it(`refuses a retention shorter than ${MIN_RETENTION_DAYS} days (the 30-day SLO counts runs from these groups)`, () => {
    expect(() => groupsToPrune(groups, 'gogooku3', NOW, 30)).toThrow(/olderThanDays must be >= 35/);
  });
});

describe('pruneGroups', () => {
  it('lists the groups and DELETEs the old per-run ones by their whole grouping key', async () => {
    const gateway = await startFakeGateway({
      groups: [
        { labels: { job: 'gogooku3', pipeline: 'daily', run_id: '20260101T000000Z-aa' }, pushedAt: NOW - 100 * DAY },
        { labels: { job: 'gogooku3', pipeline: 'daily', run_id: '20260531T000000Z-bb' }, pushedAt: NOW - DAY },
        // An explicitly pushed empty instance is part of the key: without it the DELETE would miss the group.
        { labels: { job: 'gogooku3', instance: '', pipeline: 'a/b', run_id: 'old' }, pushedAt: NOW - 100 * DAY },
        { labels: { job: 'gogooku3', instance: '', pipeline: 'a/b', run_id: 'new' }, pushedAt: NOW - 99 * DAY },
      ],
    });
    try {
      const result = await pruneGroups(`${gateway.url}/`, 'gogooku3', { olderThanDays: 35, now: NOW });
      expect(result.deleted.map((g) => g.labels.run_id)).toEqual(['20260101T000000Z-aa', 'old']);
      expect(result.kept).toBe(2);
      expect(gateway.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        'GET /api/v1/metrics',
        'DELETE /metrics/job/gogooku3/pipeline/daily/run_id/20260101T000000Z-aa',
        'DELETE /metrics/job/gogooku3/instance@base64/=/pipeline@base64/YS9i/run_id/old',
      ]);
    } finally {
      await gateway.close();
    }
  });

  it('reports a gateway that answers with an error', async () => {
    const gateway = await startFakeGateway({ status: 500 });
    try {
      const error = await pruneGroups(gateway.url, 'gogooku3', { olderThanDays: 35 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PushgatewayError);
      expect((error as Error).message).toBe(`list groups at ${gateway.url}/api/v1/metrics failed: HTTP 500: bad metrics`);
    } finally {
      await gateway.close();
    }
  });
});
