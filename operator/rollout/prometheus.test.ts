import { json, startScriptedServer } from '../../test/helpers/scripted-server';
import { fetchInterval, httpPrometheusClient, promDuration, PrometheusQueryError, PrometheusUnavailableError, promString, variantQueries, type PrometheusClient } from './prometheus';

describe('PromQL', () => {
  it('builds the three queries over the router metrics for one variant and interval', () => {
    expect(variantQueries('lgbm-daily', 'challenger', 60_000)).toEqual({
      p95Seconds: 'histogram_quantile(0.95, sum by (le) (rate(inference_request_duration_seconds_bucket{model="lgbm-daily",variant="challenger"}[60s])))',
      errorRate: '(sum(rate(inference_errors_total{model="lgbm-daily",variant="challenger"}[60s])) or vector(0)) / sum(rate(inference_requests_total{model="lgbm-daily",variant="challenger"}[60s]))',
      requests: 'sum(increase(inference_requests_total{model="lgbm-daily",variant="challenger"}[60s]))',
    });
  });

  it.each<[number, string]>([[60_000, '60s'], [1_500, '1500ms'], [250, '250ms'], [3_600_000, '3600s'], [0.2, '1ms']])('promDuration(%p) = %s', (ms, text) => {
    expect(promDuration(ms)).toBe(text);
  });

  it('escapes label values', () => {
    expect(promString('a"b\\c\nd')).toBe('"a\\"b\\\\c\\nd"');
  });
});

describe('httpPrometheusClient', () => {
  const vector = (values: string[]) => ({ status: 'success', data: { resultType: 'vector', result: values.map((v) => ({ metric: {}, value: [1700000000, v] })) } });

  it.each<[string, unknown, number | undefined]>([
    ['one series', vector(['0.25']), 0.25],
    ['an empty vector (no series) is no data', vector([]), undefined],
    ['NaN (0/0) is no data', vector(['NaN']), undefined],
    ['+Inf is no data', vector(['+Inf']), undefined],
    ['a scalar', { status: 'success', data: { resultType: 'scalar', result: [1700000000, '3'] } }, 3],
  ])('%s', async (_name, body, expected) => {
    const server = await startScriptedServer((_req, res) => json(res, 200, body));
    try {
      await expect(httpPrometheusClient({ url: `${server.url}/` }).query('up', new Date(1_700_000_000_500))).resolves.toBe(expected);
      expect(server.requests[0].path).toBe('/api/v1/query');
      expect(server.requests[0].query.get('query')).toBe('up');
      expect(server.requests[0].query.get('time')).toBe('1700000000.5');
    } finally {
      await server.close();
    }
  });

  it.each<[string, (res: import('node:http').ServerResponse) => void, new (...args: never[]) => Error, RegExp]>([
    ['a query error', (res) => json(res, 400, { status: 'error', errorType: 'bad_data', error: 'parse error at char 3' }), PrometheusQueryError, /bad_data.*parse error/],
    ['two series', (res) => json(res, 200, vector(['1', '2'])), PrometheusQueryError, /at most one series, got 2/],
    ['a proxy page', (res) => { res.writeHead(503, { 'content-type': 'text/html' }); res.end('<html>down</html>'); }, PrometheusUnavailableError, /unavailable/],
    ['a matrix', (res) => json(res, 200, { status: 'success', data: { resultType: 'matrix', result: [] } }), PrometheusQueryError, /expected a vector or scalar, got matrix/],
  ])('%s is a typed error', async (_name, answer, type, message) => {
    const server = await startScriptedServer((_req, res) => answer(res));
    try {
      const error = await httpPrometheusClient({ url: server.url }).query('up').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(type);
      expect((error as Error).message).toMatch(message);
    } finally {
      await server.close();
    }
  });

  it('times out as PrometheusUnavailableError', async () => {
    const server = await startScriptedServer(() => new Promise(() => undefined));
    try {
      const error = await httpPrometheusClient({ url: server.url, timeoutMs: 100 }).query('up').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PrometheusUnavailableError);
      expect((error as Error).message).toMatch(/no answer within 100 ms/);
    } finally {
      await server.close();
    }
  });

  it('refused connections are PrometheusUnavailableError', async () => {
    const server = await startScriptedServer((_req, res) => json(res, 200, {}));
    const { url } = server;
    await server.close();
    await expect(httpPrometheusClient({ url }).query('up')).rejects.toBeInstanceOf(PrometheusUnavailableError);
  });
});

describe('fetchInterval', () => {
  it('maps each variant\'s answers to a sample (seconds to ms, missing to NaN)', async () => {
    const answers = new Map<string, number | undefined>();
    for (const variant of ['champion', 'challenger'] as const) {
      const q = variantQueries('m', variant, 30_000);
      answers.set(q.p95Seconds, variant === 'champion' ? 0.02 : undefined);
      answers.set(q.errorRate, variant === 'champion' ? 0.001 : 0);
      answers.set(q.requests, variant === 'champion' ? 900 : 100);
    }
    const seen: string[] = [];
    const client: PrometheusClient = { query: async (promql) => { seen.push(promql); return answers.get(promql); } };
    const interval = await fetchInterval(client, 'm', 30_000, new Date());
    expect(interval).toEqual({ champion: { p95_ms: 20, error_rate: 0.001, requests: 900 }, challenger: { p95_ms: Number.NaN, error_rate: 0, requests: 100 } });
    expect(seen.sort()).toEqual([...answers.keys()].sort());
  });
});
