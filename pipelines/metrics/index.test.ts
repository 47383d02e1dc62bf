import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { register as globalRegistry } from 'prom-client';
import { startFakeGateway } from './fake-gateway';
import { PipelineMetrics, PushgatewayError, createMetrics, minutesBetween, pushgatewayPath } from './index';

const startGateway = (status = 200) => startFakeGateway({ status });

function sample(metrics: PipelineMetrics): PipelineMetrics {
  metrics.observeFreshness('2024-11-05T15:30:00+09:00', '2024-11-05T17:45:00+09:00');
  metrics.countRun('daily', 'succeeded');
  metrics.countRun('daily', 'succeeded');
  metrics.countRun('backfill', 'failed');
  metrics.observeStep('ingest', 0.3);
  metrics.observeStep('features', 12);
  metrics.countViolations('daily_quotes', { ohlc_order: 3, non_negative_volume: 0 });
  return metrics;
}

describe('PipelineMetrics', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-metrics-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('renders every metric with its labels in the Prometheus text format', async () => {
    const text = await sample(createMetrics()).text();
    expect(text).toContain('# TYPE data_freshness_minutes histogram');
    expect(text).toContain('data_freshness_minutes_bucket{le="120"} 0');
    expect(text).toContain('data_freshness_minutes_bucket{le="150"} 1');
    expect(text).toContain('data_freshness_minutes_bucket{le="600"} 1');
    expect(text).toContain('data_freshness_minutes_sum 135');
    expect(text).toContain('# TYPE pipeline_runs_total counter');
    expect(text).toContain('pipeline_runs_total{pipeline="daily",status="succeeded"} 2');
    expect(text).toContain('pipeline_runs_total{pipeline="backfill",status="failed"} 1');
    expect(text).toContain('# TYPE pipeline_step_duration_seconds histogram');
    expect(text).toContain('pipeline_step_duration_seconds_count{step="ingest"} 1');
    expect(text).toContain('pipeline_step_duration_seconds_bucket{le="30",step="features"} 1');
    expect(text).toContain('contract_violations_total{contract="daily_quotes",rule="ohlc_order"} 3');
    expect(text).toContain('contract_violations_total{contract="daily_quotes",rule="non_negative_volume"} 0');
  });

  it('keeps each run on its own registry, not the global one', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.countRun('daily', 'succeeded');
    expect(await b.text()).not.toContain('pipeline_runs_total{');
    expect(await globalRegistry.metrics()).not.toContain('pipeline_runs_total');
  });

  it('computes freshness in minutes from ISO instants', () => {
    expect(minutesBetween('2024-01-04T15:00:00+09:00', '2024-01-04T06:30:00Z')).toBe(30);
    expect(sample(createMetrics()).observeFreshness(new Date('2024-01-04T06:00:00Z'), Date.parse('2024-01-04T08:00:00Z'))).toBe(120);
    expect(() => minutesBetween('yesterday', new Date())).toThrow(/instant/);
  });

  it('writes the textfile atomically', async () => {
    const file = path.join(dir, 'metrics', 'gogooku3.prom');
    const metrics = sample(createMetrics());
    await metrics.writeTextfile(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(await metrics.text());
    expect(fs.readdirSync(path.dirname(file))).toEqual(['gogooku3.prom']);
  });

  it('builds Pushgateway grouping paths, base64-encoding values a path cannot carry', () => {
    expect(pushgatewayPath('gogooku3', { pipeline: 'daily', instance: 'host 1' })).toBe('/metrics/job/gogooku3/pipeline/daily/instance/host%201');
    expect(pushgatewayPath('gogooku3', { path: 'a/b', empty: '' })).toBe(`/metrics/job/gogooku3/path@base64/${Buffer.from('a/b').toString('base64url')}/empty@base64/=`);
    expect(() => pushgatewayPath('j', { 'bad-label': 'x' })).toThrow(/label name/);
    expect(() => pushgatewayPath('')).toThrow(/job/);
  });

  it('pushes the text format with PUT to /metrics/job/<job>/<label>/<value>', async () => {
    const gateway = await startGateway();
    try {
      const metrics = sample(createMetrics());
      await metrics.push(`${gateway.url}/`, 'gogooku3', { pipeline: 'daily' });
      expect(gateway.requests).toHaveLength(1);
      const [request] = gateway.requests;
      expect(request.method).toBe('PUT');
      expect(request.url).toBe('/metrics/job/gogooku3/pipeline/daily');
      expect(request.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(request.body).toBe(await metrics.text());
    } finally {
      await gateway.close();
    }
  });

  it('pushes each run to a group of its own, so runs accumulate instead of replacing each other', async () => {
    const gateway = await startGateway();
    try {
      for (const runId of ['20261204T081500Z-1a2b3c4d', '20261205T081500Z-5e6f7a8b']) {
        const metrics = createMetrics();
        metrics.countRun('daily', 'succeeded', Date.parse('2026-12-04T17:15:00+09:00'));
        await metrics.pushRun(gateway.url, 'gogooku3', { pipeline: 'daily' }, runId);
      }
      expect(gateway.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        'PUT /metrics/job/gogooku3/pipeline/daily/run_id/20261204T081500Z-1a2b3c4d',
        'PUT /metrics/job/gogooku3/pipeline/daily/run_id/20261205T081500Z-5e6f7a8b',
      ]);
      expect(gateway.requests[0].body).toContain('pipeline_run_timestamp_seconds{pipeline="daily",status="succeeded"} 1796372100');
    } finally {
      await gateway.close();
    }
    await expect(createMetrics().pushRun('http://127.0.0.1:1', 'gogooku3', { pipeline: 'daily' }, '')).rejects.toThrow(/run_id is empty/);
  });

  it('stamps each run with its finish time, training runs too', async () => {
    const metrics = createMetrics();
    metrics.observeTraining('mlp', 'failed', 8000, new Date('2026-01-05T00:00:00Z'));
    metrics.expectNextSuccessBy('daily', '2026-01-06T00:30:00+09:00');
    const text = await metrics.text();
    expect(text).toContain('training_run_timestamp_seconds{model="mlp",status="failed"} 1767571200');
    expect(text).toContain('training_duration_seconds_bucket{le="7200",model="mlp"} 0');
    expect(text).toContain('pipeline_next_success_deadline_timestamp_seconds{pipeline="daily"} 1767627000');
    expect(() => metrics.countRun('daily', 'failed', 'yesterday')).toThrow(/finishedAt: not a valid instant/);
  });

  it('reports a rejected push with its status', async () => {
    const gateway = await startGateway(400);
    try {
      const error = await createMetrics().push(gateway.url, 'gogooku3').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PushgatewayError);
      expect(error).toMatchObject({ status: 400 });
      expect((error as Error).message).toContain('bad metrics');
    } finally {
      await gateway.close();
    }
  });

  it('reports an unreachable gateway', async () => {
    const gateway = await startGateway();
    await gateway.close();
    await expect(createMetrics().push(gateway.url, 'gogooku3')).rejects.toBeInstanceOf(PushgatewayError);
  });
});
