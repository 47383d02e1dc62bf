/**
 * Alerts that are not budget burns: a pipeline that missed its next successful run (the SLO ratios go silent without
 * events, so silence needs its own alert), failed parity checks, rollouts waiting for a human, and the
 * operator's own health.
 */
import { PIPELINE, ROLLOUT, RUNTIME } from '../metric-names';
import { runbook, type AlertingRule, type RuleGroup, type RuleOptions } from './types';

/**
 * The daily pipeline runs only after TSE sessions, so a fixed silence window either tickets every weekend
 * and holiday or is days late on a Tuesday. Prometheus does not know the Japanese holiday calendar; the job
 * does: each successful daily run pushes when the next success is due (next session close + lag), and the
 * alert fires once that instant has passed without a newer success. BACKSTOP_DAYS catches a deadline the
 * job got wrong (it is longer than any TSE closure: Golden Week 2019 was 11 days from close to open).
 */
export const BACKSTOP_DAYS = 12;
/** How long a pipeline stays "known" after its series vanish (gateway wiped, groups deleted). */
export const PIPELINE_MEMORY = '7d';
export const METRICS_ABSENT_FOR = '1h';
export const ROLLOUT_PAUSED_FOR = '1h';
export const RECONCILE_ERROR_RATIO = 0.1;
/**
 * One schedule: every FeatureSet runs the "daily" pipeline and pushes its name as `feature_set`; without it in
 * the grouping, one FeatureSet's newer deadline would hide another that stopped.
 */
export const PER_PIPELINE = 'pipeline, feature_set';
/** The scrape job of the platform's Pushgateway (its pods' app.kubernetes.io/name; components/platform.ts). */
export const PUSHGATEWAY_SCRAPE_JOB = 'pushgateway';
export const PUSHGATEWAY_DOWN_FOR = '5m';

export function operationalAlerts(options: RuleOptions = {}): AlertingRule[] {
  const deadline = `${PIPELINE.nextSuccessDeadline}{run_id!=""}`;
  const succeeded = `${PIPELINE.runTimestamp}{run_id!="",status="succeeded"}`;
  return [
    {
      alert: 'PipelineNotReporting',
      // Past the deadline of the newest success; or no success for the backstop; or the deadlines vanished.
      expr: [
        `max by (${PER_PIPELINE}) (${deadline}) < time()`,
        `or on(${PER_PIPELINE})`,
        `(max by (${PER_PIPELINE}) (${succeeded}) < time() - ${BACKSTOP_DAYS} * 86400 and on(${PER_PIPELINE}) group by (${PER_PIPELINE}) (${deadline}))`,
        `or on(${PER_PIPELINE})`,
        `(group by (${PER_PIPELINE}) (max_over_time(${deadline}[${PIPELINE_MEMORY}])) unless on(${PER_PIPELINE}) group by (${PER_PIPELINE}) (${deadline}))`,
      ].join('\n'),
      for: '15m',
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'Pipeline {{ $labels.pipeline }} missed its next successful run',
        description: `No successful {{ $labels.pipeline }} run by the deadline its last success set from the TSE calendar (${PIPELINE.nextSuccessDeadline}: next session close + lag), or none for ${BACKSTOP_DAYS} days, or its series vanished from the Pushgateway: the schedule stopped, runs fail, the job hangs, or its metrics no longer reach Prometheus. Its SLO burn alerts cannot fire without runs.`,
        runbook_url: runbook('PipelineNotReporting', options),
      },
    },
    {
      alert: 'PipelineMetricsAbsent',
      expr: `absent(${PIPELINE.runTimestamp}{run_id!=""})`,
      for: METRICS_ABSENT_FOR,
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'No pipeline run is on record',
        description: `Prometheus holds no per-run ${PIPELINE.runTimestamp} series at all: the Pushgateway is not scraped (honor_labels: true), it lost its groups (no --persistence.file), or no pipeline ever ran here.`,
        runbook_url: runbook('PipelineMetricsAbsent', options),
      },
    },
    {
      alert: 'PushgatewayDown',
      // Only a scraped-and-failing target: a platform without its own gateway has no such series at all.
      expr: `max(up{job="${PUSHGATEWAY_SCRAPE_JOB}"}) == 0`,
      for: PUSHGATEWAY_DOWN_FOR,
      labels: { severity: 'ticket' },
      annotations: {
        summary: 'The Pushgateway is not answering Prometheus',
        description: 'While it is down every batch run\'s push fails (logged as "metrics push failed"; the run itself carries on), so those runs are missing from the freshness, success and training SLOs, and a restart without its persistence volume loses the groups they count. Check the pushgateway StatefulSet, its volume and the NetworkPolicy.',
        runbook_url: runbook('PushgatewayDown', options),
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
