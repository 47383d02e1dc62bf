/** Exponential backoff policies shared by the work queue (per-key retries) and the informers (reconnects). */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
  /**
   * Fraction of the delay drawn at random (0 = none, 1 = "full jitter"): the result lies in
   * [delay * (1 - jitter), delay]. Jitter keeps many watchers from reconnecting in lockstep after an outage.
   */
  jitter?: number;
}

export const QUEUE_BACKOFF: BackoffPolicy = { baseMs: 50, capMs: 5 * 60_000 };
export const WATCH_BACKOFF: BackoffPolicy = { baseMs: 200, capMs: 30_000, jitter: 0.5 };

/** Delay before retry number `attempt` (1 = first retry): base * 2^(attempt-1), capped, then jittered. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  if (attempt <= 0) return 0;
  // Beyond 2^40 the cap has long been reached; clamping the exponent keeps the arithmetic finite.
  const raw = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt - 1, 40));
  const jitter = Math.min(Math.max(policy.jitter ?? 0, 0), 1);
  return jitter === 0 ? raw : raw * (1 - jitter * random());
}

/** Waits `ms`, or less when `signal` aborts (resolving either way: a stopping loop just ends its wait). */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
