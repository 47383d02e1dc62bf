import { keyOf, type KubeObject } from './types';

/** Annotations under this prefix carry manual verbs (pause, promote, abort...) and must wake the controller. */
export const VERB_ANNOTATION_PREFIX = 'gogooku3.io/';

function sameList(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  const x = a ?? [];
  const y = b ?? [];
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function verbAnnotationsChanged(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  for (const key of keys) {
    if (key.startsWith(VERB_ANNOTATION_PREFIX) && a?.[key] !== b?.[key]) return true;
  }
  return false;
}

/**
 * Whether an update of a primary object needs a reconcile. Status writes (including the controller's own)
 * do not bump metadata.generation, so filtering on it breaks the write-status → watch → reconcile loop;
 * deletion, finalizers and verb annotations are metadata-only changes the controller must still see.
 * A resync (same resourceVersion on both sides) always passes: it is the periodic safety net.
 */
export function shouldEnqueueOnUpdate(oldObj: KubeObject, newObj: KubeObject): boolean {
  const o = oldObj.metadata;
  const n = newObj.metadata;
  if (o.resourceVersion !== undefined && o.resourceVersion === n.resourceVersion) return true;
  if (o.generation !== n.generation) return true;
  // Objects without generation tracking (no spec/status split, e.g. ConfigMaps) report none: any change counts.
  if (n.generation === undefined) return true;
  if (o.deletionTimestamp !== n.deletionTimestamp) return true;
  if (!sameList(o.finalizers, n.finalizers)) return true;
  return verbAnnotationsChanged(o.annotations, n.annotations);
}

/**
 * The queue key an owned object maps to: its controller ownerReference, when that owner is of the primary
 * kind. Owners are always in the owned object's namespace (cluster-scoped owners have none).
 */
export function ownerKey(obj: KubeObject, primary: { apiVersion: string; kind: string }, primaryNamespaced = true): string | undefined {
  const primaryGroup = groupOf(primary.apiVersion);
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller === true);
  if (!ref || ref.kind !== primary.kind || groupOf(ref.apiVersion) !== primaryGroup) return undefined;
  return keyOf({ namespace: primaryNamespaced ? obj.metadata.namespace : undefined, name: ref.name });
}

/** API group of an apiVersion ("" for core); versions of one group name the same objects. */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
