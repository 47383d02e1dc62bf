/**
 * Kubernetes-style status conditions, shared by both controllers: one entry per type, whose
 * lastTransitionTime moves only when its status does (so "since when is it Stale" stays answerable).
 */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/**
 * The new condition list: `next` in order, each keeping the previous lastTransitionTime when its status
 * is unchanged; conditions of types not in `next` are dropped (the controller owns the whole list).
 */
export function mergeConditions(previous: ReadonlyArray<Partial<Condition>> | undefined, next: ReadonlyArray<ConditionInput>, now: Date, observedGeneration: number | undefined): Condition[] {
  return next.map((c) => {
    const before = previous?.find((p) => p.type === c.type);
    const lastTransitionTime = before && before.status === c.status && typeof before.lastTransitionTime === 'string' ? before.lastTransitionTime : now.toISOString();
    return { ...c, lastTransitionTime, ...(observedGeneration !== undefined ? { observedGeneration } : {}) };
  });
}

export function conditionOf(conditions: ReadonlyArray<Partial<Condition>> | undefined, type: string): Partial<Condition> | undefined {
  return conditions?.find((c) => c.type === type);
}

/** Deep equality of JSON values, ignoring key order (status and children compare this way before a write). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object' || Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
