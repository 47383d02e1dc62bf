import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TseCalendar } from '../../pipelines/calendar';
import { PipelineMetrics, pruneGroups } from '../../pipelines/metrics';
import { recordPipelineRun } from '../../pipelines/metrics/runs';
import { newRunId } from '../../pipelines/run/build';
import { pushgatewayPath, startPushgateway, type PushgatewayHandle, type StartPushgatewayOptions } from '../helpers/pushgateway-server';
import { runCli } from '../helpers/run-cli';

jest.setTimeout(30_000);

// In CI a missing binary must fail the suite (startPushgateway throws there), not skip it.
const available = pushgatewayPath() !== null || process.env.CI === 'true';
const suite = available ? describe : describe.skip;
const title = available ? 'our Pushgateway client against a real Pushgateway' : 'our Pushgateway client against a real Pushgateway (SKIPPED: prometheus-pushgateway is not installed)';
if (!available) console.warn('prometheus-pushgateway is not installed: skipping the Pushgateway integration tests');

const DAY = 86_400_000;
const JOB = 'gogooku3';
type Labels = Record<string, string>;

/** Every group as the gateway lists it: the grouping key and the raw push_time_seconds value. */
async function listGroups(url: string): Promise<Array<{ labels: Labels; pushTime: string }>> {
  const body = await (await fetch(`${url}/api/v1/metrics`)).json() as { data: Array<{ labels: Labels; push_time_seconds: { metrics: Array<{ value: string }> } }> };
  return body.data.map((g) => ({ labels: g.labels, pushTime: g.push_time_seconds.metrics[0].value }));
}

/** Stable identity of a label set, for comparing sets of groups regardless of order. */
const key = (labels: Labels) => JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
const keys = (groups: ReadonlyArray<{ labels: Labels }>) => groups.map((g) => key(g.labels)).sort();

/** The samples of the gateway's own `/metrics` exposition (text format 0.0.4). */
async function scrape(url: string): Promise<Array<{ name: string; labels: Labels; value: number }>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const samples = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m) continue;
    const labels: Labels = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return samples;
}

suite(title, () => {
  const started: PushgatewayHandle[] = [];
  const start = async (options: StartPushgatewayOptions = {}) => {
    const gateway = (await startPushgateway(options))!;
    started.push(gateway);
    return gateway;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((g) => g.stop()));
  });

  describe('the pipeline push path (PipelineMetrics.pushRun)', () => {
    const finishedAt = Date.parse('2024-06-14T08:15:00Z');
    it.each<[string, string, Labels, (m: PipelineMetrics) => void, string, Labels]>([
      ['a daily run, as `gogooku3 run daily` pushes it', JOB, { pipeline: 'daily' },
        (m) => recordPipelineRun(m, TseCalendar.fromRules(), { pipeline: 'daily', succeeded: true, finishedAt, sessions: ['2024-06-14'], publishedSession: '2024-06-14' }),
        'pipeline_run_timestamp_seconds', { pipeline: 'daily', status: 'succeeded' }],
      ['a training run, as `gogooku3 train` pushes it', JOB, { training: 'mlp' },
        (m) => m.observeTraining('mlp', 'failed', 95, finishedAt),
        'training_run_timestamp_seconds', { model: 'mlp', status: 'failed' }],
      ['a "/" in the job and a label value, and an empty value (base64 path segments)', 'team/gogooku3', { pipeline: 'daily/eu', shard: '' },
        (m) => m.countRun('daily/eu', 'succeeded', finishedAt),
        'pipeline_run_timestamp_seconds', { pipeline: 'daily/eu', status: 'succeeded' }],
    ])('%s lands in a group of its own with run_id', async (_, job, grouping, record, metric, metricLabels) => {
      const gateway = await start();
      const metrics = new PipelineMetrics();
      record(metrics);
      const runId = newRunId(new Date());
      const before = Date.now();
      await metrics.pushRun(gateway.url, job, grouping, runId);
      const after = Date.now();

      const groupKey = { job, ...grouping, run_id: runId };
      const groups = await listGroups(gateway.url);
      expect(keys(groups)).toEqual([key(groupKey)]);
      const pushedAt = Number(groups[0].pushTime) * 1000;
      expect(pushedAt).toBeGreaterThanOrEqual(before - 1);
      expect(pushedAt).toBeLessThanOrEqual(after + 1);

      // The gateway adds instance="" to every metric of a group pushed without an instance.
      const samples = await scrape(gateway.url);
      expect(samples).toContainEqual({ name: metric, labels: { instance: '', ...groupKey, ...metricLabels }, value: finishedAt / 1000 });
      expect(samples).toContainEqual({ name: 'push_time_seconds', labels: { instance: '', ...groupKey }, value: pushedAt / 1000 });
    });

    it('a daily run also carries the deadline of the next success', async () => {
      const gateway = await start();
      const metrics = new PipelineMetrics();
      recordPipelineRun(metrics, TseCalendar.fromRules(), { pipeline: 'daily', succeeded: true, finishedAt, sessions: ['2024-06-14'] });
      await metrics.pushRun(gateway.url, JOB, { pipeline: 'daily' }, 'r1');
      // Friday 2024-06-14 → Monday 2024-06-17, close 15:00 JST (06:00Z) + 9 h.
      expect(await scrape(gateway.url)).toContainEqual({
        name: 'pipeline_next_success_deadline_timestamp_seconds',
        labels: { instance: '', job: JOB, pipeline: 'daily', run_id: 'r1' },
        value: Date.parse('2024-06-17T15:00:00Z') / 1000,
      });
    });
  });

  /**
   * Several series of several runs, pushed round-robin so the newest group of a series is not simply the
   * last push; plus a group without run_id and runs of another job, which prune must never touch.
   * Runs are named `<grouping values>-<n>`; every run but the last of a series of JOB is doomed.
   */
  async function seed(url: string): Promise<{ all: string[]; doomed: string[] }> {
    const series: Array<{ job: string; grouping: Labels; runs: number; record: (m: PipelineMetrics) => void }> = [
      { job: JOB, grouping: { pipeline: 'daily' }, runs: 3, record: (m) => m.countRun('daily', 'succeeded') },
      { job: JOB, grouping: { pipeline: 'backfill' }, runs: 2, record: (m) => m.countRun('backfill', 'failed') },
      { job: JOB, grouping: { training: 'mlp' }, runs: 3, record: (m) => m.observeTraining('mlp', 'succeeded', 60) },
      { job: JOB, grouping: { pipeline: 'daily/eu', shard: '' }, runs: 2, record: (m) => m.countRun('daily/eu', 'succeeded') },
      // An instance pushed explicitly, even "", is part of the grouping key (unlike the one the gateway adds).
      { job: JOB, grouping: { instance: '', pipeline: 'adhoc' }, runs: 2, record: (m) => m.countRun('adhoc', 'succeeded') },
      { job: 'other', grouping: { pipeline: 'daily' }, runs: 2, record: (m) => m.countRun('daily', 'succeeded') },
    ];
    const parity = new PipelineMetrics();
    parity.featureParityPass.set({ feature_set: 'core' }, 1);
    await parity.push(url, JOB, { check: 'parity', feature_set: 'core' });
    const all = [key({ job: JOB, check: 'parity', feature_set: 'core' })];
    const doomed: string[] = [];
    for (let run = 0; run < 3; run++) {
      for (const s of series.filter((x) => run < x.runs)) {
        const metrics = new PipelineMetrics();
        s.record(metrics);
        const runId = `${Object.values(s.grouping).join('-')}-${run}`;
        await metrics.pushRun(url, s.job, s.grouping, runId);
        all.push(key({ job: s.job, ...s.grouping, run_id: runId }));
        if (s.job === JOB && run < s.runs - 1) doomed.push(key({ job: s.job, ...s.grouping, run_id: runId }));
      }
    }
    expect(keys(await listGroups(url))).toEqual([...all].sort());
    return { all: all.sort(), doomed: doomed.sort() };
  }

  describe('pruneGroups against the real /api/v1/metrics', () => {
    it.each([
      ['deletes the older runs of each series, keeps the newest of each', 90, false, true],
      ['dryRun lists the same groups and deletes nothing', 90, true, true],
      ['nothing is older than the retention', 120, false, false],
    ])('%s (now + 100 days, older than %d days, dryRun %s)', async (_, olderThanDays, dryRun, prunes) => {
      const gateway = await start();
      const { all, doomed } = await seed(gateway.url);
      const expected = prunes ? doomed : [];
      const result = await pruneGroups(gateway.url, JOB, { olderThanDays, now: Date.now() + 100 * DAY, dryRun });
      expect(keys(result.deleted)).toEqual(expected);
      expect(result.kept).toBe(all.length - expected.length);
      const remaining = dryRun ? all : all.filter((k) => !expected.includes(k));
      expect(keys(await listGroups(gateway.url))).toEqual(remaining);
    });
  });

  describe('gogooku3 metrics prune', () => {
    afterEach(() => jest.restoreAllMocks());
    const realNow = Date.now.bind(Date);

    it.each([
      ['--dry-run, 100 days on: lists the old runs, deletes nothing', ['--dry-run'], 100, true],
      ['100 days on: deletes the old runs', [], 100, true],
      ['today: every run is younger than 90 days', [], 0, false],
    ])('%s', async (_, args, daysOn, prunes) => {
      const gateway = await start();
      const { all, doomed } = await seed(gateway.url);
      // The command prunes relative to the clock; the gateway stamps pushes with the real one.
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() + daysOn * DAY);
      const r = await runCli(['metrics', 'prune', '--older-than-days', '90', '--format', 'json', ...args], { GOGOOKU3_PUSHGATEWAY_URL: gateway.url });
      jest.restoreAllMocks();
      expect(r).toMatchObject({ code: 0, err: '' });
      const out = JSON.parse(r.out) as { dryRun: boolean; deleted: Array<Labels & { pushedAt: string }>; kept: number };
      const expected = prunes ? doomed : [];
      expect(out.dryRun).toBe(args.includes('--dry-run'));
      expect(out.deleted.map(({ pushedAt: _at, ...labels }) => key(labels)).sort()).toEqual(expected);
      expect(out.kept).toBe(all.length - expected.length);
      for (const g of out.deleted) expect(Date.parse(g.pushedAt)).toBeGreaterThan(realNow() - 60_000);
      const remaining = out.dryRun ? all : all.filter((k) => !expected.includes(k));
      expect(keys(await listGroups(gateway.url))).toEqual(remaining);
    });

    it('exits 69 naming the URL when the gateway is down', async () => {
      const gateway = await start();
      await gateway.stop();
      const r = await runCli(['metrics', 'prune', '--dry-run'], { GOGOOKU3_PUSHGATEWAY_URL: gateway.url });
      expect(r.code).toBe(69);
      expect(r.err).toContain(`list groups at ${gateway.url}/api/v1/metrics failed`);
      expect(r.err).toMatch(/ECONNREFUSED/);
    });
  });

  describe('persistence across a restart on the same port', () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-pushgateway-')); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it.each<[string, string, 'SIGTERM' | 'SIGKILL']>([
      // An interval far beyond the test: only the shutdown can have written the file.
      ['SIGTERM writes the file on shutdown', '1h', 'SIGTERM'],
      ['SIGKILL keeps what the interval write saved', '1s', 'SIGKILL'],
    ])('%s', async (_, persistenceInterval, signal) => {
      const persistenceFile = path.join(dir, 'pushgateway.data');
      const first = await start({ persistenceFile, persistenceInterval });
      const metrics = new PipelineMetrics();
      metrics.countRun('daily/eu', 'succeeded', Date.parse('2024-06-14T08:15:00Z'));
      await metrics.pushRun(first.url, JOB, { pipeline: 'daily/eu', shard: '' }, 'r1');
      await metrics.pushRun(first.url, JOB, { pipeline: 'daily/eu', shard: '' }, 'r2');
      const before = await listGroups(first.url);
      expect(before).toHaveLength(2);
      if (signal === 'SIGKILL') {
        // The file is gob-encoded protobuf; label values appear verbatim once the interval write happened.
        const deadline = Date.now() + 10_000;
        while (!(fs.existsSync(persistenceFile) && fs.readFileSync(persistenceFile).includes('r2'))) {
          if (Date.now() > deadline) throw new Error(`no interval write within 10 s:\n${first.output()}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
      await first.stop(signal);
      expect(await fetch(`${first.url}/-/ready`).then(() => 'up', () => 'down')).toBe('down');

      const second = await start({ persistenceFile, persistenceInterval, port: first.port });
      expect(second.url).toBe(first.url);
      const after = await listGroups(second.url);
      expect(after.sort((a, b) => key(a.labels).localeCompare(key(b.labels)))).toEqual(before.sort((a, b) => key(a.labels).localeCompare(key(b.labels))));
      expect(await scrape(second.url)).toContainEqual({
        name: 'pipeline_run_timestamp_seconds',
        labels: { instance: '', job: JOB, pipeline: 'daily/eu', shard: '', run_id: 'r2', status: 'succeeded' },
        value: Date.parse('2024-06-14T08:15:00Z') / 1000,
      });
    });
  });
});
