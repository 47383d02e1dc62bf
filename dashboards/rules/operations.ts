/**
 * Alerts that are not budget burns: a pipeline that stopped reporting (the SLO ratios go silent without
 * events, so silence needs its own alert), failed parity checks, rollouts waiting for a human, and the
 * operator's own health.
 */
import { PIPELINE, ROLLOUT, RUNTIME } from '../metric-names';
import { runbook, type AlertingRule, type RuleGroup, type RuleOptions } from './types';

/**
 * The daily pipeline runs every calendar day (a non-trading day is a cheap no-op run), so 26 h without a run
 * is one missed day plus slack for a late start.
 */
export const PIPELINE_SILENCE = '26h';
/** How long a pipeline stays "known" after its series vanish (target gone, textfile deleted). */
export const PIPELINE_MEMORY = '7d';
export const ROLLOUT_PAUSED_FOR = '1h';
export const RECONCILE_ERROR_RATIO = 0.1;

export function operationalAlerts(options: RuleOptions = {}): AlertingRule[] {
  const runs = PIPELINE.runs;
  return [
    {
      alert: 'PipelineNotReporting',
      // Either the counter is still exported but did not move, or the pipeline's series are gone altogether.
      expr: [
        `sum by (pipeline) (increase(${runs}[${PIPELINE_SILENCE}])) == 0`,
        `or on(pipeline)`,
        `(group by (pipeline) (max_over_time(${runs}[${PIPELINE_MEMORY}])) unless on(pipeline) group by (pipeline) (max_over_time(${runs}[${PIPELINE_SILENCE}])))`,
      ].join('\n'),
      for: '15m',
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'Pipeline {{ $labels.pipeline }} has not reported a run for ' + PIPELINE_SILENCE,
        description: `No ${runs} increase for pipeline {{ $labels.pipeline }} in ${PIPELINE_SILENCE}: the schedule stopped, the job hangs, or its metrics no longer reach Prometheus. Its SLO burn alerts cannot fire without events.`,
        runbook_url: runbook('PipelineNotReporting', options),
      },
    },
    {
      alert: 'PipelineMetricsAbsent',
      expr: `absent_over_time(${runs}[${PIPELINE_SILENCE}])`,
      for: '15m',
      labels: { severity: 'ticket' },
      annotations: {
        summary: `No pipeline has reported ${runs} for ${PIPELINE_SILENCE}`,
        description: 'Prometheus holds no pipeline run series at all: the Pushgateway/textfile collector is not scraped, or no pipeline ever ran here.',
        runbook_url: runbook('PipelineMetricsAbsent', options),
      },
    },
    {
      alert: 'FeatureParityFailed',
      expr: `min by (feature_set) (${PIPELINE.parityPass}) == 0`,
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'Online/offline feature parity failed for {{ $labels.feature_set }}',
        description: `The last parity check of {{ $labels.feature_set }} failed (PSI over threshold, exact-match ratio too low, or vectors missing/stale): the model may be served features that differ from training. See ${PIPELINE.parityPsi} and ${PIPELINE.parityExactMatch} per feature.`,
        runbook_url: runbook('FeatureParityFailed', options),
      },
    },
    {
      alert: 'RolloutStuckPaused',
      expr: `max by (rollout) (${ROLLOUT.phase}{phase="Paused"}) == 1`,
      for: ROLLOUT_PAUSED_FOR,
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'ModelRollout {{ $labels.rollout }} has been Paused for over ' + ROLLOUT_PAUSED_FOR,
        description: 'The analysis paused after too many inconclusive intervals; it does not resume on its own. Inspect the rollout\'s conditions and history, then retry, promote or abort it.',
        runbook_url: runbook('RolloutStuckPaused', options),
      },
    },
    {
      alert: 'OperatorReconcileErrors',
      expr: [
        `sum by (controller) (rate(${RUNTIME.reconcileErrors}[15m]))`,
        '/',
        `(sum by (controller) (rate(${RUNTIME.reconcileTotal}[15m])) > 0)`,
        `> ${RECONCILE_ERROR_RATIO}`,
      ].join('\n'),
      for: '15m',
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'Controller {{ $labels.controller }} fails over ' + `${RECONCILE_ERROR_RATIO * 100} % of its reconciles`,
        description: `More than ${RECONCILE_ERROR_RATIO * 100} % of {{ $labels.controller }} reconciles failed over 15 minutes (retried with backoff, so the resources it owns are not converging). Check the operator logs for the reconcile errors.`,
        runbook_url: runbook('OperatorReconcileErrors', options),
      },
    },
    {
      alert: 'OperatorNoLeader',
      expr: `(max(${RUNTIME.leader}) < 1) or absent(${RUNTIME.leader})`,
      for: '10m',
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'No operator replica holds the leader Lease',
        description: 'No FeatureSet or ModelRollout is being reconciled: rollouts stop progressing and FeatureSets stop converging. Check the operator pods and the Lease.',
        runbook_url: runbook('OperatorNoLeader', options),
      },
    },
  ];
}

export function operationalRuleGroups(options: RuleOptions = {}): RuleGroup[] {
  return [{ name: 'gogooku3-operations', rules: operationalAlerts(options) }];
}
