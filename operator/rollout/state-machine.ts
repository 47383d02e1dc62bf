import type { ModelRolloutSpec } from './spec';

/**
 * The ModelRollout analysis as pure functions: the operator feeds each interval's metrics to `evaluate` and
 * applies the weight it returns; `promote`, `abort` and `retry` are the manual verbs. Nothing here reads a
 * clock or a cluster, so the same code drives `gogooku3 rollout simulate`.
 */
export const PHASES = ['Pending', 'Progressing', 'Promoted', 'Paused', 'RolledBack', 'Aborted'] as const;
export type RolloutPhase = (typeof PHASES)[number];

/** Phases the analysis never leaves on its own; only a manual verb moves them (Promoted not even then). */
export const STOPPED_PHASES: ReadonlySet<RolloutPhase> = new Set(['Promoted', 'Paused', 'RolledBack', 'Aborted']);

export type RolloutEvent =
  | 'Started' | 'Advanced' | 'Promoted' | 'Held' | 'Paused' | 'Failed' | 'RolledBack' | 'Aborted' | 'Retried' | 'Unchanged';

/** One model's metrics over an interval. rank_ic is optional: only the quality gate reads it. */
export interface MetricsSample {
  p95_ms: number;
  error_rate: number;
  requests: number;
  rank_ic?: number;
}

export interface MetricsInterval {
  champion: MetricsSample;
  challenger: MetricsSample;
}

export interface HistoryEntry {
  event: RolloutEvent;
  phase: RolloutPhase;
  challengerWeight: number;
  reason: string;
}

export interface RolloutState {
  phase: RolloutPhase;
  /** Index into spec.steps of the current weight (meaningless while Pending, RolledBack or Aborted). */
  stepIndex: number;
  /** Percent of traffic on the challenger: 0 or one of spec.steps. */
  challengerWeight: number;
  /** Breaches so far in this attempt (not reset by healthy intervals: a flapping challenger must run out). */
  failures: number;
  /** Consecutive inconclusive intervals (reset by any conclusive one). */
  inconclusive: number;
  /**
   * The champion's last usable p95 and rank IC. At a 100 % step the champion serves nothing, so its current
   * figures are "no data"; comparing against the last ones seen keeps the final step judgeable.
   */
  baseline: { p95_ms?: number; rank_ic?: number };
  /** The latest transitions, oldest first, capped at HISTORY_LIMIT (it ends up in the resource's status). */
  history: HistoryEntry[];
}

export interface Transition {
  state: RolloutState;
  reason: string;
  event: RolloutEvent;
}

export const HISTORY_LIMIT = 50;

/** A manual verb used in a phase it does not apply to. */
export class RolloutTransitionError extends Error {
  constructor(verb: string, phase: RolloutPhase, allowed: readonly RolloutPhase[]) {
    super(`cannot ${verb} a rollout that is ${phase}; allowed from: ${allowed.join(', ')}`);
    this.name = 'RolloutTransitionError';
  }
}

export function initialState(): RolloutState {
  return { phase: 'Pending', stepIndex: 0, challengerWeight: 0, failures: 0, inconclusive: 0, baseline: {}, history: [] };
}

function transition(state: RolloutState, next: Omit<RolloutState, 'history' | 'baseline'> & Partial<Pick<RolloutState, 'baseline'>>, event: RolloutEvent, reason: string): Transition {
  const entry: HistoryEntry = { event, phase: next.phase, challengerWeight: next.challengerWeight, reason };
  const history = [...state.history, entry].slice(-HISTORY_LIMIT);
  return { state: { ...next, baseline: next.baseline ?? state.baseline, history }, reason, event };
}

/*
 * "No data" must never look healthy (a query that returns nothing or NaN is how Flagger and Argo Rollouts
 * analyses end up promoting a broken canary) nor fail a rollout (the other complaint: a metrics outage
 * aborting good releases). So NaN, ±Infinity, negative values and an error rate above 1 are all treated as
 * missing, which makes the interval inconclusive: the weight is held and nothing is counted but the
 * inconclusive streak.
 */
const usable = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
const usableRate = (x: unknown): x is number => usable(x) && x <= 1;
const usableIc = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= -1 && x <= 1;

export type Verdict = { kind: 'inconclusive' | 'breach' | 'healthy'; reason: string; baseline: RolloutState['baseline'] };

const fmt = (x: number) => String(Number(x.toPrecision(4)));

/** The analysis of one interval, independent of where the rollout stands. */
export function analyse(analysis: ModelRolloutSpec['analysis'], interval: MetricsInterval | null, baseline: RolloutState['baseline'] = {}): Verdict {
  const inconclusive = (reason: string): Verdict => ({ kind: 'inconclusive', reason, baseline });
  if (interval === null || typeof interval !== 'object' || !interval.challenger || typeof interval.challenger !== 'object') return inconclusive('no data for the interval');
  const ch = interval.challenger;
  if (!usable(ch.requests)) return inconclusive('no data: challenger request count missing or invalid');
  if (ch.requests < analysis.minRequests) return inconclusive(`too few challenger requests: ${fmt(ch.requests)} < minRequests ${analysis.minRequests}`);
  if (!usable(ch.p95_ms)) return inconclusive('no data: challenger p95 latency missing or invalid');
  if (!usableRate(ch.error_rate)) return inconclusive('no data: challenger error rate missing or invalid');

  // The champion counts only with enough traffic of its own; otherwise the last usable figures stand in.
  const champ = interval.champion && typeof interval.champion === 'object' ? interval.champion : undefined;
  const champOk = champ !== undefined && usable(champ.requests) && champ.requests >= analysis.minRequests;
  const next = { ...baseline };
  if (champOk && usable(champ.p95_ms) && champ.p95_ms > 0) next.p95_ms = champ.p95_ms;
  if (champOk && usableIc(champ.rank_ic)) next.rank_ic = champ.rank_ic;

  // Absolute bounds need no champion, so they can fail an interval even when the ratio cannot be judged.
  const breaches: string[] = [];
  if (analysis.maxP95LatencyMs !== undefined && ch.p95_ms > analysis.maxP95LatencyMs) {
    breaches.push(`challenger p95 ${fmt(ch.p95_ms)} ms > maxP95LatencyMs ${analysis.maxP95LatencyMs}`);
  }
  if (ch.error_rate > analysis.maxErrorRate) breaches.push(`challenger error rate ${fmt(ch.error_rate)} > maxErrorRate ${analysis.maxErrorRate}`);
  let ratio: number | undefined;
  if (next.p95_ms !== undefined) {
    ratio = ch.p95_ms / next.p95_ms;
    if (ratio > analysis.maxP95LatencyRatio) breaches.push(`p95 ratio ${fmt(ratio)} > maxP95LatencyRatio ${analysis.maxP95LatencyRatio}`);
  }
  if (analysis.minRankICDelta !== undefined && ch.rank_ic !== undefined) {
    // The gate applies when both rank ICs are reported; a reported but unusable one is no data, not a pass.
    if (!usableIc(ch.rank_ic)) {
      if (breaches.length === 0) return { kind: 'inconclusive', reason: 'no data: challenger rank_ic invalid', baseline: next };
    } else if (next.rank_ic !== undefined) {
      const delta = ch.rank_ic - next.rank_ic;
      // The tolerance keeps a delta exactly at the bound (0.04 − 0.05 is −0.010000000000000002) a pass.
      if (delta < analysis.minRankICDelta - 1e-12) breaches.push(`rank IC delta ${fmt(delta)} < minRankICDelta ${analysis.minRankICDelta}`);
    }
  }
  if (breaches.length > 0) return { kind: 'breach', reason: breaches.join('; '), baseline: next };
  if (ratio === undefined) return { kind: 'inconclusive', reason: 'no data: no usable champion p95 latency to compare with', baseline: next };
  return { kind: 'healthy', reason: `healthy: ${fmt(ch.requests)} requests, p95 ${fmt(ch.p95_ms)} ms (ratio ${fmt(ratio)}), error rate ${fmt(ch.error_rate)}`, baseline: next };
}

/**
 * One step of the analysis. Pending starts at steps[0] whatever the interval (the challenger had no traffic
 * yet); stopped phases return the state unchanged. Otherwise: healthy → next step (after the last, Promoted);
 * inconclusive → hold, Paused after inconclusiveLimit in a row; breach → back one step (or stay at the first),
 * RolledBack to 0 once failures exceed failureLimit.
 */
export function evaluate(spec: ModelRolloutSpec, state: RolloutState, interval: MetricsInterval | null): Transition {
  const { steps, analysis } = spec;
  if (state.phase === 'Pending') {
    return transition(state, { ...state, phase: 'Progressing', stepIndex: 0, challengerWeight: steps[0], failures: 0, inconclusive: 0 }, 'Started', `started at step 1 of ${steps.length} (${steps[0]} %)`);
  }
  if (STOPPED_PHASES.has(state.phase)) return { state, reason: `${state.phase}: analysis stopped`, event: 'Unchanged' };

  const verdict = analyse(analysis, interval, state.baseline);
  const at = Math.min(Math.max(state.stepIndex, 0), steps.length - 1);
  const base = { ...state, baseline: verdict.baseline };
  if (verdict.kind === 'inconclusive') {
    const inconclusive = state.inconclusive + 1;
    if (inconclusive >= analysis.inconclusiveLimit) {
      return transition(state, { ...base, phase: 'Paused', inconclusive }, 'Paused', `paused after ${inconclusive} inconclusive intervals in a row (inconclusiveLimit ${analysis.inconclusiveLimit}); last: ${verdict.reason}`);
    }
    return transition(state, { ...base, inconclusive }, 'Held', `inconclusive (${inconclusive} of ${analysis.inconclusiveLimit}), holding ${state.challengerWeight} %: ${verdict.reason}`);
  }
  if (verdict.kind === 'breach') {
    const failures = state.failures + 1;
    if (failures > analysis.failureLimit) {
      return transition(state, { ...base, phase: 'RolledBack', challengerWeight: 0, failures, inconclusive: 0 }, 'RolledBack', `rolled back after ${failures} failures (failureLimit ${analysis.failureLimit}): ${verdict.reason}`);
    }
    const back = Math.max(at - 1, 0);
    const move = back === at ? `staying at ${steps[back]} %` : `back from ${steps[at]} % to ${steps[back]} %`;
    return transition(state, { ...base, stepIndex: back, challengerWeight: steps[back], failures, inconclusive: 0 }, 'Failed', `failure ${failures} of ${analysis.failureLimit} allowed, ${move}: ${verdict.reason}`);
  }
  if (at === steps.length - 1) {
    return transition(state, { ...base, phase: 'Promoted', stepIndex: at, challengerWeight: 100, inconclusive: 0 }, 'Promoted', `promoted: last step healthy; ${verdict.reason}`);
  }
  return transition(state, { ...base, stepIndex: at + 1, challengerWeight: steps[at + 1], inconclusive: 0 }, 'Advanced', `advanced to ${steps[at + 1]} %; ${verdict.reason}`);
}

const PROMOTE_FROM: readonly RolloutPhase[] = ['Pending', 'Progressing', 'Paused', 'RolledBack', 'Aborted'];
const ABORT_FROM: readonly RolloutPhase[] = ['Pending', 'Progressing', 'Paused'];
const RETRY_FROM: readonly RolloutPhase[] = ['Paused', 'RolledBack', 'Aborted'];

/** Manual promotion: the challenger takes all traffic and becomes the champion, whatever the analysis said. */
export function promote(spec: ModelRolloutSpec, state: RolloutState): Transition {
  if (!PROMOTE_FROM.includes(state.phase)) throw new RolloutTransitionError('promote', state.phase, PROMOTE_FROM);
  return transition(state, { ...state, phase: 'Promoted', stepIndex: spec.steps.length - 1, challengerWeight: 100 }, 'Promoted', 'promoted manually');
}

/** Manual abort: all traffic back to the champion. */
export function abort(state: RolloutState): Transition {
  if (!ABORT_FROM.includes(state.phase)) throw new RolloutTransitionError('abort', state.phase, ABORT_FROM);
  return transition(state, { ...state, phase: 'Aborted', challengerWeight: 0 }, 'Aborted', 'aborted manually');
}

/** A fresh attempt from the first step with the counters reset (history and champion baseline are kept). */
export function retry(spec: ModelRolloutSpec, state: RolloutState): Transition {
  if (!RETRY_FROM.includes(state.phase)) throw new RolloutTransitionError('retry', state.phase, RETRY_FROM);
  return transition(state, { ...state, phase: 'Progressing', stepIndex: 0, challengerWeight: spec.steps[0], failures: 0, inconclusive: 0 }, 'Retried', `retried from ${state.phase} at ${spec.steps[0]} %`);
}
