/** Daily pipeline: freshness and success (the two paging SLOs), step timings, contracts and feature parity. */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { PIPELINE } from '../metric-names';
import { buildDashboard, datasourceVariable, labelVariable, lowerLimits, statPanel, timeSeries, upperLimits } from '../panels';
import { FRESHNESS_TARGET_MINUTES } from '../rules/slo';

const P = '{pipeline=~"$pipeline"}';

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
            queries: [{ expr: `histogram_quantile(0.95, sum by (le) (increase(${freshness}_bucket[1d])))`, instant: true }],
            unit: 'm',
            thresholds: upperLimits(FRESHNESS_TARGET_MINUTES * 0.8, FRESHNESS_TARGET_MINUTES),
          }),
          statPanel({
            title: `Publishes within ${FRESHNESS_TARGET_MINUTES} min (30 d)`,
            description: 'Share of publishes within the freshness target (the SLI; objective 95 %).',
            queries: [{ expr: `sum(increase(${freshness}_bucket{le="${FRESHNESS_TARGET_MINUTES}"}[30d])) / sum(increase(${freshness}_count[30d]))`, instant: true }],
            unit: 'percentunit',
            thresholds: lowerLimits(0.95, 0.97),
          }),
          statPanel({
            title: 'Run success (30 d)',
            description: 'Share of pipeline runs that did not fail; objective 99.5 %.',
            queries: [{ expr: `1 - sum(increase(${PIPELINE.runs}{pipeline=~"$pipeline",status="failed"}[30d])) / sum(increase(${PIPELINE.runs}${P}[30d]))`, instant: true }],
            unit: 'percentunit',
            thresholds: lowerLimits(0.995, 0.998),
          }),
          statPanel({
            title: 'Runs (24 h)',
            description: 'Runs by status over the last day.',
            queries: [{ expr: `sum by (status) (increase(${PIPELINE.runs}${P}[1d]))`, legend: '{{status}}', instant: true }],
            unit: 'short',
          }),
          timeSeries({
            title: 'Freshness quantiles',
            description: 'p50/p95/max-bucket of publish delay after the close, over 1 day windows.',
            queries: [0.5, 0.95, 0.99].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le) (increase(${freshness}_bucket[1d])))`, legend: `p${q * 100}` })),
            unit: 'm',
            thresholds: upperLimits(FRESHNESS_TARGET_MINUTES * 0.8, FRESHNESS_TARGET_MINUTES),
            min: 0,
          }),
          timeSeries({
            title: 'Runs by pipeline and status',
            description: 'Completed runs per hour.',
            queries: [{ expr: `sum by (pipeline, status) (increase(${PIPELINE.runs}${P}[1h]))`, legend: '{{pipeline}} {{status}}' }],
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
            description: 'Wall time of one executed step (per partition), p95 over 1 h.',
            queries: [{ expr: `histogram_quantile(0.95, sum by (step, le) (rate(${PIPELINE.stepDuration}_bucket[1h])))`, legend: '{{step}}' }],
            unit: 's',
            min: 0,
          }),
          timeSeries({
            title: 'Step time spent',
            description: 'Seconds spent per step per hour: where the run time goes.',
            queries: [{ expr: `sum by (step) (increase(${PIPELINE.stepDuration}_sum[1h]))`, legend: '{{step}}' }],
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
            description: 'Rows quarantined per contract rule per hour.',
            queries: [{ expr: `sum by (contract, rule) (increase(${PIPELINE.contractViolations}[1h]))`, legend: '{{contract}} / {{rule}}' }],
            unit: 'short',
            thresholds: upperLimits(1, 100),
            min: 0,
          }),
          statPanel({
            title: 'Violations (24 h)',
            description: 'Quarantined rows over the last day, all contracts.',
            queries: [{ expr: `sum(increase(${PIPELINE.contractViolations}[1d]))`, instant: true }],
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
