import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { register as globalRegistry } from 'prom-client';
import { PipelineMetrics, PushgatewayError, createMetrics, minutesBetween, pushgatewayPath } from './index';

interface Recorded { method?: string; url?: string; contentType?: string; body: string }

/** A real HTTP server standing in for the Pushgateway: records each request and answers with `status`. */
async function startGateway(status = 200): Promise<{ url: string; requests: Recorded[]; close(): Promise<void> }> {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? '' : 'bad metrics');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

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
