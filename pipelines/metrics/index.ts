/**
 * Pipeline metrics on a registry of their own (never prom-client's global one), so each run reports only what
 * it did and tests or parallel runs in one process cannot leak series into each other. A batch job has no
 * scrape endpoint: it leaves a textfile for node_exporter and/or pushes to a Pushgateway.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { writeFileAtomic } from '../storage/atomic';

/** Session close → online publish. The daily run lands ~1–3 h after close; a bad day can take most of a day. */
export const FRESHNESS_BUCKETS_MINUTES = [5, 10, 15, 30, 45, 60, 90, 120, 150, 180, 240, 300, 360, 480, 600];
/** One step on one partition is sub-second; a whole backfill step can take an hour. */
/** Training runs: the SLO is "within 120 minutes", so 7200 s is a bucket edge. */
export const TRAINING_DURATION_BUCKETS_SECONDS = [60, 300, 600, 1800, 3600, 5400, 7200, 10800, 14400, 21600];
export const STEP_DURATION_BUCKETS_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export class PushgatewayError extends Error {
  constructor(readonly url: string, readonly status: number | undefined, detail: string) {
    super(`push to ${url} failed: ${detail}`);
    this.name = 'PushgatewayError';
  }
}

type Instant = Date | string | number;

function toMs(value: Instant, what: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`${what}: not a valid instant: ${String(value)}`);
  return ms;
}

/** Minutes from `from` to `to`; strings must be ISO instants (e.g. the calendar's '2024-11-05T15:30:00+09:00'). */
export function minutesBetween(from: Instant, to: Instant): number {
  return (toMs(to, 'to') - toMs(from, 'from')) / 60_000;
}

/**
 * One path segment of the Pushgateway grouping key. Values that a URL path cannot carry as-is (a `/`, or
 * empty) use the gateway's base64url form, `name@base64/value`.
 */
function groupingSegment(name: string, value: string): string {
  if (value === '' || value.includes('/')) return `${name}@base64/${Buffer.from(value, 'utf8').toString('base64url') || '='}`;
  return `${name}/${encodeURIComponent(value)}`;
}

export function pushgatewayPath(job: string, grouping: Record<string, string> = {}): string {
  if (!job) throw new Error('push: job name is empty');
  const parts = ['/metrics', groupingSegment('job', job)];
  for (const [name, value] of Object.entries(grouping)) {
    if (!LABEL_NAME_RE.test(name) || name === 'job') throw new Error(`push: invalid grouping label name ${JSON.stringify(name)}`);
    parts.push(groupingSegment(name, value));
  }
  return parts.join('/');
}

export class PipelineMetrics {
  readonly registry = new Registry();

  readonly dataFreshnessMinutes = new Histogram({
    name: 'data_freshness_minutes',
    help: 'Minutes from the TSE session close to the online publish of that session\'s features',
    buckets: FRESHNESS_BUCKETS_MINUTES,
    registers: [this.registry],
  });

  readonly pipelineRunsTotal = new Counter({
    name: 'pipeline_runs_total',
    help: 'Pipeline runs by outcome',
    labelNames: ['status', 'pipeline'] as const,
    registers: [this.registry],
  });

  readonly pipelineStepDurationSeconds = new Histogram({
    name: 'pipeline_step_duration_seconds',
    help: 'Wall time of one executed pipeline step',
    labelNames: ['step'] as const,
    buckets: STEP_DURATION_BUCKETS_SECONDS,
    registers: [this.registry],
  });

  readonly contractViolationsTotal = new Counter({
    name: 'contract_violations_total',
    help: 'Rows failing a data contract rule',
    labelNames: ['contract', 'rule'] as const,
    registers: [this.registry],
  });

  readonly featureParityPsi = new Gauge({
    name: 'feature_parity_psi',
    help: 'Population stability index of a feature between the online store and the DWH for the checked session',
    labelNames: ['feature_set', 'feature'] as const,
    registers: [this.registry],
  });

  readonly featureParityExactMatchRatio = new Gauge({
    name: 'feature_parity_exact_match_ratio',
    help: 'Share of sampled tickers whose online value equals the DWH value exactly',
    labelNames: ['feature_set', 'feature'] as const,
    registers: [this.registry],
  });

  readonly trainingDurationSeconds = new Histogram({
    name: 'training_duration_seconds',
    help: 'Wall time of one training run (CV, final fit, export and registration)',
    labelNames: ['model'] as const,
    buckets: TRAINING_DURATION_BUCKETS_SECONDS,
    registers: [this.registry],
  });

  readonly trainingRunsTotal = new Counter({
    name: 'training_runs_total',
    help: 'Training runs by outcome',
    labelNames: ['model', 'status'] as const,
    registers: [this.registry],
  });

  /** One finished training run; failures count too, and their duration is observed like any other run's. */
  observeTraining(model: string, status: 'succeeded' | 'failed', seconds: number): void {
    this.trainingRunsTotal.inc({ model, status });
    this.trainingDurationSeconds.observe({ model }, seconds);
  }

  readonly featureParityPass = new Gauge({
    name: 'feature_parity_pass',
    help: '1 when the last parity check passed (PSI below the threshold for every feature, nothing missing or stale)',
    labelNames: ['feature_set'] as const,
    registers: [this.registry],
  });

  observeParity(featureSet: string, report: { pass: boolean; features: ReadonlyArray<{ feature: string; psi: number; exactMatchRate: number }> }): void {
    for (const f of report.features) {
      this.featureParityPsi.set({ feature_set: featureSet, feature: f.feature }, f.psi);
      this.featureParityExactMatchRatio.set({ feature_set: featureSet, feature: f.feature }, f.exactMatchRate);
    }
    this.featureParityPass.set({ feature_set: featureSet }, report.pass ? 1 : 0);
  }

  /** Observes and returns the freshness in minutes; `sessionClose` is the close instant from the calendar. */
  observeFreshness(sessionClose: Instant, publishedAt: Instant = Date.now()): number {
    const minutes = minutesBetween(sessionClose, publishedAt);
    this.dataFreshnessMinutes.observe(minutes);
    return minutes;
  }

  countRun(pipeline: string, status: string): void {
    this.pipelineRunsTotal.inc({ pipeline, status });
  }

  observeStep(step: string, seconds: number): void {
    this.pipelineStepDurationSeconds.observe({ step }, seconds);
  }

  /** Adds violation counts per rule; zero counts still create the series so dashboards see an explicit 0. */
  countViolations(contract: string, byRule: Record<string, number>): void {
    for (const [rule, count] of Object.entries(byRule)) {
      if (!Number.isFinite(count) || count < 0) throw new Error(`violation count for ${contract}/${rule} must be >= 0, got ${count}`);
      this.contractViolationsTotal.inc({ contract, rule }, count);
    }
  }

  /** Prometheus text exposition format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  /** For node_exporter's textfile collector, which may read at any moment: replaced atomically. */
  async writeTextfile(file: string): Promise<void> {
    await writeFileAtomic(file, await this.text());
  }

  /**
   * PUT to `<url>/metrics/job/<job>[/<label>/<value>…]`: replaces every series of that grouping key, which
   * is what a run reporting its final state wants (POST would merge with a previous run's leftovers).
   */
  async push(pushgatewayUrl: string, job: string, grouping: Record<string, string> = {}, options: { timeoutMs?: number } = {}): Promise<void> {
    const url = `${pushgatewayUrl.replace(/\/+$/, '')}${pushgatewayPath(job, grouping)}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'PUT',
        headers: { 'Content-Type': this.registry.contentType },
        body: await this.text(),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new PushgatewayError(url, undefined, error instanceof Error ? error.message : String(error));
    }
    if (!response.ok) {
      const body = await response.text().catch(() => '');
      throw new PushgatewayError(url, response.status, `HTTP ${response.status}${body ? `: ${body.slice(0, 200)}` : ''}`);
    }
    await response.arrayBuffer().catch(() => undefined);
  }
}

export function createMetrics(): PipelineMetrics {
  return new PipelineMetrics();
}
