/**
 * Pipeline metrics on a registry of their own (never prom-client's global one), so each run reports only what
 * it did and tests or parallel runs in one process cannot leak series into each other. A batch job has no
 * scrape endpoint: it leaves a textfile for node_exporter and/or pushes to a Pushgateway.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { writeFileAtomic } from '../storage/atomic';
import { putGroup, runGrouping, type PushOptions } from './pushgateway';

export { PushgatewayError, pruneGroups, groupsToPrune, pushgatewayPath, runGrouping, MIN_RETENTION_DAYS, PUSH_JOB, type GatewayGroup, type PruneResult, type PushOptions } from './pushgateway';

/** Session close → online publish. The daily run lands ~1–3 h after close; a bad day can take most of a day. */
export const FRESHNESS_BUCKETS_MINUTES = [5, 10, 15, 30, 45, 60, 90, 120, 150, 180, 240, 300, 360, 480, 600];
/** One step on one partition is sub-second; a whole backfill step can take an hour. */
/** Training runs: the SLO is "within 120 minutes", so 7200 s is a bucket edge. */
export const TRAINING_DURATION_BUCKETS_SECONDS = [60, 300, 600, 1800, 3600, 5400, 7200, 10800, 14400, 21600];
export const STEP_DURATION_BUCKETS_SECONDS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export type Instant = Date | string | number;

function toMs(value: Instant, what: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw new Error(`${what}: not a valid instant: ${String(value)}`);
  return ms;
}

/** Minutes from `from` to `to`; strings must be ISO instants (e.g. the calendar's '2024-11-05T15:30:00+09:00'). */
export function minutesBetween(from: Instant, to: Instant): number {
  return (toMs(to, 'to') - toMs(from, 'from')) / 60_000;
}

export class PipelineMetrics {
  readonly registry = new Registry();

  readonly dataFreshnessMinutes = new Histogram({
    name: 'data_freshness_minutes',
    help: 'Minutes from a session\'s data becoming available at the source to the online publish of its features',
    buckets: FRESHNESS_BUCKETS_MINUTES,
    registers: [this.registry],
  });

  /**
   * Per-run series: every run pushes to a Pushgateway group of its own (`run_id` in the grouping key), so a
   * counter of one process is always 1 and `rate()` over it means nothing. The SLO rules count runs whose
   * finish timestamp lies in the window instead (dashboards/rules/slo.ts).
   */
  readonly pipelineRunsTotal = new Counter({
    name: 'pipeline_runs_total',
    help: 'Pipeline runs by outcome',
    labelNames: ['status', 'pipeline'] as const,
    registers: [this.registry],
  });

  readonly pipelineRunTimestampSeconds = new Gauge({
    name: 'pipeline_run_timestamp_seconds',
    help: 'Unix time this pipeline run finished, by outcome (one series per run: run_id is in the Pushgateway grouping key)',
    labelNames: ['status', 'pipeline'] as const,
    registers: [this.registry],
  });

  readonly pipelineNextSuccessDeadline = new Gauge({
    name: 'pipeline_next_success_deadline_timestamp_seconds',
    help: 'Unix time by which the next successful run is due (the next TSE session close plus the allowed lag); set by a successful scheduled run',
    labelNames: ['pipeline'] as const,
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

  readonly trainingRunTimestampSeconds = new Gauge({
    name: 'training_run_timestamp_seconds',
    help: 'Unix time this training run finished, by outcome (one series per run: run_id is in the Pushgateway grouping key)',
    labelNames: ['model', 'status'] as const,
    registers: [this.registry],
  });

  /** One finished training run; failures count too, and their duration is observed like any other run's. */
  observeTraining(model: string, status: 'succeeded' | 'failed', seconds: number, finishedAt: Instant = Date.now()): void {
    this.trainingRunsTotal.inc({ model, status });
    this.trainingDurationSeconds.observe({ model }, seconds);
    this.trainingRunTimestampSeconds.set({ model, status }, toMs(finishedAt, 'finishedAt') / 1000);
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

  /**
   * Observes and returns the freshness in minutes: from `availableSince` (when the session's data became
   * available at the source, pipelines/run/readiness.ts) to the publish; never negative (a source that
   * publishes earlier than expected is not a head start the pipeline can claim).
   */
  observeFreshness(availableSince: Instant, publishedAt: Instant = Date.now()): number {
    const minutes = Math.max(0, minutesBetween(availableSince, publishedAt));
    this.dataFreshnessMinutes.observe(minutes);
    return minutes;
  }

  /** One finished run of `pipeline`; its finish time places it in the SLO windows. */
  countRun(pipeline: string, status: string, finishedAt: Instant = Date.now()): void {
    this.pipelineRunsTotal.inc({ pipeline, status });
    this.pipelineRunTimestampSeconds.set({ pipeline, status }, toMs(finishedAt, 'finishedAt') / 1000);
  }

  /**
   * A successful scheduled run says when the next success is due, because only the job knows the TSE
   * calendar (weekends, holidays, year-end closure): `PipelineNotReporting` fires once that instant passes.
   */
  expectNextSuccessBy(pipeline: string, deadline: Instant): void {
    this.pipelineNextSuccessDeadline.set({ pipeline }, toMs(deadline, 'deadline') / 1000);
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
   * PUT to `<url>/metrics/job/<job>[/<label>/<value>…]`: replaces every series of that grouping key. Right
   * for state gauges (the last parity check); for runs use `pushRun`.
   */
  async push(pushgatewayUrl: string, job: string, grouping: Record<string, string> = {}, options: PushOptions = {}): Promise<void> {
    await putGroup(pushgatewayUrl, job, grouping, this.registry.contentType, await this.text(), options);
  }

  /**
   * PUT to a group of this run's own (`run_id` joins the grouping key), so runs accumulate as separate series
   * instead of replacing each other. One group per run piles up on the gateway: see `pruneGroups`.
   */
  async pushRun(pushgatewayUrl: string, job: string, grouping: Record<string, string>, runId: string, options: PushOptions = {}): Promise<void> {
    await this.push(pushgatewayUrl, job, runGrouping(grouping, runId), options);
  }
}

export function createMetrics(): PipelineMetrics {
  return new PipelineMetrics();
}
