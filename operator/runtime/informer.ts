import type { Logger } from 'pino';
import { backoffDelay, sleepUnlessAborted, WATCH_BACKOFF, type BackoffPolicy } from './backoff';
import { ObjectCache } from './cache';
import type { RuntimeMetrics } from './metrics';
import { keyOf, typeKey, type KubeObject, type ResourceType } from './types';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  abort(): void;
}

/** List + watch of one type: the informer's only view of the API server (implemented in watch-source.ts). */
export interface WatchSource {
  list(type: ResourceType, namespace?: string): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /**
   * Opens a watch from `resourceVersion` with bookmarks on. `onDone` fires once, when the stream ends:
   * with no error for a clean close, with an error carrying `statusCode` otherwise (410 when too old).
   */
  watch(
    type: ResourceType,
    options: { namespace?: string; resourceVersion: string; timeoutSeconds: number },
    onEvent: (type: WatchEventType, object: Record<string, unknown>) => void,
    onDone: (err?: unknown) => void,
  ): Promise<WatchHandle>;
}

export interface InformerHandlers<T extends KubeObject = KubeObject> {
  add?(obj: T): void;
  /** Also called on resync with the same object twice (same resourceVersion). */
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions {
  type: ResourceType;
  source: WatchSource;
  namespace?: string;
  /** Re-deliver every cached object as an update this often; 0 turns resync off. */
  resyncMs?: number;
  backoff?: BackoffPolicy;
  /** Server-side watch timeout; jittered per watch so that restarts spread out. */
  watchTimeoutSeconds?: number;
  /** A watch that lasts this long counts as healthy even if the type was quiet (resets the backoff). */
  healthyWatchMs?: number;
  logger?: Logger;
  metrics?: RuntimeMetrics;
}

type RestartReason = 'gone' | 'error' | 'closed';

function statusCodeOf(err: unknown): number | undefined {
  const e = err as { statusCode?: number; code?: number } | undefined;
  return typeof e?.statusCode === 'number' ? e.statusCode : typeof e?.code === 'number' ? e.code : undefined;
}

/**
 * A reflector + indexer in one: lists, then watches from the list's resourceVersion, keeps the cache and
 * resourceVersion current (bookmarks included), relists on 410 Gone and reconnects with jittered exponential
 * backoff otherwise. Handlers see add/update/delete in the order the server sent them.
 */
export class Informer<T extends KubeObject = KubeObject> {
  readonly cache = new ObjectCache<T>();
  private readonly handlers = new Set<InformerHandlers<T>>();
  private resourceVersion = '';
  private synced = false;
  private readonly syncWaiters: Array<() => void> = [];
  private stopController = new AbortController();
  private running?: Promise<void>;
  private resyncTimer?: NodeJS.Timeout;
  private closeWatch?: () => void;
  private readonly resource: string;

  constructor(private readonly options: InformerOptions) {
    this.resource = typeKey(options.type);
  }

  /** Registers handlers; objects already cached are delivered to them as adds first. */
  addHandlers(handlers: InformerHandlers<T>): () => void {
    this.handlers.add(handlers);
    for (const obj of this.cache.list()) this.call(handlers, 'add', () => handlers.add?.(obj));
    return () => this.handlers.delete(handlers);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  /** Resolves once the first list is in the cache; rejects if `signal` aborts first. */
  waitForSync(signal?: AbortSignal): Promise<void> {
    if (this.synced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(new Error(`${this.resource}: stopped before the cache synced`));
      signal?.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }

  start(): void {
    if (this.running) return;
    this.stopController = new AbortController();
    this.running = this.run();
    const resyncMs = this.options.resyncMs ?? 0;
    if (resyncMs > 0) {
      this.resyncTimer = setInterval(() => this.resync(), resyncMs);
      this.resyncTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopController.abort();
    clearInterval(this.resyncTimer);
    this.closeWatch?.();
    await this.running;
    this.running = undefined;
  }

  /** Re-delivers every cached object as an update (old === new), the controllers' periodic safety net. */
  resync(): void {
    if (!this.synced) return;
    for (const obj of this.cache.list()) this.emit('update', (h) => h.update?.(obj, obj));
  }

  private async run(): Promise<void> {
    const { logger } = this.options;
    const stop = this.stopController.signal;
    let needList = true;
    let failures = 0;
    while (!stop.aborted) {
      if (needList) {
        try {
          // A list against an unresponsive server must not hold up stop().
          const listed = await this.listUnlessStopped();
          if (!listed || stop.aborted) break;
          const { items, resourceVersion } = listed;
          this.replace(items as T[]);
          this.resourceVersion = resourceVersion;
          needList = false;
          failures = 0;
          this.markSynced();
        } catch (err) {
          failures++;
          logger?.warn({ err, resource: this.resource, failures }, 'list failed; retrying');
          await this.sleep(backoffDelay(failures, this.options.backoff ?? WATCH_BACKOFF));
          continue;
        }
      }
      const outcome = await this.watchOnce();
      if (stop.aborted) break;
      this.options.metrics?.watchRestarts.inc({ resource: this.resource, reason: outcome.reason });
      if (outcome.reason === 'gone') {
        // The resourceVersion fell out of the server's history: only a fresh list can say what changed.
        logger?.info({ resource: this.resource, resourceVersion: this.resourceVersion }, 'watch expired (410 Gone); relisting');
        needList = true;
        continue;
      }
      failures = outcome.healthy ? 0 : failures + 1;
      if (outcome.reason === 'error') logger?.warn({ err: outcome.err, resource: this.resource, failures }, 'watch failed; reconnecting');
      if (failures > 0) await this.sleep(backoffDelay(failures, this.options.backoff ?? WATCH_BACKOFF));
    }
  }

  private watchOnce(): Promise<{ reason: RestartReason; healthy: boolean; err?: unknown }> {
    const startedAt = Date.now();
    const healthyAfter = this.options.healthyWatchMs ?? 5_000;
    const baseTimeout = this.options.watchTimeoutSeconds ?? 300;
    let gotEvent = false;
    return new Promise((resolve) => {
      let settled = false;
      let handle: WatchHandle | undefined;
      const finish = (reason: RestartReason, err?: unknown) => {
        if (settled) return;
        settled = true;
        this.closeWatch = undefined;
        handle?.abort();
        resolve({ reason, err, healthy: gotEvent || Date.now() - startedAt >= healthyAfter });
      };
      this.closeWatch = () => finish('closed');
      const onEvent = (type: WatchEventType, object: Record<string, unknown>) => {
        if (settled) return;
        if (type === 'ERROR') {
          const code = typeof object.code === 'number' ? object.code : undefined;
          finish(code === 410 ? 'gone' : 'error', object);
          return;
        }
        gotEvent = true;
        this.apply(type, object as unknown as T);
      };
      const onDone = (err?: unknown) => {
        if (!err) finish('closed');
        else finish(statusCodeOf(err) === 410 ? 'gone' : 'error', err);
      };
      const timeoutSeconds = Math.round(baseTimeout * (1 + Math.random()));
      this.options.source
        .watch(this.options.type, { namespace: this.options.namespace, resourceVersion: this.resourceVersion, timeoutSeconds }, onEvent, onDone)
        .then((h) => {
          handle = h;
          if (settled) h.abort();
        }, (err) => finish(statusCodeOf(err) === 410 ? 'gone' : 'error', err));
    });
  }

  private apply(type: WatchEventType, incoming: T): void {
    const rv = incoming.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    // Watch events carry whole objects; a type's own events never change its identity, so stamp it in case
    // the server left it out.
    const obj = { ...incoming, apiVersion: incoming.apiVersion ?? this.options.type.apiVersion, kind: incoming.kind ?? this.options.type.kind } as T;
    if (type === 'DELETED') {
      const old = this.cache.delete(keyOf(obj.metadata));
      this.emit('delete', (h) => h.delete?.(old ?? obj));
    } else {
      const old = this.cache.getByKey(keyOf(obj.metadata));
      if (!(old && old.metadata.resourceVersion === rv)) {
        this.cache.set(obj);
        if (old) this.emit('update', (h) => h.update?.(old, obj));
        else this.emit('add', (h) => h.add?.(obj));
      }
    }
    if (rv) this.resourceVersion = rv;
  }

  /** Makes the cache equal to a fresh list, telling handlers what changed (as a watch would have). */
  private replace(items: T[]): void {
    const seen = new Set<string>();
    for (const item of items) {
      const key = keyOf(item.metadata);
      seen.add(key);
      const old = this.cache.getByKey(key);
      if (old && old.metadata.resourceVersion === item.metadata.resourceVersion) continue;
      this.cache.set(item);
      if (old) this.emit('update', (h) => h.update?.(old, item));
      else this.emit('add', (h) => h.add?.(item));
    }
    for (const key of [...this.cache.keys()]) {
      if (seen.has(key)) continue;
      const old = this.cache.delete(key)!;
      this.emit('delete', (h) => h.delete?.(old));
    }
  }

  private markSynced(): void {
    if (this.synced) return;
    this.synced = true;
    for (const resolve of this.syncWaiters.splice(0)) resolve();
  }

  private emit(what: string, call: (h: InformerHandlers<T>) => void): void {
    for (const h of this.handlers) this.call(h, what, () => call(h));
  }

  private call(_h: InformerHandlers<T>, what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      // One faulty handler must not stop the cache from following the server.
      this.options.logger?.error({ err, resource: this.resource, event: what }, 'informer handler threw');
    }
  }

  private async listUnlessStopped(): Promise<{ items: KubeObject[]; resourceVersion: string } | undefined> {
    const signal = this.stopController.signal;
    if (signal.aborted) return undefined;
    let onAbort = () => undefined as void;
    const aborted = new Promise<undefined>((resolve) => {
      onAbort = () => resolve(undefined);
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([this.options.source.list(this.options.type, this.options.namespace), aborted]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private sleep(ms: number): Promise<void> {
    return sleepUnlessAborted(ms, this.stopController.signal);
  }
}
