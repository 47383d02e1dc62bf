/**
 * Leader-election decisions over a coordination.k8s.io/v1 Lease, as pure functions of (lease, now, identity)
 * so that every case is table-tested; leader-election.ts only does the I/O around them.
 */
export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export type LeaseDecision =
  /** No Lease yet: create it holding it ourselves. */
  | { action: 'create'; spec: LeaseSpec }
  /** Free (released) or expired: take it over with a resourceVersion-checked replace. */
  | { action: 'acquire'; spec: LeaseSpec }
  /** Ours: extend it. */
  | { action: 'renew'; spec: LeaseSpec }
  /** Someone else holds a valid Lease. */
  | { action: 'wait'; holder: string; expiresAtMs: number };

/** Kubernetes MicroTime: RFC 3339 with exactly six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/**
 * `observedAtMs` is when this replica first saw the current (holder, renewTime) record. Expiry is measured
 * from that local observation, not from the renewTime written by another machine, so clock skew between
 * replicas cannot make a live leader look expired (client-go does the same).
 */
export function decideLease(
  current: LeaseSpec | undefined,
  nowMs: number,
  identity: string,
  leaseDurationSeconds: number,
  observedAtMs?: number,
): LeaseDecision {
  const now = microTime(nowMs);
  if (current === undefined) {
    return { action: 'create', spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: 0 } };
  }
  const holder = current.holderIdentity ?? '';
  if (holder === identity) {
    return { action: 'renew', spec: { ...current, holderIdentity: identity, leaseDurationSeconds, renewTime: now } };
  }
  if (holder !== '') {
    const since = observedAtMs ?? (current.renewTime ? Date.parse(current.renewTime) : Number.NaN);
    const expiresAtMs = (Number.isFinite(since) ? since : 0) + (current.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
    if (nowMs < expiresAtMs) return { action: 'wait', holder, expiresAtMs };
  }
  return {
    action: 'acquire',
    spec: { holderIdentity: identity, leaseDurationSeconds, acquireTime: now, renewTime: now, leaseTransitions: (current.leaseTransitions ?? 0) + 1 },
  };
}

/** The spec that hands the Lease back on shutdown: no holder, so a standby acquires it on its next try. */
export function releasedLease(current: LeaseSpec, nowMs: number): LeaseSpec {
  const { holderIdentity: _holder, ...rest } = current;
  return { ...rest, leaseDurationSeconds: 1, renewTime: microTime(nowMs) };
}
