/** Daily pipeline: freshness and success (the two paging SLOs), step timings, contracts and feature parity. */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { PIPELINE } from '../metric-names';
import { buildDashboard, datasourceVariable, labelVariable, lowerLimits, statPanel, timeSeries, upperLimits } from '../panels';
import { FRESHNESS_TARGET_MINUTES, RECORD, finishedWithin } from '../rules/slo';

const DAY = 86_400;
/**
 * Every run pushes a Pushgateway group of its own, so counters and histograms are per run (always 1 run):
 * panels count the runs that finished in a window (`finishedWithin`), never `rate()`/`increase()`.
 */
const run = (name: string, extra = '') => `${name}{run_id!=""${extra}}`;
const P = ',pipeline=~"$pipeline"';
const within = (series: string, seconds: number) => finishedWithin(series, run(PIPELINE.runTimestamp), seconds);

export function pipelineDashboard(): dashboard.Dashboard {
  const freshness = PIPELINE.freshness;
  return buildDashboard({
    uid: 'gogooku3-pipeline',
    title: 'gogooku3 / Pipeline & features',
    description: 'Data freshness and run success of the daily pipeline, per-step timings, contract violations (quarantine) and online/offline feature parity.',
    tags: ['pipeline', 'features'],
    variables: [datasourceVariable(), labelVariable('pipeline', 'pipeline', PIPELINE.runs, 'Pipeline')],
    sections: [
      {
        title: 'Freshness and success',
        panels: [
          statPanel({
            title: 'Freshness p95 (1 d)',
            description: `p95 of minutes from the session close to the online publish; SLO < ${FRESHNESS_TARGET_MINUTES} min.`,
            queries: [{ expr: `histogram_quantile(0.95, sum by (le) (${within(run(`${freshness}_bucket`), DAY)}))`, instant: true }],
            unit: 'm',
            thresholds: upperLimits(FRESHNESS_TARGET_MINUTES * 0.8, FRESHNESS_TARGET_MINUTES),
          }),
          statPanel({
            title: `Publishes within ${FRESHNESS_TARGET_MINUTES} min (30 d)`,
            description: 'Share of publishes within the freshness target over the SLO period (the SLI; objective 95 %).',
            queries: [{ expr: `1 - ${RECORD.errorRatio('30d')}{slo="data-freshness"}`, instant: true }],
            unit: 'percentunit',
            thresholds: lowerLimits(0.95, 0.97),
          }),
          statPanel({
            title: 'Run success (30 d)',
            description: 'Runs that did not fail / all runs finished in the last 30 days; objective 99.5 %.',
            queries: [{ expr: `1 - (sum(${within(run(PIPELINE.runs, `${P},status="failed"`), 30 * DAY)}) or vector(0)) / sum(${within(run(PIPELINE.runs, P), 30 * DAY)})`, instant: true }],
            unit: 'percentunit',
            thresholds: lowerLimits(0.995, 0.998),
          }),
          statPanel({
            title: 'Runs (24 h)',
            description: 'Runs by status that finished in the last day.',
            queries: [{ expr: `sum by (status) (${within(run(PIPELINE.runs, P), DAY)})`, legend: '{{status}}', instant: true }],
            unit: 'short',
          }),
          statPanel({
            title: 'Since the last success',
            description: 'Time since the newest successful run finished, per pipeline.',
            queries: [{ expr: `time() - max by (pipeline, feature_set) (${run(PIPELINE.runTimestamp, `${P},status="succeeded"`)})`, legend: '{{pipeline}} {{feature_set}}', instant: true }],
            unit: 's',
            width: 12,
          }),
          statPanel({
            title: 'Next success due in',
            description: 'Until the deadline the last successful daily run set from the TSE calendar (next session close + lag); negative = overdue, PipelineNotReporting tickets.',
            queries: [{ expr: `max by (pipeline, feature_set) (${run(PIPELINE.nextSuccessDeadline, P)}) - time()`, legend: '{{pipeline}} {{feature_set}}', instant: true }],
            unit: 's',
            thresholds: lowerLimits(0, 3600),
            width: 12,
          }),
          timeSeries({
            title: 'Freshness quantiles',
            description: 'p50/p95/p99 of the publish delay after the session\'s data became available at the source (J-Quants), over the runs of the last day.',
            queries: [0.5, 0.95, 0.99].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le) (${within(run(`${freshness}_bucket`), DAY)}))`, legend: `p${q * 100}` })),
            unit: 'm',
            thresholds: upperLimits(FRESHNESS_TARGET_MINUTES * 0.8, FRESHNESS_TARGET_MINUTES),
            min: 0,
          }),
          timeSeries({
            title: 'Runs by pipeline and status',
            description: 'Runs finished in the last day, by pipeline and outcome.',
            queries: [{ expr: `sum by (pipeline, status) (${within(run(PIPELINE.runs, P), DAY)})`, legend: '{{pipeline}} {{status}}' }],
            unit: 'short',
            min: 0,
          }),
        ],
      },
      {
        title: 'Steps',
        panels: [
          timeSeries({
            title: 'Step duration p95',
            description: 'Wall time of one executed step (per partition), p95 over the runs of the last day.',
            queries: [{ expr: `histogram_quantile(0.95, sum by (step, le) (${within(run(`${PIPELINE.stepDuration}_bucket`), DAY)}))`, legend: '{{step}}' }],
            unit: 's',
            min: 0,
          }),
          timeSeries({
            title: 'Step time spent',
            description: 'Seconds spent per step by the runs of the last day: where the run time goes.',
            queries: [{ expr: `sum by (step) (${within(run(`${PIPELINE.stepDuration}_sum`), DAY)})`, legend: '{{step}}' }],
            unit: 's',
            min: 0,
          }),
        ],
      },
      {
        title: 'Contracts and quarantine',
        panels: [
          timeSeries({
            title: 'Contract violations',
            description: 'Rows quarantined per contract rule by the runs of the last day.',
            queries: [{ expr: `sum by (contract, rule) (${within(run(PIPELINE.contractViolations), DAY)})`, legend: '{{contract}} / {{rule}}' }],
            unit: 'short',
            thresholds: upperLimits(1, 100),
            min: 0,
          }),
          statPanel({
            title: 'Violations (24 h)',
            description: 'Quarantined rows over the last day, all contracts.',
            queries: [{ expr: `sum(${within(run(PIPELINE.contractViolations), DAY)})`, instant: true }],
            unit: 'short',
            thresholds: upperLimits(1, 100),
            width: 12,
          }),
        ],
      },
      {
        title: 'Feature parity (online vs DWH)',
        panels: [
          statPanel({
            title: 'Parity check',
            description: '1 when the last parity check of each feature set passed.',
            queries: [{ expr: PIPELINE.parityPass, legend: '{{feature_set}}', instant: true }],
            unit: 'bool_yes_no',
            thresholds: lowerLimits(1, 1),
            width: 8,
          }),
          timeSeries({
            title: 'PSI per feature',
            description: 'Population stability index online vs DWH; above 0.1 drifts, above 0.25 differs.',
            queries: [{ expr: `max by (feature_set, feature) (${PIPELINE.parityPsi})`, legend: '{{feature_set}} {{feature}}' }],
            unit: 'short',
            thresholds: upperLimits(0.1, 0.25),
            min: 0,
            width: 8,
          }),
          timeSeries({
            title: 'Exact-match ratio per feature',
            description: 'Share of sampled tickers whose online value equals the DWH value.',
            queries: [{ expr: `min by (feature_set, feature) (${PIPELINE.parityExactMatch})`, legend: '{{feature_set}} {{feature}}' }],
            unit: 'percentunit',
            thresholds: lowerLimits(0.95, 0.99),
            min: 0,
            max: 1,
            width: 8,
          }),
        ],
      },
    ],
  });
}
