import { backoffDelay, QUEUE_BACKOFF, type BackoffPolicy } from './backoff';

/** Timers behind the queue's delays; tests pass jest's fake timers implicitly through the globals. */
export interface QueueClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemClock: QueueClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface WorkQueueOptions {
  backoff?: BackoffPolicy;
  clock?: QueueClock;
  /** Called whenever the number of queued (not in-flight) keys changes: feeds the depth gauge. */
  onDepth?: (depth: number) => void;
}

/**
 * A rate-limited, de-duplicating work queue with client-go's semantics:
 * - a key waiting in the queue is held once however often it is added;
 * - a key being processed is never handed out again until `done`; if it was re-added meanwhile it is
 *   queued again at `done`, so the latest change is always seen by one more pass;
 * - `addRateLimited` delays by the key's failure count (exponential), `forget` resets it;
 * - `addAfter` keeps only the earliest pending delay per key.
 */
export class WorkQueue {
  // A Set keeps FIFO order and gives O(1) add / delete / membership for thousands of keys.
  private readonly queue = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; handle: unknown }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private readonly idleWaiters: Array<() => void> = [];
  private shuttingDown = false;
  private readonly backoff: BackoffPolicy;
  private readonly clock: QueueClock;
  private readonly onDepth?: (depth: number) => void;

  constructor(options: WorkQueueOptions = {}) {
    this.backoff = options.backoff ?? QUEUE_BACKOFF;
    this.clock = options.clock ?? systemClock;
    this.onDepth = options.onDepth;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return; // re-queued by done()
    this.enqueue(key);
  }

  /** Adds `key` after `ms`; when the key already waits for an earlier time, that earlier time stands. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.clock.clearTimeout(pending.handle);
    const handle = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, handle });
  }

  /** Adds `key` after its backoff delay and counts one more failure for it. */
  addRateLimited(key: string): void {
    const attempt = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, attempt);
    this.addAfter(key, backoffDelay(attempt, this.backoff));
  }

  /** The key succeeded: its next failure starts again from the base delay. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key to process, or undefined once the queue is shut down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Processing of `key` finished (whatever the outcome); it must be called exactly once per `get`. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key) && !this.shuttingDown) this.enqueue(key);
    if (this.processing.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  len(): number {
    return this.queue.size;
  }

  inFlight(): number {
    return this.processing.size;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /**
   * Stops handing out work: waiting `get`s resolve undefined, queued and delayed keys are dropped (the
   * controllers are level-triggered, so whoever runs next re-lists and loses nothing).
   */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { handle } of this.delayed.values()) this.clock.clearTimeout(handle);
    this.delayed.clear();
    this.queue.clear();
    this.dirty.clear();
    this.onDepth?.(0);
    for (const resolve of this.waiters.splice(0)) resolve(undefined);
  }

  /** Shuts down and waits for in-flight keys to be `done`; false when `timeoutMs` passed first. */
  async shutDownWithDrain(timeoutMs: number): Promise<boolean> {
    this.shutDown();
    if (this.processing.size === 0) return true;
    let timer: unknown;
    const drained = new Promise<true>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timedOut = new Promise<false>((resolve) => {
      timer = this.clock.setTimeout(() => resolve(false), timeoutMs);
    });
    const result = await Promise.race([drained, timedOut]);
    this.clock.clearTimeout(timer);
    return result;
  }

  private enqueue(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.processing.add(key);
      waiter(key);
      return;
    }
    this.queue.add(key);
    this.onDepth?.(this.queue.size);
  }

  private take(): string | undefined {
    const next = this.queue.values().next();
    if (next.done) return undefined;
    const key = next.value;
    this.queue.delete(key);
    this.dirty.delete(key);
    this.processing.add(key);
    this.onDepth?.(this.queue.size);
    return key;
  }
}
