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

const GPU = 'DCGM_FI_DEV_GPU_UTIL';

/**
 * One batch run as the Pushgateway exposes it: a group of its own (`run_id` in the grouping key, added to
 * every series of the group), present from its push (`at`, in scenario intervals) to the end of the test.
 * `finished` (unix seconds) defaults to the push instant; an earlier one is a run from before the test that
 * the gateway still holds.
 */
interface BatchRun {
  id: string;
  at: number;
  /** Labels of the run's series (without run_id). */
  labels: Record<string, string>;
  /** Series name (a histogram series with its `le`) → value. */
  values: Record<string, number>;
  finished?: number;
}

function selector(name: string, labels: Record<string, string>): string {
  const inner = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
  return `${name.replace(/\{.*$/, '')}{${[inner, /\{(.*)\}$/.exec(name)?.[1]].filter(Boolean).join(',')}}`;
}

function runSeries(run: BatchRun, end: number, intervalSeconds: number, timestampName: string): SeriesInput[] {
  const labels = { job: 'gogooku3', ...run.labels, run_id: run.id };
  const held = (value: number) => `${run.at > 0 ? `_x${run.at} ` : ''}${value}+0x${end - run.at}`;
  return [
    { series: selector(timestampName, labels), values: held(run.finished ?? run.at * intervalSeconds) },
    ...Object.entries(run.values).map(([name, value]) => ({ series: selector(name, labels), values: held(value) })),
  ];
}

const DAY = 86_400;

/** Daily pipeline runs at the given minutes (1 m scenarios); `failed` minutes fail. */
function pipelineRuns(minutes: number[], failed: number[], end: number, opts: { pipeline?: string; featureSet?: string; finishedOffset?: number } = {}): SeriesInput[] {
  const featureSet = opts.featureSet ?? 'prime';
  return minutes.flatMap((m) => {
    const status = failed.includes(m) ? 'failed' : 'succeeded';
    const run: BatchRun = {
      id: `${opts.pipeline ?? 'daily'}-${featureSet}-${m}`, at: Math.max(0, m), labels: { pipeline: opts.pipeline ?? 'daily', feature_set: featureSet },
      values: { [`pipeline_runs_total{status="${status}"}`]: 1 }, finished: m * 60 + (opts.finishedOffset ?? 0),
    };
    return runSeries(run, end, 60, `pipeline_run_timestamp_seconds{status="${status}"}`);
  });
}

/** Daily runs that each publish; `late` ones publish after the 5-minute target. */
function publishes(minutes: number[], late: number[], end: number, finishedOffset = 0): SeriesInput[] {
  return minutes.flatMap((m) => runSeries({
    id: `daily-${m}`, at: Math.max(0, m), labels: { pipeline: 'daily' }, finished: m * 60 + finishedOffset,
    values: { 'data_freshness_minutes_bucket{le="5"}': late.includes(m) ? 0 : 1, data_freshness_minutes_count: 1 },
  }, end, 60, 'pipeline_run_timestamp_seconds{status="succeeded"}'));
}

/** Training runs of model mlp at the given 10-minute steps; `slow` ones exceed 7200 s. */
function trainings(steps: number[], slow: number[], end: number, finishedOffset = 0): SeriesInput[] {
  return steps.flatMap((k) => runSeries({
    id: `mlp-${k}`, at: k, labels: { training: 'mlp', model: 'mlp' }, finished: k * 600 + finishedOffset,
    values: { 'training_duration_seconds_bucket{le="7200"}': slow.includes(k) ? 0 : 1, training_duration_seconds_count: 1 },
  }, end, 600, 'training_run_timestamp_seconds{status="succeeded"}'));
}

const range = (from: number, step: number, to: number) => Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);
const SUCCESS = { pipeline: 'daily', feature_set: 'prime', slo: 'pipeline-success' };

const PIPELINE_SUCCESS: AlertScenario[] = [
  {
    name: 'two of the six runs of the second hour fail: fast burn pages, 3 d burn tickets',
    interval: '1m',
    series: pipelineRuns(range(5, 10, 115), [65, 115], 120),
    checks: [
      { at: '50m', alert: 'PipelineSuccessBudgetBurn', firing: [] },
      { at: '118m', alert: 'PipelineSuccessBudgetBurn', firing: [page(SUCCESS), ticket(SUCCESS)] },
    ],
  },
  {
    name: 'two FeatureSets: only the failing one burns its budget',
    interval: '1m',
    series: [...pipelineRuns(range(5, 10, 115), [65, 115], 120, { featureSet: 'growth' }), ...pipelineRuns(range(5, 10, 115), [], 120)],
    checks: [{ at: '118m', alert: 'PipelineSuccessBudgetBurn', firing: [page({ ...SUCCESS, feature_set: 'growth' }), ticket({ ...SUCCESS, feature_set: 'growth' })] }],
  },
  {
    name: 'failures stopped an hour ago: the 30 m window vetoes the 6 h page, the ticket stays',
    interval: '1m',
    series: pipelineRuns(range(5, 10, 115), [25, 35, 45], 120),
    checks: [{ at: '118m', alert: 'PipelineSuccessBudgetBurn', firing: [ticket(SUCCESS)] }],
  },
  {
    name: 'a batch job failed once and has not run since: an empty short window does not hide the page',
    interval: '1m',
    series: pipelineRuns([1, 2, 3, 10], [10], 60),
    checks: [{ at: '50m', alert: 'PipelineSuccessBudgetBurn', firing: [page(SUCCESS), ticket(SUCCESS)] }],
  },
  {
    name: 'zero traffic: the gateway still holds runs (one failed) that finished four days ago',
    zeroTraffic: true,
    interval: '1m',
    series: pipelineRuns([0, 1, 2], [2], 120, { finishedOffset: -4 * DAY }),
    checks: [{ at: '120m', alert: 'PipelineSuccessBudgetBurn', firing: [] }],
  },
  {
    name: 'only successes, no failed series; the last run\'s node_exporter textfile (no run_id) is not counted',
    interval: '1m',
    series: [
      ...pipelineRuns(range(5, 10, 115), [], 120),
      { series: 'pipeline_runs_total{job="node",pipeline="daily",status="failed"}', values: '1+0x120' },
      { series: 'pipeline_run_timestamp_seconds{job="node",pipeline="daily",status="failed"}', values: '6000+0x120' },
    ],
    checks: [{ at: '118m', alert: 'PipelineSuccessBudgetBurn', firing: [] }],
  },
];

const FRESHNESS: AlertScenario[] = [
  {
    name: 'every publish later than 5 min: pages and tickets',
    interval: '1m',
    series: publishes(range(5, 10, 85), range(5, 10, 85), 90),
    checks: [{ at: '88m', alert: 'DataFreshnessBudgetBurn', firing: [page({ slo: 'data-freshness' }), ticket({ slo: 'data-freshness' })] }],
  },
  {
    name: 'three of 17 publishes late: under the 6x page threshold (30 %), over the ticket one (5 %)',
    interval: '1m',
    series: publishes(range(5, 5, 85), [25, 50, 75], 90),
    checks: [{ at: '88m', alert: 'DataFreshnessBudgetBurn', firing: [ticket({ slo: 'data-freshness' })] }],
  },
  {
    name: 'every publish on time',
    interval: '1m',
    series: publishes(range(5, 10, 85), [], 90),
    checks: [{ at: '88m', alert: 'DataFreshnessBudgetBurn', firing: [] }],
  },
  {
    name: 'zero traffic: the publishes on the gateway (all late) finished four days ago',
    zeroTraffic: true,
    interval: '1m',
    series: publishes([0, 1], [0, 1], 90, -4 * DAY),
    checks: [{ at: '88m', alert: 'DataFreshnessBudgetBurn', firing: [] }],
  },
];

const TRAINING: AlertScenario[] = [
  {
    name: 'a training run took longer than 120 min: ticket only (training never pages)',
    interval: '10m',
    series: trainings([0, 1, 4], [4], 33),
    checks: [{ at: '5h', alert: 'TrainingDurationBudgetBurn', firing: [ticket({ model: 'mlp', slo: 'training-duration' })] }],
  },
  {
    name: 'training runs within 120 min',
    interval: '10m',
    series: trainings([0, 1, 4], [], 33),
    checks: [{ at: '5h', alert: 'TrainingDurationBudgetBurn', firing: [] }],
  },
  {
    name: 'zero traffic: the only (slow) training run finished four days ago',
    zeroTraffic: true,
    interval: '10m',
    series: trainings([0], [0], 33, -4 * DAY),
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

/** Successful daily runs pushed at step `at` (of `stepHours`) that set the next deadline at hour `due`. */
function dailySuccesses(runs: Array<[at: number, due: number]>, end: number, stepHours = 1, featureSet?: string): SeriesInput[] {
  return runs.flatMap(([at, due], i) => runSeries({
    id: `daily-${featureSet ?? ''}${i}`, at, labels: { pipeline: 'daily', ...(featureSet ? { feature_set: featureSet } : {}) },
    values: { 'pipeline_runs_total{status="succeeded"}': 1, pipeline_next_success_deadline_timestamp_seconds: due * 3600 },
  }, end, stepHours * 3600, 'pipeline_run_timestamp_seconds{status="succeeded"}'));
}

/** Days-long scenarios: their own suite, evaluated every 15 minutes (the alert's `for`). */
const PIPELINE_SCHEDULE: AlertScenario[] = [
  {
    name: 'Friday\'s success is due again Monday evening: no ticket over the weekend, one when Monday is missed',
    interval: '1h',
    // t=0 is Thursday 1970-01-01 09:00 JST. Thursday's run (18:00 JST) sets Friday 15:30 JST close + 9 h;
    // Friday's sets Monday's close + 9 h = Tuesday 00:30 JST (t=111.5h). Monday's run never comes.
    series: dailySuccesses([[9, 39.5], [33, 111.5]], 130),
    checks: [
      { at: '60h', alert: 'PipelineNotReporting', firing: [] },
      { at: '84h', alert: 'PipelineNotReporting', firing: [] },
      { at: '108h', alert: 'PipelineNotReporting', firing: [] },
      { at: '112h', alert: 'PipelineNotReporting', firing: [ticket({ pipeline: 'daily' })] },
      { at: '112h', alert: 'PipelineMetricsAbsent', firing: [] },
    ],
  },
  {
    name: 'two FeatureSets on one schedule: the one that stops tickets, the other\'s newer deadline does not hide it',
    interval: '1h',
    // Both ran Thursday and Friday; on Monday only "prime" runs again (due Tuesday's close + 9 h).
    series: [...dailySuccesses([[9, 39.5], [33, 111.5]], 130, 1, 'growth'), ...dailySuccesses([[9, 39.5], [33, 111.5], [105, 135.5]], 130, 1, 'prime')],
    checks: [
      { at: '108h', alert: 'PipelineNotReporting', firing: [] },
      { at: '112h', alert: 'PipelineNotReporting', firing: [ticket({ pipeline: 'daily', feature_set: 'growth' })] },
    ],
  },
  {
    name: 'Monday is a holiday: Friday\'s success is due Tuesday evening, a failed Monday run changes nothing',
    interval: '1h',
    series: [
      ...dailySuccesses([[33, 135.5]], 140),
      ...runSeries({ id: 'daily-mon', at: 100, labels: { pipeline: 'daily' }, values: { 'pipeline_runs_total{status="failed"}': 1 } }, 140, 3600, 'pipeline_run_timestamp_seconds{status="failed"}'),
    ],
    checks: [
      { at: '112h', alert: 'PipelineNotReporting', firing: [] },
      { at: '135h', alert: 'PipelineNotReporting', firing: [] },
      { at: '137h', alert: 'PipelineNotReporting', firing: [ticket({ pipeline: 'daily' })] },
    ],
  },
  {
    name: 'a success sets a deadline 20 days out (a calendar bug): the 12-day backstop tickets anyway',
    interval: '6h',
    series: dailySuccesses([[1, 21 * 24]], 60, 6),
    checks: [
      { at: '11d', alert: 'PipelineNotReporting', firing: [] },
      { at: '12d18h', alert: 'PipelineNotReporting', firing: [ticket({ pipeline: 'daily' })] },
    ],
  },
  {
    name: 'the gateway loses its groups: the vanished pipeline tickets at once, before its deadline',
    interval: '1h',
    series: [{ series: 'pipeline_next_success_deadline_timestamp_seconds{job="gogooku3",pipeline="daily",run_id="r1"}', values: '_x9 142200+0x10' }],
    checks: [
      { at: '19h', alert: 'PipelineNotReporting', firing: [] },
      { at: '22h', alert: 'PipelineNotReporting', firing: [ticket({ pipeline: 'daily' })] },
    ],
  },
  {
    name: 'backfill runs set no deadline and are never due; no pipeline run series at all',
    interval: '1h',
    series: [{ series: 'up{job="pushgateway"}', values: '1+0x30' }],
    checks: [
      { at: '27h', alert: 'PipelineMetricsAbsent', firing: [ticket()] },
      { at: '27h', alert: 'PipelineNotReporting', firing: [] },
    ],
  },
  {
    name: 'a backfill ran long ago and never again: nothing is due',
    interval: '6h',
    series: runSeries({ id: 'backfill-1', at: 0, labels: { pipeline: 'backfill' }, values: { 'pipeline_runs_total{status="succeeded"}': 1 } }, 60, 21_600, 'pipeline_run_timestamp_seconds{status="succeeded"}'),
    checks: [
      { at: '14d', alert: 'PipelineNotReporting', firing: [] },
      { at: '14d', alert: 'PipelineMetricsAbsent', firing: [] },
    ],
  },
];

const OPERATIONS: AlertScenario[] = [
  {
    name: 'the Pushgateway stops answering scrapes',
    interval: '1m',
    series: [{ series: 'up{job="pushgateway",pod="pushgateway-0"}', values: '1 1 1 0+0x20' }, { series: 'up{job="router",pod="router-a"}', values: '0+0x23' }],
    checks: [
      { at: '6m', alert: 'PushgatewayDown', firing: [] },
      { at: '10m', alert: 'PushgatewayDown', firing: [ticket()] },
    ],
  },
  {
    name: 'a healthy Pushgateway: silent',
    interval: '1m',
    series: [{ series: 'up{job="pushgateway",pod="pushgateway-0"}', values: '1+0x20' }],
    checks: [{ at: '15m', alert: 'PushgatewayDown', firing: [] }],
  },
  {
    name: 'no Pushgateway of ours is scraped (an external one): silent, whatever else is down',
    interval: '1m',
    series: [{ series: 'up{job="router",pod="router-a"}', values: '0+0x20' }],
    checks: [{ at: '15m', alert: 'PushgatewayDown', firing: [] }],
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
  { file: 'pipeline-schedule.test.yaml', ruleFiles: ['operations.rules.yaml'], evaluationInterval: '15m', scenarios: PIPELINE_SCHEDULE },
  { file: 'operations.test.yaml', ruleFiles: ['operations.rules.yaml'], evaluationInterval: '1m', scenarios: OPERATIONS },
];
