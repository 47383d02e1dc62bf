/**
 * SLOs and their multi-window, multi-burn-rate alerts in the SRE-workbook form (chapter 5, "Alerting on
 * SLOs"): per-window error-ratio recording rules, and alerts that need both a long and a short window over
 * the burn-rate threshold.
 *
 * Batch runs are events that do not fit counters: each run is a fresh process that pushes its own
 * Pushgateway group (`run_id` in the grouping key), so every run's counter is 1 and `rate()` sees nothing.
 * A run SLI therefore counts the per-run series whose run finished inside the window, read from the run's
 * `*_run_timestamp_seconds` gauge: `sum(per-run series and on(run_id) (finished > time() - window))`. It
 * needs no range selection (a 30-day ratio does not depend on Prometheus retention, only on the gateway
 * keeping the groups: pruning keeps >= 35 days), and it is immune to counter resets, which a recorded
 * `sum()` over the groups would suffer whenever old groups are pruned or the gateway loses its state.
 * Only pushed per-run series count (`run_id!=""`): the same run's node_exporter textfile would count twice.
 *
 * Zero traffic: the denominator is filtered with `> 0`, so a window without events has no error-ratio series
 * at all (never a 0/0 NaN or x/0 +Inf). A long window without events therefore never fires. A short window
 * without events does not veto a burning long window: the short window exists to end the alert once things
 * recover, and a daily batch job (freshness, pipeline runs, training) has no events in most 5-minute windows,
 * so requiring them would hide every page. The alert ends when a short window holds events that are fine,
 * or when the bad events leave the long window.
 */
import { DCGM, PIPELINE, TRAINING } from '../metric-names';
import { runbook, type AlertingRule, type RecordingRule, type RuleGroup, type RuleOptions, type Severity } from './types';

/**
 * `good/total` batch runs (per-run series, one per run, counted when the run's `finished` timestamp gauge is
 * inside the window), or a 0/1 "bad sample" indicator over time.
 */
export type Sli =
  | { kind: 'runs'; finished: string; total: string; bad: string }
  | { kind: 'runs'; finished: string; total: string; good: string }
  | { kind: 'time'; badSample: string };

export interface Slo {
  /** The `slo` label value. */
  name: string;
  /** Alert name shared by the page and the ticket rule, so Alertmanager can inhibit one with the other. */
  alert: string;
  /** In words, for annotations and the README. */
  objectiveText: string;
  /** Share of good events (or time) over the 30-day period, e.g. 0.995. */
  objective: number;
  /** Labels kept on the ratio series and alerts (e.g. one alert per pipeline). */
  by: string[];
  sli: Sli;
  /** Page-worthy (fast and medium burn page) or ticket-only. */
  pages: boolean;
}

export const SLO_PERIOD = '30d';
/** The alert windows, and the SLO period itself for dashboards (the budget left). */
export const RATIO_WINDOWS = ['5m', '30m', '1h', '6h', '3d', '30d'] as const;
export type RatioWindow = (typeof RATIO_WINDOWS)[number];
const WINDOW_SECONDS: Record<RatioWindow, number> = { '5m': 300, '30m': 1800, '1h': 3600, '6h': 21_600, '3d': 259_200, '30d': 2_592_000 };

/** Pushed per-run series only (see the file comment). */
const RUN = 'run_id!=""';

export interface BurnRateWindow {
  severity: Severity;
  long: RatioWindow;
  short: RatioWindow;
  /** Multiple of the error budget rate; 14.4 spends 2 % of a 30-day budget in 1 h. */
  burnRate: number;
  /** Share of the 30-day budget spent when the long window alone trips the alert. */
  budgetSpent: string;
}

export const BURN_RATE_WINDOWS: readonly BurnRateWindow[] = [
  { severity: 'page', long: '1h', short: '5m', burnRate: 14.4, budgetSpent: '2 %' },
  { severity: 'page', long: '6h', short: '30m', burnRate: 6, budgetSpent: '5 %' },
  { severity: 'ticket', long: '3d', short: '6h', burnRate: 1, budgetSpent: '10 %' },
];

export const FRESHNESS_TARGET_MINUTES = 5;
export const TRAINING_TARGET_SECONDS = 7200;
export const GPU_UTILISATION_TARGET_PERCENT = 85;

export const SLOS: readonly Slo[] = [
  {
    name: 'data-freshness',
    alert: 'DataFreshnessBudgetBurn',
    objectiveText: `95 % of online feature publishes within ${FRESHNESS_TARGET_MINUTES} min of the session's data becoming available at the source (p95 < ${FRESHNESS_TARGET_MINUTES} min)`,
    objective: 0.95,
    by: [],
    sli: {
      kind: 'runs',
      finished: `${PIPELINE.runTimestamp}{${RUN}}`,
      total: `${PIPELINE.freshness}_count{${RUN}}`,
      good: `${PIPELINE.freshness}_bucket{${RUN},le="${FRESHNESS_TARGET_MINUTES}"}`,
    },
    pages: true,
  },
  {
    name: 'pipeline-success',
    alert: 'PipelineSuccessBudgetBurn',
    objectiveText: '99.5 % of pipeline runs succeed',
    objective: 0.995,
    by: ['pipeline', 'feature_set'],
    sli: { kind: 'runs', finished: `${PIPELINE.runTimestamp}{${RUN}}`, total: `${PIPELINE.runs}{${RUN}}`, bad: `${PIPELINE.runs}{${RUN},status="failed"}` },
    pages: true,
  },
  {
    name: 'training-duration',
    alert: 'TrainingDurationBudgetBurn',
    objectiveText: `95 % of training runs finish within ${TRAINING_TARGET_SECONDS / 60} min`,
    objective: 0.95,
    by: ['model'],
    sli: {
      kind: 'runs',
      finished: `${TRAINING.runTimestamp}{${RUN}}`,
      total: `${TRAINING.duration}_count{${RUN}}`,
      good: `${TRAINING.duration}_bucket{${RUN},le="${TRAINING_TARGET_SECONDS}"}`,
    },
    pages: false,
  },
  {
    name: 'gpu-utilisation',
    alert: 'GpuUtilisationBudgetBurn',
    objectiveText: `90 % of the minutes a GPU is allocated to a pod, its utilisation is >= ${GPU_UTILISATION_TARGET_PERCENT} %`,
    objective: 0.9,
    by: [],
    // Only GPUs assigned to a pod count: an idle node between trainings is not wasted training time.
    sli: { kind: 'time', badSample: `${DCGM.utilisation}{pod!=""} < bool ${GPU_UTILISATION_TARGET_PERCENT}` },
    pages: false,
  },
];

export const RECORD = {
  errorRatio: (w: RatioWindow) => `slo:sli_error:ratio_rate${w}`,
  badSample: 'slo:sli_bad_sample:bool',
  objective: 'slo:objective:ratio',
} as const;

/** 1 - objective without binary noise (1 - 0.995 is 0.0050000000000000044). */
export function errorBudget(slo: Pick<Slo, 'objective'>): number {
  return Number((1 - slo.objective).toFixed(12));
}

function sumBy(by: string[], inner: string): string {
  return by.length ? `sum by (${by.join(', ')}) (${inner})` : `sum(${inner})`;
}

function on(by: string[]): string {
  return `on(${by.join(', ')})`;
}

function selector(slo: Slo, name: string): string {
  return `${name}{slo="${slo.name}"}`;
}

/**
 * The per-run `series` of runs whose `finished` timestamp lies in the last `seconds`: all series of a run
 * share its run_id (the Pushgateway grouping key). Dashboards use it too.
 */
export function finishedWithin(series: string, finished: string, seconds: number): string {
  return `${series} and on(run_id) (${finished} > time() - ${seconds})`;
}

/** The error ratio of one window; empty (no series) when the window holds no events. */
export function errorRatioExpr(slo: Slo, w: RatioWindow): string {
  const { sli, by } = slo;
  if (sli.kind === 'time') {
    const avg = by.length ? `avg by (${by.join(', ')})` : 'avg';
    return `${avg} (avg_over_time(${selector(slo, RECORD.badSample)}[${w}]))`;
  }
  const inWindow = (series: string) => finishedWithin(series, sli.finished, WINDOW_SECONDS[w]);
  const total = sumBy(by, inWindow(sli.total));
  // `or 0 * total`: a group with events but no bad (or no good) series yet still gets its ratio.
  const zeroFill = `0 * ${total}`;
  const bad = 'bad' in sli
    ? `(${sumBy(by, inWindow(sli.bad))} or ${zeroFill})`
    : `(${total} - (${sumBy(by, inWindow(sli.good))} or ${zeroFill}))`;
  return `${bad}\n/\n(${total} > 0)`;
}

export function sloRecordingRules(slo: Slo): RecordingRule[] {
  const labels = { slo: slo.name };
  const rules: RecordingRule[] = [];
  if (slo.sli.kind === 'time') rules.push({ record: RECORD.badSample, expr: slo.sli.badSample, labels });
  for (const w of RATIO_WINDOWS) rules.push({ record: RECORD.errorRatio(w), expr: errorRatioExpr(slo, w), labels });
  rules.push({ record: RECORD.objective, expr: `vector(${slo.objective})`, labels });
  return rules;
}

/** `long > T unless short <= T`: the long window burns and no short window shows recovery. */
export function burnCondition(slo: Slo, window: BurnRateWindow): string {
  const threshold = `(${window.burnRate} * ${errorBudget(slo)})`;
  return `(\n  ${selector(slo, RECORD.errorRatio(window.long))} > ${threshold}\n  unless ${on(slo.by)}\n  ${selector(slo, RECORD.errorRatio(window.short))} <= ${threshold}\n)`;
}

function where(slo: Slo): string {
  return slo.by.map((label) => ` ${label}={{ $labels.${label} }}`).join('');
}

export function sloAlerts(slo: Slo, options: RuleOptions = {}): AlertingRule[] {
  const windows = BURN_RATE_WINDOWS.filter((w) => slo.pages || w.severity === 'ticket');
  const severities: Severity[] = [...new Set(windows.map((w) => w.severity))];
  return severities.map((severity) => {
    const mine = windows.filter((w) => w.severity === severity);
    const pairs = mine.map((w) => `above ${w.burnRate}x the budget over ${w.long} (and not back under it over ${w.short})`).join(', or ');
    return {
      alert: slo.alert,
      expr: mine.map((w) => burnCondition(slo, w)).join('\nor\n'),
      labels: { severity },
      annotations: {
        summary: `SLO ${slo.name}${where(slo)} is burning its error budget (${severity})`,
        description: `Objective: ${slo.objectiveText} over ${SLO_PERIOD}. Error budget ${errorBudget(slo)}; the error ratio is ${pairs}. See the SLO dashboard.`,
        runbook_url: runbook(slo.alert, options),
      },
    };
  });
}

/**
 * One group per SLO, recording rules first: rules of a group run in order, so each alert reads ratios of the
 * same evaluation. Across groups it would read the previous one, which a long evaluation interval (beyond
 * the 5 m lookback) turns into no data.
 */
export function sloRuleGroups(options: RuleOptions = {}, slos: readonly Slo[] = SLOS): RuleGroup[] {
  return slos.map((slo) => ({ name: `gogooku3-slo-${slo.name}`, rules: [...sloRecordingRules(slo), ...sloAlerts(slo, options)] }));
}
