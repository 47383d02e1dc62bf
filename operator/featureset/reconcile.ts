import { silentLogger, type Logger } from '../../pipelines/log';
import {
  AlreadyExistsError, ConflictError, NotFoundError, TerminalError, typeKey,
  type KubeObject, type ObjectKey, type ReconcileContext, type ReconcileResult, type ResourceType,
} from '../runtime/types';
import { desiredChildren, FeatureSetChildrenError } from './children';
import { jsonEqual } from './conditions';
import { childKey, diffChildren } from './diff';
import { FEATURESET_API_VERSION, FEATURESET_KIND, FeatureSetSpecError, parseFeatureSetSpec, type FeatureSetSpec } from './spec';
import { computeFeatureSetStatus, type FeatureSetObservation, type FeatureSetStatus, type RunObservation } from './status';

/**
 * The FeatureSet reconcile: load the resource and its children once, render the desired children, write
 * the difference, then the status. Completed backfill Jobs are deleted only after the status remembers
 * them, so a crash in between cannot make the backfill run twice.
 */
export const FEATURESET_TYPE: ResourceType = { apiVersion: FEATURESET_API_VERSION, kind: FEATURESET_KIND };
export const CRONJOB_TYPE: ResourceType = { apiVersion: 'batch/v1', kind: 'CronJob' };
export const JOB_TYPE: ResourceType = { apiVersion: 'batch/v1', kind: 'Job' };
export const FEATURESET_OWNS: ReadonlyArray<ResourceType> = [
  { apiVersion: 'v1', kind: 'ServiceAccount' }, { apiVersion: 'v1', kind: 'ConfigMap' }, CRONJOB_TYPE, JOB_TYPE,
];
const TRAIN_LABELS = { 'app.kubernetes.io/component': 'train', 'app.kubernetes.io/managed-by': 'gogooku3-operator' };
const TRAIN_LABEL_ENTRIES = Object.entries(TRAIN_LABELS);

type Obj = KubeObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };
const rec = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v as Record<string, unknown> : {});
const controllerUid = (o: KubeObject) => o.metadata.ownerReferences?.find((r) => r.controller)?.uid;

async function listIn(ctx: ReconcileContext, type: ResourceType, namespace: string): Promise<Obj[]> {
  const lister = ctx.listers.get(typeKey(type));
  if (lister) return lister.list(namespace) as Obj[];
  return (await ctx.client.list<Obj>(type, { namespace })).items;
}

async function ownedBy(ctx: ReconcileContext, type: ResourceType, namespace: string, uid: string): Promise<Obj[]> {
  const lister = ctx.listers.get(typeKey(type));
  if (lister) return lister.byOwner(uid).filter((o) => o.metadata.namespace === namespace) as Obj[];
  return (await listIn(ctx, type, namespace)).filter((o) => controllerUid(o) === uid);
}

function jobState(job: Obj): RunObservation['state'] {
  const conditions = Array.isArray(job.status?.conditions) ? job.status.conditions as Array<Record<string, unknown>> : [];
  if (conditions.some((c) => c.type === 'Complete' && c.status === 'True')) return 'succeeded';
  if (conditions.some((c) => c.type === 'Failed' && c.status === 'True')) return 'failed';
  return 'active';
}

function runOf(job: Obj): RunObservation {
  const s = rec(job.status);
  return {
    name: job.metadata.name,
    state: jobState(job),
    ...(typeof s.startTime === 'string' ? { startTime: s.startTime } : {}),
    ...(typeof s.completionTime === 'string' ? { completionTime: s.completionTime } : {}),
  };
}

/** Active GPU training Jobs across the namespace: the cap is shared by every FeatureSet there. */
export function activeTrainingJobs(jobs: ReadonlyArray<Obj>): number {
  // Runs over every Job in the namespace on every reconcile: the cheap label test goes first, allocation-free.
  let active = 0;
  for (const j of jobs) {
    const labels = j.metadata.labels;
    if (!labels || TRAIN_LABEL_ENTRIES.some(([k, v]) => labels[k] !== v)) continue;
    if (!j.metadata.deletionTimestamp && j.spec?.suspend !== true && jobState(j) === 'active') active++;
  }
  return active;
}

async function writeStatus(ctx: ReconcileContext, fs: Obj, status: FeatureSetStatus): Promise<void> {
  if (jsonEqual(fs.status ?? {}, JSON.parse(JSON.stringify(status)))) return;
  await ctx.client.replaceStatus({ ...fs, status });
}

export interface FeatureSetReconcileDeps { logger?: Logger }

export async function reconcileFeatureSet(key: ObjectKey, ctx: ReconcileContext, deps: FeatureSetReconcileDeps = {}): Promise<ReconcileResult> {
  const logger = deps.logger ?? silentLogger;
  const ref = { ...FEATURESET_TYPE, ...key };
  const fs = (ctx.listers.get(typeKey(FEATURESET_TYPE))?.get(key) ?? await ctx.client.get(ref)) as Obj | undefined;
  // Deleted: the garbage collector removes the children through their ownerReferences.
  if (!fs || fs.metadata.deletionTimestamp || !fs.metadata.uid) return {};
  const namespace = fs.metadata.namespace ?? key.namespace ?? 'default';
  const now = ctx.now();
  const previous = rec(fs.status) as FeatureSetStatus;
  const base: Pick<FeatureSetObservation, 'now' | 'generation' | 'createdAt' | 'previous'> = {
    now, generation: fs.metadata.generation, createdAt: fs.metadata.creationTimestamp, previous,
  };

  let spec: FeatureSetSpec;
  let desired: KubeObject[];
  try {
    spec = parseFeatureSetSpec({ apiVersion: fs.apiVersion, kind: fs.kind, spec: fs.spec });
    desired = desiredChildren({ metadata: { name: fs.metadata.name, namespace, uid: fs.metadata.uid, generation: fs.metadata.generation }, spec }, { now }) as unknown as KubeObject[];
  } catch (error) {
    if (!(error instanceof FeatureSetSpecError || error instanceof FeatureSetChildrenError)) throw error;
    await writeStatus(ctx, fs, computeFeatureSetStatus({ ...base, invalid: error.message }).status);
    throw new TerminalError(`FeatureSet ${namespace}/${fs.metadata.name}: ${error.message}`, { cause: error });
  }

  const observed = (await Promise.all(FEATURESET_OWNS.map((t) => ownedBy(ctx, t, namespace, fs.metadata.uid!)))).flat();
  const byKey = new Map(observed.map((o) => [childKey(o), o]));

  // A backfill that completed is done for good (for that from-date): remembered in status, never recreated.
  let backfillCompletedFrom = previous.backfillCompletedFrom;
  const backfill = desired.find((d) => d.kind === 'Job');
  const backfillJob = backfill && byKey.get(childKey(backfill));
  if (spec.backfill && backfillJob && jobState(backfillJob) === 'succeeded') backfillCompletedFrom = spec.backfill.from;
  if (spec.backfill && backfillCompletedFrom === spec.backfill.from) desired = desired.filter((d) => d.kind !== 'Job');

  let training: FeatureSetObservation['training'];
  if (spec.training) {
    const active = activeTrainingJobs(await listIn(ctx, JOB_TYPE, namespace));
    training = { active, cap: spec.training.maxConcurrentGpuJobs };
    if (active >= training.cap) {
      const train = desired.find((d) => d.kind === 'CronJob' && d.metadata.name === `${fs.metadata.name}-train`);
      if (train) train.spec = { ...rec(train.spec), suspend: true };
    }
  }

  const diff = diffChildren(observed, desired);
  let childError: string | undefined;
  const fail = (what: string, error: unknown) => {
    if (error instanceof ConflictError) throw error;
    childError ??= `${what}: ${(error as Error).message}`;
    logger.warn({ featureSet: `${namespace}/${fs.metadata.name}`, err: (error as Error).message }, `could not ${what}`);
  };
  // Children are independent of each other: create them together, and tell humans once per reconcile.
  const created: string[] = [];
  const outcomes = await Promise.allSettled(diff.create.map(async (child) => {
    try {
      const written = await ctx.client.create(child);
      byKey.set(childKey(written), written);
      created.push(`${child.kind} ${child.metadata.name}`);
    } catch (error) {
      // The informer may not have seen our own create yet; anything else by that name is not ours to take.
      if (error instanceof AlreadyExistsError) {
        const existing = await ctx.client.get({ apiVersion: child.apiVersion, kind: child.kind, namespace, name: child.metadata.name });
        if (existing && controllerUid(existing) === fs.metadata.uid) throw new ConflictError({ apiVersion: child.apiVersion, kind: child.kind, namespace, name: child.metadata.name }, { cause: error });
        fail(`create ${child.kind} ${child.metadata.name} (it exists and is not controlled by this FeatureSet)`, error);
      } else fail(`create ${child.kind} ${child.metadata.name}`, error);
    }
  }));
  if (created.length > 0) await ctx.recordEvent(fs, { type: 'Normal', reason: 'Created', message: `created ${created.join(', ')}` });
  const rejected = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (rejected) throw rejected.reason;
  for (const u of diff.update) {
    try {
      const written = await ctx.client.replace(u.next);
      byKey.set(childKey(written), written);
    } catch (error) {
      fail(`update ${u.desired.kind} ${u.desired.metadata.name}`, error);
    }
  }

  const daily = byKey.get(`batch/v1/CronJob/${fs.metadata.name}-daily`) as Obj | undefined;
  const dailyStatus = rec(daily?.status);
  const dailyRuns = daily?.metadata.uid ? (await ownedBy(ctx, JOB_TYPE, namespace, daily.metadata.uid)).map(runOf) : [];
  const desiredDaily = desired.find((d) => d.metadata.name === `${fs.metadata.name}-daily`);
  const { status, requeueAfterMs } = computeFeatureSetStatus({
    ...base,
    suspend: spec.suspend,
    afterCloseMinutes: spec.schedule.afterCloseMinutes,
    daily: daily ? {
      schedule: String(rec(desiredDaily?.spec).schedule ?? ''),
      ...(typeof dailyStatus.lastScheduleTime === 'string' ? { lastScheduleTime: dailyStatus.lastScheduleTime } : {}),
      ...(typeof dailyStatus.lastSuccessfulTime === 'string' ? { lastSuccessfulTime: dailyStatus.lastSuccessfulTime } : {}),
    } : undefined,
    dailyRuns,
    backfillCompletedFrom,
    training,
    childError,
  });
  await writeStatus(ctx, fs, status);

  for (const child of diff.delete) {
    try {
      await ctx.client.delete({ apiVersion: child.apiVersion, kind: child.kind, namespace, name: child.metadata.name }, { propagationPolicy: 'Background' });
      await ctx.recordEvent(fs, { type: 'Normal', reason: 'Deleted', message: `deleted ${child.kind} ${child.metadata.name} (no longer in the spec)` });
    } catch (error) {
      if (!(error instanceof NotFoundError)) fail(`delete ${child.kind} ${child.metadata.name}`, error);
    }
  }
  // Reported in the status above; thrown so the runtime retries with backoff.
  if (childError) throw new Error(`FeatureSet ${namespace}/${fs.metadata.name}: ${childError}`);
  return { requeueAfterMs };
}
