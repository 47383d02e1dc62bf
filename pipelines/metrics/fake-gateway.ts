/**
 * A real HTTP server standing in for the Pushgateway in tests: records each request, answers `status`, and
 * serves `GET /api/v1/metrics` from the groups it was given (the gateway's JSON shape, trimmed).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest { method?: string; url?: string; contentType?: string; body: string }

export interface FakeGateway {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startFakeGateway(options: { status?: number; groups?: Array<{ labels: Record<string, string>; pushedAt: number }> } = {}): Promise<FakeGateway> {
  const status = options.status ?? 200;
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, contentType: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      if (status === 200 && req.method === 'GET' && req.url === '/api/v1/metrics') {
        // As Pushgateway 1.5 answers: `labels` is the grouping key as pushed; the metrics carry `instance=""`
        // when the key has no instance; values are strings in Go's shortest float form ("1.7964e+09").
        const data = (options.groups ?? []).map((g) => {
          const time_stamp = new Date(g.pushedAt).toISOString();
          const labels = { instance: '', ...g.labels };
          return {
            labels: g.labels,
            last_push_successful: true,
            push_failure_time_seconds: { time_stamp, type: 'GAUGE', help: 'Last Unix time when changing this group in the Pushgateway failed.', metrics: [{ labels, value: '0' }] },
            push_time_seconds: { time_stamp, type: 'GAUGE', help: 'Last Unix time when changing this group in the Pushgateway succeeded.', metrics: [{ labels, value: (g.pushedAt / 1000).toExponential().replace(/e\+(\d)$/, 'e+0$1') }] },
          };
        });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: 'success', data }));
        return;
      }
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(status === 200 ? '' : 'bad metrics');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
