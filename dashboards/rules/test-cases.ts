/**
 * `promtool test rules` scenarios, written by hand: input series and the alerts that must (and must not) be
 * firing at given instants. Expected labels are literal here, never derived from the rules under test.
 * Page and ticket burn alerts share an alert name, so each check lists every severity that must be firing.
 */

export interface SeriesInput {
  series: string;
  /** promtool expanding notation: `0+1x60` is 61 samples 0, 1, …, 60; `_` is a missing sample. */
  values: string;
}

export interface AlertCheck {
  /** Offset from the start of the series (promtool `eval_time`). */
  at: string;
  alert: string;
  /** Label sets (without alertname) of the alerts that must be firing; [] = must not fire. */
  firing: Array<Record<string, string>>;
}

export interface AlertScenario {
  name: string;
  /** Marks the zero-traffic case (counters present but flat): no alert may fire from a 0/0. */
  zeroTraffic?: boolean;
  interval: string;
  series: SeriesInput[];
  checks: AlertCheck[];
}

export interface TestSuite {
  file: string;
  ruleFiles: string[];
  evaluationInterval: string;
  scenarios: AlertScenario[];
}

const page = (extra: Record<string, string> = {}) => ({ severity: 'page', ...extra });
const ticket = (extra: Record<string, string> = {}) => ({ severity: 'ticket', ...extra });

const RUNS_OK = 'pipeline_runs_total{pipeline="daily",status="succeeded"}';
const RUNS_FAILED = 'pipeline_runs_total{pipeline="daily",status="failed"}';
const FRESH_GOOD = 'data_freshness_minutes_bucket{le="5"}';
const FRESH_COUNT = 'data_freshness_minutes_count';
const TRAIN_GOOD = 'training_duration_seconds_bucket{model="mlp",le="7200"}';
const TRAIN_COUNT = 'training_duration_seconds_count{model="mlp"}';
const GPU = 'DCGM_FI_DEV_GPU_UTIL';

const PIPELINE_SUCCESS: AlertScenario[] = [
  {
    name: 'a tenth of the runs fail in the second hour: fast burn pages, 3 d burn tickets',
    interval: '1m',
    series: [{ series: RUNS_OK, values: '0+9x120' }, { series: RUNS_FAILED, values: '0+0x60 1+1x59' }],
    checks: [
      { at: '50m', alert: 'PipelineSuccessBudgetBurn', firing: [] },
      { at: '120m', alert: 'PipelineSuccessBudgetBurn', firing: [page({ pipeline: 'daily', slo: 'pipeline-success' }), ticket({ pipeline: 'daily', slo: 'pipeline-success' })] },
    ],
  },
  {
    name: 'failures stopped an hour ago: the 30 m window vetoes the 6 h page, the ticket stays',
    interval: '1m',
    series: [{ series: RUNS_OK, values: '0+8x120' }, { series: RUNS_FAILED, values: '0+2x60 120+0x60' }],
    checks: [{ at: '120m', alert: 'PipelineSuccessBudgetBurn', firing: [ticket({ pipeline: 'daily', slo: 'pipeline-success' })] }],
  },
  {
    name: 'a batch job failed once and has not run since: an empty short window does not hide the page',
    interval: '1m',
    series: [{ series: RUNS_OK, values: '3+0x60' }, { series: RUNS_FAILED, values: '0+0x10 1+0x50' }],
    checks: [{ at: '50m', alert: 'PipelineSuccessBudgetBurn', firing: [page({ pipeline: 'daily', slo: 'pipeline-success' }), ticket({ pipeline: 'daily', slo: 'pipeline-success' })] }],
  },
  {
    name: 'zero traffic: counters exported but flat',
    zeroTraffic: true,
    interval: '1m',
    series: [{ series: RUNS_OK, values: '5+0x120' }, { series: RUNS_FAILED, values: '1+0x120' }],
    checks: [{ at: '120m', alert: 'PipelineSuccessBudgetBurn', firing: [] }],
  },
  {
    name: 'only successes, and no failed series at all',
    interval: '1m',
    series: [{ series: RUNS_OK, values: '0+4x120' }],
    checks: [{ at: '120m', alert: 'PipelineSuccessBudgetBurn', firing: [] }],
  },
];

const FRESHNESS: AlertScenario[] = [
  {
    name: 'every publish later than 5 min: pages and tickets',
    interval: '1m',
    series: [{ series: FRESH_GOOD, values: '0+0x90' }, { series: FRESH_COUNT, values: '0+1x90' }],
    checks: [{ at: '90m', alert: 'DataFreshnessBudgetBurn', firing: [page({ slo: 'data-freshness' }), ticket({ slo: 'data-freshness' })] }],
  },
  {
    name: 'a fifth of the publishes late: under the 6x page threshold (30 %), over the ticket one (5 %)',
    interval: '1m',
    series: [{ series: FRESH_GOOD, values: '0+4x90' }, { series: FRESH_COUNT, values: '0+5x90' }],
    checks: [{ at: '90m', alert: 'DataFreshnessBudgetBurn', firing: [ticket({ slo: 'data-freshness' })] }],
  },
  {
    name: 'every publish on time',
    interval: '1m',
    series: [{ series: FRESH_GOOD, values: '0+2x90' }, { series: FRESH_COUNT, values: '0+2x90' }],
    checks: [{ at: '90m', alert: 'DataFreshnessBudgetBurn', firing: [] }],
  },
  {
    name: 'zero traffic: no publish in the windows',
    zeroTraffic: true,
    interval: '1m',
    series: [{ series: FRESH_GOOD, values: '7+0x90' }, { series: FRESH_COUNT, values: '9+0x90' }],
    checks: [{ at: '90m', alert: 'DataFreshnessBudgetBurn', firing: [] }],
  },
];

const TRAINING: AlertScenario[] = [
  {
    name: 'a training run took longer than 120 min: ticket only (training never pages)',
    interval: '10m',
    series: [{ series: TRAIN_GOOD, values: '2+0x3 2+0x30' }, { series: TRAIN_COUNT, values: '2+0x3 3+0x30' }],
    checks: [{ at: '5h', alert: 'TrainingDurationBudgetBurn', firing: [ticket({ model: 'mlp', slo: 'training-duration' })] }],
  },
  {
    name: 'training runs within 120 min',
    interval: '10m',
    series: [{ series: TRAIN_GOOD, values: '2+0x3 3+0x30' }, { series: TRAIN_COUNT, values: '2+0x3 3+0x30' }],
    checks: [{ at: '5h', alert: 'TrainingDurationBudgetBurn', firing: [] }],
  },
  {
    name: 'zero traffic: no training run',
    zeroTraffic: true,
    interval: '10m',
    series: [{ series: TRAIN_GOOD, values: '2+0x33' }, { series: TRAIN_COUNT, values: '2+0x33' }],
    checks: [{ at: '5h', alert: 'TrainingDurationBudgetBurn', firing: [] }],
  },
];

const GPU_UTILISATION: AlertScenario[] = [
  {
    name: 'a GPU allocated to a training pod idles at 40 %: ticket',
    interval: '1m',
    series: [{ series: `${GPU}{gpu="0",pod="train-mlp-1"}`, values: '40+0x60' }],
    checks: [{ at: '60m', alert: 'GpuUtilisationBudgetBurn', firing: [ticket({ slo: 'gpu-utilisation' })] }],
  },
  {
    name: 'allocated GPUs busy at 95 %, an unallocated one idle: no alert',
    interval: '1m',
    series: [{ series: `${GPU}{gpu="0",pod="train-mlp-1"}`, values: '95+0x60' }, { series: `${GPU}{gpu="1"}`, values: '0+0x60' }],
    checks: [{ at: '60m', alert: 'GpuUtilisationBudgetBurn', firing: [] }],
  },
  {
    name: 'zero traffic: no GPU allocated to any pod',
    zeroTraffic: true,
    interval: '1m',
    series: [{ series: `${GPU}{gpu="0",pod=""}`, values: '0+0x60' }],
    checks: [{ at: '60m', alert: 'GpuUtilisationBudgetBurn', firing: [] }],
  },
];

const OPERATIONS: AlertScenario[] = [
  {
    name: 'one pipeline stops counting, one vanishes, one keeps running',
    interval: '1h',
    series: [
      { series: 'pipeline_runs_total{pipeline="daily",status="succeeded"}', values: '0+1x10 10+0x30' },
      { series: 'pipeline_runs_total{pipeline="weekly",status="succeeded"}', values: '0+1x10' },
      { series: 'pipeline_runs_total{pipeline="healthy",status="succeeded"}', values: '0+1x40' },
    ],
    checks: [
      { at: '30h', alert: 'PipelineNotReporting', firing: [] },
      { at: '37h', alert: 'PipelineNotReporting', firing: [ticket({ pipeline: 'daily' }), ticket({ pipeline: 'weekly' })] },
      { at: '37h', alert: 'PipelineMetricsAbsent', firing: [] },
    ],
  },
  {
    name: 'no pipeline run series at all',
    interval: '1h',
    series: [{ series: 'up{job="pushgateway"}', values: '1+0x30' }],
    checks: [
      { at: '27h', alert: 'PipelineMetricsAbsent', firing: [ticket()] },
      { at: '27h', alert: 'PipelineNotReporting', firing: [] },
    ],
  },
  {
    name: 'parity fails for one feature set',
    interval: '1m',
    series: [{ series: 'feature_parity_pass{feature_set="core"}', values: '1 1 0 0 0' }, { series: 'feature_parity_pass{feature_set="flow"}', values: '1 1 1 1 1' }],
    checks: [
      { at: '1m', alert: 'FeatureParityFailed', firing: [] },
      { at: '4m', alert: 'FeatureParityFailed', firing: [ticket({ feature_set: 'core' })] },
    ],
  },
  {
    name: 'a rollout paused for over an hour, another progressing',
    interval: '1m',
    series: [
      { series: 'modelrollout_phase{rollout="mlp-v7",phase="Paused"}', values: '1+0x90' },
      { series: 'modelrollout_phase{rollout="mlp-v8",phase="Paused"}', values: '0+0x90' },
      { series: 'modelrollout_phase{rollout="mlp-v8",phase="Progressing"}', values: '1+0x90' },
    ],
    checks: [
      { at: '30m', alert: 'RolloutStuckPaused', firing: [] },
      { at: '75m', alert: 'RolloutStuckPaused', firing: [ticket({ rollout: 'mlp-v7' })] },
    ],
  },
  {
    name: 'a fifth of modelrollout reconciles fail; featureset is clean; an idle controller reconciles nothing',
    zeroTraffic: true,
    interval: '1m',
    series: [
      { series: 'operator_reconcile_total{controller="modelrollout",result="success"}', values: '0+8x60' },
      { series: 'operator_reconcile_total{controller="modelrollout",result="error"}', values: '0+2x60' },
      { series: 'operator_reconcile_errors_total{controller="modelrollout"}', values: '0+2x60' },
      { series: 'operator_reconcile_total{controller="featureset",result="success"}', values: '0+5x60' },
      { series: 'operator_reconcile_errors_total{controller="featureset"}', values: '0+0x60' },
      { series: 'operator_reconcile_total{controller="idle",result="success"}', values: '3+0x60' },
      { series: 'operator_reconcile_errors_total{controller="idle"}', values: '1+0x60' },
    ],
    checks: [
      { at: '10m', alert: 'OperatorReconcileErrors', firing: [] },
      { at: '40m', alert: 'OperatorReconcileErrors', firing: [ticket({ controller: 'modelrollout' })] },
    ],
  },
  {
    name: 'both operator replicas are followers',
    interval: '1m',
    series: [{ series: 'operator_leader{pod="operator-a"}', values: '1 1 0+0x30' }, { series: 'operator_leader{pod="operator-b"}', values: '0+0x32' }],
    checks: [
      { at: '5m', alert: 'OperatorNoLeader', firing: [] },
      { at: '20m', alert: 'OperatorNoLeader', firing: [ticket()] },
    ],
  },
  {
    name: 'the operator exports nothing',
    interval: '1m',
    series: [{ series: 'up{job="operator"}', values: '0+0x30' }],
    checks: [{ at: '20m', alert: 'OperatorNoLeader', firing: [ticket()] }],
  },
  {
    name: 'a leader is elected',
    interval: '1m',
    series: [{ series: 'operator_leader{pod="operator-a"}', values: '1+0x30' }, { series: 'operator_leader{pod="operator-b"}', values: '0+0x30' }],
    checks: [{ at: '20m', alert: 'OperatorNoLeader', firing: [] }],
  },
];

export const TEST_SUITES: readonly TestSuite[] = [
  { file: 'slo-page.test.yaml', ruleFiles: ['slo.rules.yaml'], evaluationInterval: '1m', scenarios: [...PIPELINE_SUCCESS, ...FRESHNESS, ...GPU_UTILISATION] },
  { file: 'slo-training.test.yaml', ruleFiles: ['slo.rules.yaml'], evaluationInterval: '10m', scenarios: TRAINING },
  { file: 'operations.test.yaml', ruleFiles: ['operations.rules.yaml'], evaluationInterval: '1m', scenarios: OPERATIONS },
];
