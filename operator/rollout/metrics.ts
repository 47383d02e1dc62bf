import { Counter, Gauge, Registry } from 'prom-client';
import { PHASES, type RolloutPhase } from './state-machine';

/** Metric names the ModelRollout controller exports (dashboards and alerts refer to these). */
export const ROLLOUT_METRICS = {
  transitions: 'modelrollout_transitions_total', // counter {rollout, event}
  challengerWeight: 'modelrollout_challenger_weight', // gauge {rollout}: percent of traffic on the challenger
  phase: 'modelrollout_phase', // gauge {rollout, phase}: 1 for the current phase, 0 for the others
} as const;

export class RolloutMetrics {
  readonly transitions: Counter<'rollout' | 'event'>;
  readonly weight: Gauge<'rollout'>;
  readonly phase: Gauge<'rollout' | 'phase'>;

  /** On the given registry (the operator's /metrics), never prom-client's global one. */
  constructor(readonly registry = new Registry()) {
    this.transitions = new Counter({ name: ROLLOUT_METRICS.transitions, help: 'ModelRollout state transitions by event', labelNames: ['rollout', 'event'], registers: [registry] });
    this.weight = new Gauge({ name: ROLLOUT_METRICS.challengerWeight, help: 'Percent of traffic the ModelRollout sends to the challenger', labelNames: ['rollout'], registers: [registry] });
    this.phase = new Gauge({ name: ROLLOUT_METRICS.phase, help: 'ModelRollout phase (1 = current)', labelNames: ['rollout', 'phase'], registers: [registry] });
  }

  private readonly counted = new Map<string, Set<string>>();

  observe(rollout: string, phase: RolloutPhase, weight: number): void {
    this.weight.set({ rollout }, weight);
    for (const p of PHASES) this.phase.set({ rollout, phase: p }, p === phase ? 1 : 0);
  }

  countTransition(rollout: string, event: string): void {
    this.transitions.inc({ rollout, event });
    const events = this.counted.get(rollout) ?? new Set<string>();
    events.add(event);
    this.counted.set(rollout, events);
  }

  /**
   * Drops every series of a rollout that is gone, so /metrics does not report a weight and a phase for an
   * object that no longer exists (dashboards and alerts would keep a deleted rollout alive forever).
   */
  forget(rollout: string): void {
    this.weight.remove({ rollout });
    for (const phase of PHASES) this.phase.remove({ rollout, phase });
    for (const event of this.counted.get(rollout) ?? []) this.transitions.remove({ rollout, event });
    this.counted.delete(rollout);
  }
}
