import type { KubeObject } from '../runtime/types';

/**
 * Persisting desired children by diffing, as a pure function: what to create, which observed objects to
 * change (and into what), which owned objects to delete. Only the fields the operator sets are compared,
 * so values the API server or other controllers add (defaults, status, extra labels) never cause a write.
 */
export interface ChildUpdate {
  observed: KubeObject;
  desired: KubeObject;
  /** The observed object with the desired fields laid over it: what `replace` sends. */
  next: KubeObject;
}

export interface ChildDiff {
  create: KubeObject[];
  update: ChildUpdate[];
  delete: KubeObject[];
}

export const childKey = (o: { apiVersion: string; kind: string; metadata: { name: string } }): string => `${o.apiVersion}/${o.kind}/${o.metadata.name}`;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** True when every field `desired` sets has the same value in `observed` (arrays: same length, item by item). */
export function covers(observed: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) return Array.isArray(observed) && observed.length === desired.length && desired.every((d, i) => covers(observed[i], d));
  if (isObject(desired)) return isObject(observed) && Object.entries(desired).every(([k, v]) => v === undefined || covers(observed[k], v));
  return observed === desired;
}

/** `observed` with `desired` laid over it; arrays of equal length merge item by item, otherwise desired wins. */
export function overlay(observed: unknown, desired: unknown): unknown {
  if (Array.isArray(desired)) {
    return Array.isArray(observed) && observed.length === desired.length ? desired.map((d, i) => overlay(observed[i], d)) : structuredClone(desired);
  }
  if (isObject(desired)) {
    const out: Record<string, unknown> = isObject(observed) ? { ...observed } : {};
    for (const [k, v] of Object.entries(desired)) if (v !== undefined) out[k] = overlay(out[k], v);
    return out;
  }
  return desired;
}

/**
 * The part of a desired object the operator maintains after creation. A Job's pod template is immutable
 * (and the backfill's `--to` moves daily), so an existing Job is only ever suspended or resumed.
 */
export function maintainedFields(desired: KubeObject): KubeObject {
  if (desired.kind !== 'Job') return desired;
  const spec = isObject(desired.spec) ? desired.spec : {};
  return { apiVersion: desired.apiVersion, kind: desired.kind, metadata: desired.metadata, spec: { suspend: spec.suspend } };
}

/**
 * `observed`: the objects this owner controls (any kinds it owns); `desired`: what it should control.
 * Objects being deleted are left alone: recreating one before it is gone would hit AlreadyExists.
 */
export function diffChildren(observed: ReadonlyArray<KubeObject>, desired: ReadonlyArray<KubeObject>): ChildDiff {
  const byKey = new Map(observed.map((o) => [childKey(o), o]));
  const wanted = new Set(desired.map(childKey));
  const diff: ChildDiff = { create: [], update: [], delete: [] };
  for (const d of desired) {
    const o = byKey.get(childKey(d));
    if (!o) diff.create.push(d);
    else if (o.metadata.deletionTimestamp) continue;
    else {
      const maintained = maintainedFields(d);
      if (!covers(o, maintained)) diff.update.push({ observed: o, desired: d, next: overlay(o, maintained) as KubeObject });
    }
  }
  for (const o of observed) if (!wanted.has(childKey(o)) && !o.metadata.deletionTimestamp) diff.delete.push(o);
  return diff;
}
