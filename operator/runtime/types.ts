/**
 * The contract between the controller runtime (informers, work queue, leader election, health) and the
 * controllers (FeatureSet, ModelRollout). Controllers see the cluster only through `KubeClient` and the
 * informers' read-only caches, so a reconcile is "load observed state once, compute, persist by diffing".
 */

/** Any Kubernetes object as JSON; typed views are built on top by each controller. */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: OwnerReference[];
}

/** Which resource: apiVersion + kind, as in manifests ("batch/v1", "CronJob"). */
export interface ResourceType {
  apiVersion: string;
  kind: string;
}

export interface ObjectKey {
  namespace?: string;
  name: string;
}

export type ObjectRef = ResourceType & ObjectKey;

/** The work queue's key: "namespace/name" (or "name" for cluster-scoped objects). */
export function keyOf(ref: ObjectKey): string {
  return ref.namespace ? `${ref.namespace}/${ref.name}` : ref.name;
}

export function parseKey(key: string): ObjectKey {
  const slash = key.indexOf('/');
  return slash < 0 ? { name: key } : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The API server said the object changed since it was read (HTTP 409 on a resourceVersion-checked write). */
export class ConflictError extends Error {
  constructor(readonly ref: ObjectRef, options?: { cause?: unknown }) {
    super(`conflict writing ${ref.kind} ${keyOf(ref)}: the object was modified; re-read and retry`, options);
    this.name = 'ConflictError';
  }
}

/** A create found the name taken (HTTP 409 AlreadyExists). */
export class AlreadyExistsError extends Error {
  constructor(readonly ref: ObjectRef, options?: { cause?: unknown }) {
    super(`${ref.kind} ${keyOf(ref)} already exists`, options);
    this.name = 'AlreadyExistsError';
  }
}

/** The object (or its type) does not exist (HTTP 404). */
export class NotFoundError extends Error {
  constructor(readonly ref: ObjectRef, options?: { cause?: unknown }) {
    super(`${ref.kind} ${keyOf(ref)} not found`, options);
    this.name = 'NotFoundError';
  }
}

/**
 * The narrow client the controllers use. Writes are resourceVersion-checked (`replace`, `replaceStatus` send
 * the object's metadata.resourceVersion and throw ConflictError on 409) or merge patches; all carry the
 * runtime's field manager. Implemented over @kubernetes/client-node in operator/runtime/kube-client.ts.
 */
export interface KubeClient {
  get<T extends KubeObject = KubeObject>(ref: ObjectRef): Promise<T | undefined>;
  list<T extends KubeObject = KubeObject>(type: ResourceType, options?: { namespace?: string; labelSelector?: string }): Promise<{ items: T[]; resourceVersion: string }>;
  create<T extends KubeObject>(object: T): Promise<T>;
  replace<T extends KubeObject>(object: T): Promise<T>;
  /** JSON merge patch (RFC 7386). */
  mergePatch<T extends KubeObject = KubeObject>(ref: ObjectRef, patch: Record<string, unknown>): Promise<T>;
  /** Writes only `status`, through the status subresource, checked against object.metadata.resourceVersion. */
  replaceStatus<T extends KubeObject>(object: T): Promise<T>;
  delete(ref: ObjectRef, options?: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' }): Promise<void>;
}

/** What a reconcile asks of the queue besides "done". */
export interface ReconcileResult {
  /** Reconcile the key again after this long even if nothing changes (e.g. the next analysis interval). */
  requeueAfterMs?: number;
}

/**
 * A failure retrying cannot fix (e.g. an invalid spec, already reported as a condition): the key is not
 * retried with backoff; the next change to the object triggers a reconcile as usual.
 */
export class TerminalError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

/** A read-only, always-current view of one resource type, fed by an informer. */
export interface Lister<T extends KubeObject = KubeObject> {
  get(key: ObjectKey): T | undefined;
  list(namespace?: string): T[];
  /** Objects whose controller ownerReference has this uid. */
  byOwner(uid: string): T[];
}

export interface Reconciler {
  /** Controller name for logs and metrics labels ("featureset", "modelrollout"). */
  readonly name: string;
  /** The primary resource type; its changes enqueue their own key. */
  readonly primary: ResourceType;
  /** Owned types; a change enqueues the key of the object's controller ownerReference of kind `primary.kind`. */
  readonly owns: ReadonlyArray<ResourceType>;
  /**
   * Level-triggered: reads the cluster state for `key` (listers and/or client), makes it right, writes status.
   * Throws ConflictError (requeued at once), TerminalError (not retried) or anything else (retried with backoff).
   */
  reconcile(key: ObjectKey, context: ReconcileContext): Promise<ReconcileResult | void>;
}

export interface ReconcileContext {
  client: KubeClient;
  /** Listers for `primary` and every `owns` type, keyed by `${apiVersion}/${kind}`. */
  listers: ReadonlyMap<string, Lister>;
  /** Records a Kubernetes Event on `involved` (best effort: a failed Event write is logged, never thrown). */
  recordEvent(involved: KubeObject, event: { type: 'Normal' | 'Warning'; reason: string; message: string }): Promise<void>;
  now(): Date;
  signal: AbortSignal;
}

export function typeKey(type: ResourceType): string {
  return `${type.apiVersion}/${type.kind}`;
}

/** Metric names the runtime exports (dashboards and alerts refer to these). */
export const RUNTIME_METRICS = {
  reconcileTotal: 'operator_reconcile_total', // counter {controller, result=success|error|conflict|terminal|requeue}
  reconcileErrors: 'operator_reconcile_errors_total', // counter {controller}
  reconcileDuration: 'operator_reconcile_duration_seconds', // histogram {controller}
  queueDepth: 'operator_workqueue_depth', // gauge {controller}
  watchRestarts: 'operator_watch_restarts_total', // counter {resource, reason=gone|error|closed}
  leader: 'operator_leader', // gauge 1 while this replica holds the Lease
} as const;
