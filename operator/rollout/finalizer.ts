import type { Logger } from '../../pipelines/log';
import { TerminalError, type KubeObject, type ReconcileContext } from '../runtime/types';
import { parseRolloutSpec, RolloutSpecError, ROLLOUT_API_VERSION, ROLLOUT_KIND } from './spec';
import type { ModelRolloutStatus } from './status';
import { applyTraffic, routerVersion, TrafficTargetError } from './traffic';
import { httpTritonRepository, type TritonRepository } from './triton';

/**
 * Cleanup on ModelRollout deletion. The weights ConfigMap and the HTTPRoute are shared, so the rollout
 * cannot own them; without a finalizer a deletion mid-rollout would leave traffic on a challenger nobody
 * manages. The finalizer is added before the first weight is written and removed only once the traffic
 * target is champion-only again, so a failed cleanup is retried rather than dropped.
 */
export const ROLLOUT_FINALIZER = 'gogooku3.io/rollout-cleanup';

type Rollout = KubeObject & { spec?: unknown; status?: ModelRolloutStatus };

/** The finalizer list with `finalizer` added (others kept, no duplicate). */
export function withFinalizer(finalizers: ReadonlyArray<string> | undefined, finalizer: string): string[] {
  const list = finalizers ?? [];
  return list.includes(finalizer) ? [...list] : [...list, finalizer];
}

/** The finalizer list without `finalizer`; null when nothing is left (a merge patch then removes the field). */
export function withoutFinalizer(finalizers: ReadonlyArray<string> | undefined, finalizer: string): string[] | null {
  const rest = (finalizers ?? []).filter((f) => f !== finalizer);
  return rest.length > 0 ? rest : null;
}

/**
 * What deleting this rollout must undo. A Promoted rollout has made the challenger the serving model: its
 * traffic is final and nothing is restored. Otherwise the champion takes all traffic again and, with Triton
 * configured, the model is reloaded pinned to the champion (unless that is what is loaded already).
 */
export function cleanupPlan(status: ModelRolloutStatus | undefined, champion: number | undefined): { restoreTraffic: boolean; tritonVersions?: number[] } {
  if (status?.phase === 'Promoted') return { restoreTraffic: false };
  const tritonVersions = champion !== undefined && status?.tritonVersions !== String(champion) ? [champion] : undefined;
  return { restoreTraffic: true, ...(tritonVersions ? { tritonVersions } : {}) };
}

const ref = (mr: Rollout) => ({ apiVersion: ROLLOUT_API_VERSION, kind: ROLLOUT_KIND, namespace: mr.metadata.namespace, name: mr.metadata.name });

export const hasFinalizer = (mr: KubeObject) => mr.metadata.finalizers?.includes(ROLLOUT_FINALIZER) ?? false;

/**
 * Adds the finalizer with a merge patch carrying resourceVersion: a concurrent edit of the list is a
 * ConflictError and the reconcile retries, so no other controller's finalizer is lost.
 */
export async function addFinalizer(mr: Rollout, ctx: ReconcileContext): Promise<void> {
  const finalizers = withFinalizer(mr.metadata.finalizers, ROLLOUT_FINALIZER);
  await ctx.client.mergePatch(ref(mr), { metadata: { finalizers, resourceVersion: mr.metadata.resourceVersion } });
}

/**
 * The deletion path: restore champion-only traffic, unload the challenger, record an Event, drop the finalizer.
 * A traffic target or Triton that cannot be written throws (retried with backoff) and the finalizer stays; an
 * invalid spec cannot say where the traffic is, so it is a TerminalError until the spec is fixed (or the
 * finalizer is removed by hand).
 */
export async function finalizeRollout(
  mr: Rollout,
  ctx: ReconcileContext,
  deps: { logger: Logger; triton?: (url: string) => TritonRepository },
): Promise<void> {
  if (!hasFinalizer(mr)) return;
  const namespace = mr.metadata.namespace ?? 'default';
  const name = `${namespace}/${mr.metadata.name}`;
  const fail = async (message: string) => {
    await ctx.recordEvent(mr, { type: 'Warning', reason: 'CleanupFailed', message: `${message}; the finalizer ${ROLLOUT_FINALIZER} stays until the cleanup succeeds` });
    deps.logger.warn({ rollout: name, err: message }, 'rollout cleanup failed');
  };

  let plan: ReturnType<typeof cleanupPlan>;
  let spec: ReturnType<typeof parseRolloutSpec>;
  try {
    spec = parseRolloutSpec({ apiVersion: mr.apiVersion, kind: mr.kind, spec: mr.spec });
    let champion: number | undefined;
    if (spec.triton) {
      const version = routerVersion('spec.champion.version', spec.champion.version);
      if (typeof version !== 'number') throw new TrafficTargetError('spec.triton', 'Triton needs a numeric champion version to unload the challenger');
      champion = version;
    }
    plan = cleanupPlan(mr.status, champion);
  } catch (error) {
    if (!(error instanceof RolloutSpecError || error instanceof TrafficTargetError)) throw error;
    await fail(`invalid spec: ${error.message}`);
    throw new TerminalError(`ModelRollout ${name}: cannot clean up: ${error.message}`, { cause: error });
  }

  if (plan.restoreTraffic) {
    try {
      // The challenger leaves the traffic before it leaves Triton.
      await applyTraffic(ctx.client, namespace, spec, 0);
      if (plan.tritonVersions && spec.triton) {
        await (deps.triton ?? ((url) => httpTritonRepository({ url })))(spec.triton.url).loadVersions(spec.model, plan.tritonVersions);
      }
    } catch (error) {
      // API errors (conflicts included) propagate as they are: the runtime retries them, the finalizer stays.
      if (!(error instanceof TrafficTargetError) && (error as Error).name !== 'TritonError') throw error;
      await fail((error as Error).message);
      throw new Error(`ModelRollout ${name}: cannot clean up: ${(error as Error).message}`, { cause: error });
    }
  }
  const message = plan.restoreTraffic
    ? `champion ${spec.champion.version} restored to 100 % of the traffic${plan.tritonVersions ? ' and the challenger unloaded from Triton' : ''}`
    : `already Promoted: traffic left on ${spec.challenger.version}`;
  await ctx.recordEvent(mr, { type: 'Normal', reason: 'CleanedUp', message });
  deps.logger.info({ rollout: name, restoredTraffic: plan.restoreTraffic }, 'rollout cleanup done');
  const finalizers = withoutFinalizer(mr.metadata.finalizers, ROLLOUT_FINALIZER);
  await ctx.client.mergePatch(ref(mr), { metadata: { finalizers, resourceVersion: mr.metadata.resourceVersion } });
}
