import type { ModelRolloutSpec } from './spec';
import { evaluate, initialState, STOPPED_PHASES, type MetricsInterval, type RolloutPhase } from './state-machine';

export interface SimulationRow {
  interval: number;
  challengerWeight: number;
  phase: RolloutPhase;
  reason: string;
}

export interface SimulationResult {
  timeline: SimulationRow[];
  final: { phase: RolloutPhase; challengerWeight: number };
}

/**
 * Replays recorded intervals through the analysis: what would this spec have done with these metrics?
 * The rollout is started first (Pending → steps[0]), so interval 0 is judged at steps[0] and row i is the
 * state after interval i. The timeline stops at the first stopped phase (Promoted, RolledBack, Aborted, or
 * Paused, which waits for a human): a stopped rollout makes no more decisions, and repeating its last row
 * for every remaining interval would read as if those intervals had been judged.
 */
export function simulate(spec: ModelRolloutSpec, metrics: { intervals: ReadonlyArray<MetricsInterval | null> }): SimulationResult {
  let state = evaluate(spec, initialState(), null).state;
  const timeline: SimulationRow[] = [];
  for (let i = 0; i < metrics.intervals.length && !STOPPED_PHASES.has(state.phase); i++) {
    const step = evaluate(spec, state, metrics.intervals[i]);
    state = step.state;
    timeline.push({ interval: i, challengerWeight: state.challengerWeight, phase: state.phase, reason: step.reason });
  }
  return { timeline, final: { phase: state.phase, challengerWeight: state.challengerWeight } };
}
