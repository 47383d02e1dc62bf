/**
 * A sliding-window limiter shared by every call of one client, so concurrent fetches together stay under the
 * plan's requests-per-minute. A 429's Retry-After pauses all callers, not just the one that saw it.
 */

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** When the next request may start: the pure decision behind the limiter. `stamps` are ascending start times. */
export function nextAllowedAt(stamps: readonly number[], now: number, limit: number, windowMs: number, pausedUntil = 0): number {
  let at = Math.max(now, pausedUntil);
  if (stamps.length >= limit) {
    // The request `limit` places back must have left the window.
    at = Math.max(at, stamps[stamps.length - limit] + windowMs);
  }
  return at;
}

export class RateLimiter {
  private stamps: number[] = [];
  private pausedUntil = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(readonly limit: number, readonly windowMs = 60_000, private readonly clock: Clock = realClock) {
    if (!Number.isFinite(limit) || limit <= 0) throw new RangeError(`rate limit must be > 0 requests per window, got ${limit}`);
  }

  /** Resolves when the caller may send one request; callers are served in arrival order. */
  acquire(): Promise<void> {
    const turn = this.queue.then(async () => {
      for (;;) {
        const now = this.clock.now();
        const at = nextAllowedAt(this.stamps, now, this.limit, this.windowMs, this.pausedUntil);
        if (at <= now) break;
        await this.clock.sleep(at - now);
      }
      this.stamps.push(this.clock.now());
      if (this.stamps.length > this.limit) this.stamps.splice(0, this.stamps.length - this.limit);
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  pauseUntil(time: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, time);
  }
}
