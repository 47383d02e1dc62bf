import { silentLogger, type Logger } from '../../pipelines/log';
import { jsonEqual } from '../featureset/conditions';
import { TerminalError, typeKey, type KubeObject, type ObjectKey, type ReconcileContext, type ReconcileResult, type ResourceType } from '../runtime/types';
import { addFinalizer, finalizeRollout, hasFinalizer } from './finalizer';
import { RolloutMetrics } from './metrics';
import { fetchInterval, httpPrometheusClient, type PrometheusClient } from './prometheus';
import { durationMs, parseRolloutSpec, ROLLOUT_API_VERSION, ROLLOUT_KIND, RolloutSpecError, type ModelRolloutSpec } from './spec';
import { evaluate, initialState, STOPPED_PHASES, type MetricsInterval, type RolloutState, type Transition } from './state-machine';
import { rolloutStatus, stateFromStatus, type ModelRolloutStatus } from './status';
import { applyTraffic, routerVersion, TrafficTargetError } from './traffic';
import { httpTritonRepository, type TritonRepository } from './triton';
import { applyVerb, CLEAR_ACTION_PATCH, parseAction } from './verbs';

/**
 * The ModelRollout reconcile. Decide, persist, then act: the next state is written to status first (a
 * conflict there leaves the world untouched and the retry decides again), and the traffic target and
 * Triton are then made to match the persisted weight — on every pass, so a failed or lost write converges.
 */
export const ROLLOUT_TYPE: ResourceType = { apiVersion: ROLLOUT_API_VERSION, kind: ROLLOUT_KIND };

export interface RolloutReconcileDeps {
  logger?: Logger;
  metrics?: RolloutMetrics;
  prometheus?: (spec: ModelRolloutSpec['prometheus']) => PrometheusClient;
  triton?: (url: string) => TritonRepository;
}

type Rollout = KubeObject & { spec?: unknown; status?: ModelRolloutStatus };

const WARNING_EVENTS = new Set(['Failed', 'RolledBack', 'Aborted', 'Paused']);

/** Triton versions to serve at this weight: the challenger only once it may take traffic. */
function tritonVersions(spec: ModelRolloutSpec, weight: number): number[] {
  const champion = routerVersion('spec.champion.version', spec.champion.version);
  const challenger = routerVersion('spec.challenger.version', spec.challenger.version);
  if (typeof champion !== 'number' || typeof challenger !== 'number') {
    throw new TrafficTargetError('spec.triton', 'Triton needs numeric champion and challenger versions (aliases cannot be loaded by version)');
  }
  return weight > 0 ? [champion, challenger] : [champion];
}

export async function reconcileModelRollout(key: ObjectKey, ctx: ReconcileContext, deps: RolloutReconcileDeps = {}): Promise<ReconcileResult> {
  const logger = deps.logger ?? silentLogger;
  const metrics = deps.metrics;
  const mr = (ctx.listers.get(typeKey(ROLLOUT_TYPE))?.get(key) ?? await ctx.client.get({ ...ROLLOUT_TYPE, ...key })) as Rollout | undefined;
  if (!mr || mr.metadata.deletionTimestamp) {
    if (mr) await finalizeRollout(mr, ctx, { logger, triton: deps.triton });
    metrics?.forget(`${mr?.metadata.namespace ?? key.namespace ?? 'default'}/${mr?.metadata.name ?? key.name}`);
    return {};
  }
  const namespace = mr.metadata.namespace ?? key.namespace ?? 'default';
  const name = `${namespace}/${mr.metadata.name}`;
  const now = ctx.now();
  const generation = mr.metadata.generation;
  const previous = mr.status;

  let spec: ModelRolloutSpec;
  try {
    spec = parseRolloutSpec({ apiVersion: mr.apiVersion, kind: mr.kind, spec: mr.spec });
    if (!spec.trafficTarget) throw new RolloutSpecError(['spec.trafficTarget: expected { configMap?, httpRoute? } with at least one, got nothing']);
    if (spec.triton) tritonVersions(spec, 100);
  } catch (error) {
    if (!(error instanceof RolloutSpecError || error instanceof TrafficTargetError)) throw error;
    const state = stateFromStatus(previous);
    const bookkeeping = { lastAnalysisTime: previous?.lastAnalysisTime, analysedChallenger: previous?.analysedChallenger, lastActionNonce: previous?.lastActionNonce, tritonVersions: previous?.tritonVersions };
    const status = rolloutStatus({ state, previous, now, generation, bookkeeping, problem: { reason: 'InvalidSpec', message: error.message } });
    if (!jsonEqual(previous ?? {}, JSON.parse(JSON.stringify(status)))) await ctx.client.replaceStatus({ ...mr, status });
    throw new TerminalError(`ModelRollout ${name}: ${error.message}`, { cause: error });
  }
  // Before anything is written for a valid spec, so any weight written is undone on deletion. The patch
  // enqueues the key again; that pass starts from the cache holding the finalizer.
  if (!hasFinalizer(mr)) {
    await addFinalizer(mr, ctx);
    return {};
  }

  let state: RolloutState = stateFromStatus(previous);
  let lastAnalysisTime = previous?.lastAnalysisTime;
  const transitions: Transition[] = [];
  // A new challenger is a new rollout: the analysis starts over (the history is kept for the record).
  if (previous?.analysedChallenger !== undefined && previous.analysedChallenger !== spec.challenger.version) {
    state = { ...initialState(), history: state.history };
    lastAnalysisTime = undefined;
  }

  const action = parseAction(mr.metadata.annotations, previous?.lastActionNonce);
  let lastActionNonce = previous?.lastActionNonce;
  if (action.kind === 'verb') {
    const result = applyVerb(spec, state, action.verb);
    if (result instanceof Error) {
      await ctx.recordEvent(mr, { type: 'Warning', reason: 'ActionRefused', message: result.message });
    } else {
      transitions.push(result);
      state = result.state;
      lastAnalysisTime = now.toISOString();
    }
    if (action.nonce !== undefined) lastActionNonce = action.nonce;
  } else if (action.kind === 'invalid') {
    await ctx.recordEvent(mr, { type: 'Warning', reason: 'ActionRefused', message: action.message });
  }

  const intervalMs = durationMs(spec.analysis.interval)!;
  if (transitions.length === 0 && state.phase === 'Pending') {
    const started = evaluate(spec, state, null);
    transitions.push(started);
    state = started.state;
    lastAnalysisTime = now.toISOString();
  } else if (transitions.length === 0 && !STOPPED_PHASES.has(state.phase)) {
    const due = lastAnalysisTime === undefined ? 0 : Date.parse(lastAnalysisTime) + intervalMs;
    if (now.getTime() >= due) {
      const prometheus = (deps.prometheus ?? ((p) => httpPrometheusClient({ url: p.url, timeoutMs: durationMs(p.timeout) })))(spec.prometheus);
      let interval: MetricsInterval | null = null;
      let outage = '';
      try {
        interval = await fetchInterval(prometheus, spec.model, intervalMs, now);
      } catch (error) {
        // A metrics outage is no data: the interval is inconclusive, never a failure.
        outage = `; ${(error as Error).message}`;
        logger.warn({ rollout: name, err: (error as Error).message }, 'analysis metrics unavailable');
      }
      const step = evaluate(spec, state, interval);
      const reason = step.reason + outage;
      const last = step.state.history[step.state.history.length - 1];
      const history = outage && last ? [...step.state.history.slice(0, -1), { ...last, reason }] : step.state.history;
      transitions.push({ ...step, reason, state: { ...step.state, history } });
      state = transitions[transitions.length - 1].state;
      lastAnalysisTime = now.toISOString();
    }
  }

  // Persist the decision first.
  const bookkeeping = { lastAnalysisTime, analysedChallenger: spec.challenger.version, lastActionNonce, tritonVersions: previous?.tritonVersions };
  let status = rolloutStatus({ state, previous, now, generation, bookkeeping });
  let current: Rollout = mr;
  if (!jsonEqual(previous ?? {}, JSON.parse(JSON.stringify(status)))) current = await ctx.client.replaceStatus({ ...mr, status }) as Rollout;
  metrics?.observe(name, state.phase, state.challengerWeight);
  for (const t of transitions) {
    metrics?.countTransition(name, t.event);
    if (t.event !== 'Held' && t.event !== 'Unchanged') {
      await ctx.recordEvent(mr, { type: WARNING_EVENTS.has(t.event) ? 'Warning' : 'Normal', reason: t.event, message: t.reason });
    }
    logger.info({ rollout: name, event: t.event, phase: t.state.phase, challengerWeight: t.state.challengerWeight, reason: t.reason }, 'rollout transition');
  }
  if (action.kind !== 'none') current = await ctx.client.mergePatch<Rollout>({ ...ROLLOUT_TYPE, namespace, name: mr.metadata.name }, CLEAR_ACTION_PATCH);

  // Then make the world match it: the challenger is loaded before it takes traffic and dropped after.
  let problem: { reason: string; message: string } | undefined;
  let loaded = previous?.tritonVersions;
  try {
    const versions = spec.triton ? tritonVersions(spec, state.challengerWeight).join(',') : undefined;
    const triton = spec.triton && versions !== loaded ? (deps.triton ?? ((url) => httpTritonRepository({ url })))(spec.triton.url) : undefined;
    if (triton && state.challengerWeight > 0) {
      await triton.loadVersions(spec.model, versions!.split(',').map(Number));
      loaded = versions;
    }
    await applyTraffic(ctx.client, namespace, spec, state.challengerWeight);
    if (triton && state.challengerWeight === 0) {
      await triton.loadVersions(spec.model, versions!.split(',').map(Number));
      loaded = versions;
    }
  } catch (error) {
    if (!(error instanceof TrafficTargetError) && (error as Error).name !== 'TritonError') throw error;
    problem = { reason: error instanceof TrafficTargetError ? 'TrafficNotApplied' : 'TritonLoadFailed', message: (error as Error).message };
    logger.warn({ rollout: name, err: problem.message }, 'could not apply the rollout weight');
  }
  status = rolloutStatus({ state, previous: current.status, now, generation, bookkeeping: { ...bookkeeping, tritonVersions: loaded }, problem });
  if (!jsonEqual(current.status ?? {}, JSON.parse(JSON.stringify(status)))) await ctx.client.replaceStatus({ ...current, status });
  if (problem) throw new Error(`ModelRollout ${name}: ${problem.message}`);
  if (STOPPED_PHASES.has(state.phase)) return {};
  const due = Date.parse(lastAnalysisTime ?? now.toISOString()) + intervalMs;
  return { requeueAfterMs: Math.max(due - now.getTime(), 10) };
}
