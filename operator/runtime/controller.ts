import type { Logger } from 'pino';
import type { BackoffPolicy } from './backoff';
import type { Informer } from './informer';
import type { RuntimeMetrics } from './metrics';
import { ownerKey, shouldEnqueueOnUpdate } from './predicates';
import {
  ConflictError, keyOf, parseKey, TerminalError, typeKey,
  type KubeClient, type KubeObject, type Lister, type ReconcileContext, type Reconciler, type ResourceType,
} from './types';
import { WorkQueue } from './workqueue';

export interface ControllerOptions {
  reconciler: Reconciler;
  client: KubeClient;
  /** The shared informer of a type (the manager runs one per type for all controllers). */
  informerFor: (type: ResourceType) => Informer;
  recordEvent: ReconcileContext['recordEvent'];
  metrics: RuntimeMetrics;
  logger: Logger;
  workers?: number;
  backoff?: BackoffPolicy;
  now?: () => Date;
}

export type ReconcileOutcome = 'success' | 'requeue' | 'conflict' | 'terminal' | 'error';

/**
 * Runs one Reconciler: informer events → de-duplicated keys → N workers. A key is never reconciled by two
 * workers at once (the queue guarantees it), so a reconcile may assume it is the only writer for its object
 * within this replica; leader election extends that across replicas.
 */
export class Controller {
  private queue?: WorkQueue;
  private workers: Promise<void>[] = [];
  private unsubscribe: Array<() => void> = [];
  private abort = new AbortController();
  private readonly name: string;

  constructor(private readonly options: ControllerOptions) {
    this.name = options.reconciler.name;
  }

  /** Subscribes to the informers, waits for their caches, then starts the workers. */
  async start(): Promise<void> {
    if (this.queue) throw new Error(`controller ${this.name} is already running`);
    const { reconciler, metrics } = this.options;
    this.abort = new AbortController();
    const queue = new WorkQueue({ backoff: this.options.backoff, onDepth: (d) => metrics.queueDepth.set({ controller: this.name }, d) });
    this.queue = queue;

    const primaryInformer = this.options.informerFor(reconciler.primary);
    this.unsubscribe.push(primaryInformer.addHandlers({
      add: (obj) => queue.add(keyOf(obj.metadata)),
      update: (oldObj, newObj) => {
        if (shouldEnqueueOnUpdate(oldObj, newObj)) queue.add(keyOf(newObj.metadata));
      },
      delete: (obj) => queue.add(keyOf(obj.metadata)),
    }));
    const enqueueOwner = (obj: KubeObject) => {
      const key = this.ownerKeyOf(obj, primaryInformer);
      if (key !== undefined) queue.add(key);
    };
    for (const type of reconciler.owns) {
      this.unsubscribe.push(this.options.informerFor(type).addHandlers({
        add: enqueueOwner,
        update: (oldObj, newObj) => {
          // Owned resyncs add nothing: the primary's own resync already re-delivers every owner.
          if (oldObj.metadata.resourceVersion === newObj.metadata.resourceVersion) return;
          enqueueOwner(newObj);
          const before = this.ownerKeyOf(oldObj, primaryInformer);
          if (before !== undefined) queue.add(before); // adoption/orphaning moves the object between owners
        },
        delete: enqueueOwner,
      }));
    }

    const informers = [reconciler.primary, ...reconciler.owns].map((t) => this.options.informerFor(t));
    await Promise.all(informers.map((i) => i.waitForSync(this.abort.signal)));
    const workers = Math.max(1, this.options.workers ?? 4);
    this.workers = Array.from({ length: workers }, () => this.work(queue));
    this.options.logger.info({ controller: this.name, workers }, 'controller started');
  }

  /**
   * Stops taking work and waits up to `timeoutMs` for in-flight reconciles; their signal is aborted at the
   * deadline. Returns whether everything finished in time.
   */
  async stop(timeoutMs = 30_000): Promise<boolean> {
    const queue = this.queue;
    if (!queue) return true;
    for (const off of this.unsubscribe.splice(0)) off();
    const drained = await queue.shutDownWithDrain(timeoutMs);
    this.abort.abort();
    if (drained) await Promise.all(this.workers);
    this.workers = [];
    this.queue = undefined;
    this.options.metrics.queueDepth.set({ controller: this.name }, 0);
    if (!drained) this.options.logger.warn({ controller: this.name, timeoutMs }, 'reconciles still running at shutdown deadline');
    return drained;
  }

  /** The queue, while running (for tests and the manager's readiness detail). */
  workQueue(): WorkQueue | undefined {
    return this.queue;
  }

  private ownerKeyOf(obj: KubeObject, primary: Informer): string | undefined {
    const key = ownerKey(obj, this.options.reconciler.primary);
    if (key === undefined || !obj.metadata.namespace) return key;
    // A cluster-scoped primary owning namespaced children: its key has no namespace.
    const bare = ownerKey(obj, this.options.reconciler.primary, false)!;
    return !primary.cache.getByKey(key) && primary.cache.getByKey(bare) ? bare : key;
  }

  private listers(): ReadonlyMap<string, Lister> {
    const { reconciler } = this.options;
    return new Map([reconciler.primary, ...reconciler.owns].map((t) => [typeKey(t), this.options.informerFor(t).cache as Lister]));
  }

  private async work(queue: WorkQueue): Promise<void> {
    const listers = this.listers();
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      try {
        await this.reconcileKey(queue, key, listers);
      } finally {
        queue.done(key);
      }
    }
  }

  private async reconcileKey(queue: WorkQueue, key: string, listers: ReadonlyMap<string, Lister>): Promise<ReconcileOutcome> {
    const { reconciler, metrics, logger } = this.options;
    const labels = { controller: this.name };
    const context: ReconcileContext = {
      client: this.options.client,
      listers,
      recordEvent: this.options.recordEvent,
      now: this.options.now ?? (() => new Date()),
      signal: this.abort.signal,
    };
    const endTimer = metrics.reconcileDuration.startTimer(labels);
    let outcome: ReconcileOutcome;
    try {
      const result = await reconciler.reconcile(parseKey(key), context);
      queue.forget(key);
      const after = result?.requeueAfterMs;
      if (after !== undefined && after > 0) {
        queue.addAfter(key, after);
        outcome = 'requeue';
      } else {
        outcome = 'success';
      }
    } catch (err) {
      metrics.reconcileErrors.inc(labels);
      if (err instanceof ConflictError) {
        // Someone wrote in between: re-read through the rate limiter (first retry after the base delay).
        outcome = 'conflict';
        queue.addRateLimited(key);
        logger.debug({ controller: this.name, key, err: err.message }, 'reconcile hit a conflict; requeued');
      } else if (err instanceof TerminalError) {
        outcome = 'terminal';
        queue.forget(key);
        logger.warn({ controller: this.name, key, err: err.message }, 'reconcile failed terminally; waiting for a change');
      } else {
        outcome = 'error';
        queue.addRateLimited(key);
        logger.error({ controller: this.name, key, err, retries: queue.numRequeues(key) }, 'reconcile failed; retrying with backoff');
      }
    } finally {
      endTimer();
    }
    metrics.reconcileTotal.inc({ ...labels, result: outcome });
    return outcome;
  }
}
