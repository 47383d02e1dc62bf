import type { FaultKind } from './options';
import { STREAM, hash32, u01 } from './rng';

export interface FaultStats {
  /** Data requests that reached fault injection (authenticated, known endpoint). */
  dataRequests: number;
  injected: number;
  byKind: Record<FaultKind, number>;
}

/**
 * Decides per data request whether to misbehave. Draws are keyed by (seed, request number), so a run with the
 * same seed and the same request sequence fails the same way — a flaky client test can be replayed.
 */
export class FaultInjector {
  private requests = 0;
  private readonly counts: Record<FaultKind, number> = { rate_limit: 0, server_error: 0, slow: 0, truncated: 0, reset: 0 };

  constructor(private readonly seed: number, private readonly rate: number, private readonly kinds: readonly FaultKind[]) {}

  next(): FaultKind | null {
    const n = this.requests++;
    if (this.rate <= 0 || u01(hash32(this.seed, STREAM.fault, n, 0)) >= this.rate) return null;
    const kind = this.kinds[Math.floor(u01(hash32(this.seed, STREAM.fault, n, 1)) * this.kinds.length)];
    this.counts[kind]++;
    return kind;
  }

  stats(): FaultStats {
    const injected = Object.values(this.counts).reduce((a, b) => a + b, 0);
    return { dataRequests: this.requests, injected, byKind: { ...this.counts } };
  }
}
