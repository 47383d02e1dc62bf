import type { MetricsInterval, MetricsSample } from './state-machine';

/**
 * The analysis' metrics: PromQL over the inference router's series (pipelines/serve/metrics.ts), one
 * sample per variant ("champion", "challenger" — the variant names the operator writes into the weights
 * config) over the analysis interval, and a narrow Prometheus client for /api/v1/query.
 */
export const ROUTER_METRICS = {
  duration: 'inference_request_duration_seconds',
  requests: 'inference_requests_total',
  errors: 'inference_errors_total',
} as const;

export type Variant = 'champion' | 'challenger';

/** A PromQL double-quoted string literal. */
export const promString = (value: string): string => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** A PromQL range duration from milliseconds ("1.5s" is not PromQL; "1500ms" is). */
export function promDuration(ms: number): string {
  const whole = Math.max(1, Math.round(ms));
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}

export interface VariantQueries {
  /** Seconds; the analysis compares milliseconds. */
  p95Seconds: string;
  errorRate: string;
  requests: string;
}

/**
 * No series means no data (the result is empty, which the analysis counts as inconclusive). The error
 * counter is the exception: the router creates an error series only at the first error, so an absent one
 * with requests present means zero errors; `or vector(0)` says so, and the division by an empty request
 * rate still comes out empty.
 */
export function variantQueries(model: string, variant: Variant, intervalMs: number): VariantQueries {
  const selector = `{model=${promString(model)},variant=${promString(variant)}}`;
  const range = `[${promDuration(intervalMs)}]`;
  return {
    p95Seconds: `histogram_quantile(0.95, sum by (le) (rate(${ROUTER_METRICS.duration}_bucket${selector}${range})))`,
    errorRate: `(sum(rate(${ROUTER_METRICS.errors}${selector}${range})) or vector(0)) / sum(rate(${ROUTER_METRICS.requests}${selector}${range}))`,
    requests: `sum(increase(${ROUTER_METRICS.requests}${selector}${range}))`,
  };
}

/** A Prometheus that answered with an error (bad query, timeout on its side): status "error". */
export class PrometheusQueryError extends Error {
  constructor(readonly errorType: string, detail: string, readonly query: string) {
    super(`Prometheus query failed (${errorType}): ${detail}`);
    this.name = 'PrometheusQueryError';
  }
}

/** Prometheus could not be reached or did not answer in time, or answered something that is not its API. */
export class PrometheusUnavailableError extends Error {
  constructor(readonly url: string, detail: string, options?: { cause?: unknown }) {
    super(`Prometheus at ${url} unavailable: ${detail}`, options);
    this.name = 'PrometheusUnavailableError';
  }
}

export interface PrometheusClient {
  /** The instant query's single value; undefined when the result is empty or not a finite number. */
  query(promql: string, time?: Date): Promise<number | undefined>;
}

type QueryResponse =
  | { status: 'success'; data: { resultType: 'vector'; result: Array<{ metric: Record<string, string>; value: [number, string] }> } | { resultType: 'scalar'; result: [number, string] } | { resultType: string; result: unknown } }
  | { status: 'error'; errorType?: string; error?: string };

const finiteOrUndefined = (text: unknown): number | undefined => {
  const n = typeof text === 'string' ? Number(text) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
};

/** /api/v1/query over HTTP (GET; the queries are short). */
export function httpPrometheusClient(options: { url: string; timeoutMs?: number; fetch?: typeof fetch }): PrometheusClient {
  const base = options.url.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  return {
    async query(promql, time) {
      const params = new URLSearchParams({ query: promql });
      if (time) params.set('time', String(time.getTime() / 1000));
      let response: Response;
      let body: QueryResponse;
      try {
        response = await doFetch(`${base}/api/v1/query?${params}`, { signal: AbortSignal.timeout(options.timeoutMs ?? 10_000), headers: { accept: 'application/json' } });
        body = await response.json() as QueryResponse;
      } catch (error) {
        const name = (error as Error).name;
        const detail = name === 'TimeoutError' ? `no answer within ${options.timeoutMs ?? 10_000} ms` : (error as Error).message;
        throw new PrometheusUnavailableError(base, detail, { cause: error });
      }
      if (body?.status === 'error') throw new PrometheusQueryError(body.errorType ?? `HTTP ${response.status}`, body.error ?? 'no detail', promql);
      if (body?.status !== 'success' || !response.ok) throw new PrometheusUnavailableError(base, `HTTP ${response.status} without a Prometheus answer`);
      const { data } = body;
      if (data.resultType === 'scalar') return finiteOrUndefined((data.result as [number, string])[1]);
      if (data.resultType === 'vector') {
        const result = data.result as Array<{ value: [number, string] }>;
        // The queries aggregate to one series; more would mean a label we did not expect to split on.
        if (result.length > 1) throw new PrometheusQueryError('unexpected_result', `expected at most one series, got ${result.length}`, promql);
        return result.length === 0 ? undefined : finiteOrUndefined(result[0].value[1]);
      }
      throw new PrometheusQueryError('unexpected_result', `expected a vector or scalar, got ${data.resultType}`, promql);
    },
  };
}

/** One variant's sample; a missing value becomes NaN, which the analysis treats as no data. */
async function sampleOf(client: PrometheusClient, model: string, variant: Variant, intervalMs: number, at: Date): Promise<MetricsSample> {
  const q = variantQueries(model, variant, intervalMs);
  const [p95, errorRate, requests] = await Promise.all([client.query(q.p95Seconds, at), client.query(q.errorRate, at), client.query(q.requests, at)]);
  return { p95_ms: p95 === undefined ? Number.NaN : p95 * 1000, error_rate: errorRate ?? Number.NaN, requests: requests ?? Number.NaN };
}

/** Both variants' metrics over the interval ending at `at`. */
export async function fetchInterval(client: PrometheusClient, model: string, intervalMs: number, at: Date): Promise<MetricsInterval> {
  const [champion, challenger] = await Promise.all([sampleOf(client, model, 'champion', intervalMs, at), sampleOf(client, model, 'challenger', intervalMs, at)]);
  return { champion, challenger };
}
