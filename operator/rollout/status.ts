import { mergeConditions, type Condition, type ConditionInput } from '../featureset/conditions';
import { initialState, PHASES, type HistoryEntry, type RolloutPhase, type RolloutState } from './state-machine';

/**
 * The ModelRollout status: the state machine's RolloutState persisted beside the bookkeeping the
 * reconcile needs (when the last analysis ran, for which challenger, which verb nonce was handled), and
 * conditions derived from the phase. Pure.
 */
export interface ModelRolloutStatus {
  observedGeneration?: number;
  phase?: RolloutPhase;
  stepIndex?: number;
  challengerWeight?: number;
  failures?: number;
  inconclusive?: number;
  baseline?: RolloutState['baseline'];
  history?: HistoryEntry[];
  lastAnalysisTime?: string;
  analysedChallenger?: string;
  lastActionNonce?: string;
  /** Versions last loaded in Triton, "3,4": a load is sent only when this changes. */
  tritonVersions?: string;
  conditions?: Condition[];
}

const count = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);

/** The persisted state, or the initial one when the status holds none (a new resource) or is unreadable. */
export function stateFromStatus(status: ModelRolloutStatus | undefined): RolloutState {
  if (!status || !PHASES.includes(status.phase as RolloutPhase)) return initialState();
  const baseline = status.baseline && typeof status.baseline === 'object' ? status.baseline : {};
  return {
    phase: status.phase as RolloutPhase,
    stepIndex: count(status.stepIndex),
    challengerWeight: typeof status.challengerWeight === 'number' ? status.challengerWeight : 0,
    failures: count(status.failures),
    inconclusive: count(status.inconclusive),
    baseline: {
      ...(typeof baseline.p95_ms === 'number' ? { p95_ms: baseline.p95_ms } : {}),
      ...(typeof baseline.rank_ic === 'number' ? { rank_ic: baseline.rank_ic } : {}),
    },
    history: Array.isArray(status.history) ? status.history : [],
  };
}

const lastReason = (state: RolloutState) => state.history[state.history.length - 1]?.reason ?? '';
const lastEvent = (state: RolloutState) => state.history[state.history.length - 1]?.event;

/** One condition per phase-like fact, each True only in its phase; Ready reports the spec and the writes. */
export function rolloutConditions(state: RolloutState, problem?: { reason: string; message: string }): ConditionInput[] {
  const why = lastReason(state);
  const manual = why.endsWith('manually');
  const flag = (type: string, on: boolean, reason: string, message: string): ConditionInput =>
    on ? { type, status: 'True', reason, message } : { type, status: 'False', reason: `Not${type}`, message: `phase is ${state.phase}` };
  return [
    problem ? { type: 'Ready', status: 'False', ...problem } : { type: 'Ready', status: 'True', reason: 'Reconciled', message: `challenger weight ${state.challengerWeight} % written to the traffic target` },
    state.phase === 'Progressing' || state.phase === 'Pending'
      ? { type: 'Progressing', status: 'True', reason: lastEvent(state) === 'Held' ? 'AnalysisInconclusive' : 'Analysing', message: why || 'waiting for the first analysis' }
      : { type: 'Progressing', status: 'False', reason: state.phase, message: why },
    flag('Paused', state.phase === 'Paused', 'InconclusiveAnalysis', `no traffic or no data: ${state.inconclusive} inconclusive intervals; ${why}`),
    flag('Promoted', state.phase === 'Promoted', manual ? 'ManualPromotion' : 'AnalysisPassed', why),
    flag('RolledBack', state.phase === 'RolledBack', 'FailureLimitExceeded', why),
    flag('Aborted', state.phase === 'Aborted', 'ManualAbort', why),
  ];
}

export function rolloutStatus(args: {
  state: RolloutState;
  previous: ModelRolloutStatus | undefined;
  now: Date;
  generation: number | undefined;
  bookkeeping: Pick<ModelRolloutStatus, 'lastAnalysisTime' | 'analysedChallenger' | 'lastActionNonce' | 'tritonVersions'>;
  problem?: { reason: string; message: string };
}): ModelRolloutStatus {
  const { state, previous, now, generation, bookkeeping, problem } = args;
  const defined = Object.fromEntries(Object.entries(bookkeeping).filter(([, v]) => v !== undefined));
  return {
    observedGeneration: generation,
    phase: state.phase,
    stepIndex: state.stepIndex,
    challengerWeight: state.challengerWeight,
    failures: state.failures,
    inconclusive: state.inconclusive,
    baseline: state.baseline,
    history: state.history,
    ...defined,
    conditions: mergeConditions(previous?.conditions, rolloutConditions(state, problem), now, generation),
  };
}
