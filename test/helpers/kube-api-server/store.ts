/**
 * Objects by type, namespace and name under one global resourceVersion counter, with a bounded per-type event
 * history for watch resumption and per-namespace subscriber sets so an event reaches only the watches that
 * can want it. Stored objects are never mutated in place: writers store fresh objects.
 */
import type { Obj } from './errors';
import type { ResourceType } from './discovery';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export class StoredEvent {
  private line?: string;
  /** `previous` is the state before a MODIFIED, so selector-filtered watches can see objects enter and leave. */
  constructor(readonly type: EventType, readonly object: Obj, readonly rv: number, readonly previous?: Obj) {}

  /** The watch stream line, serialized once however many watches send it. */
  json(): string {
    this.line ??= `${JSON.stringify({ type: this.type, object: this.object })}\n`;
    return this.line;
  }
}

export interface Subscriber {
  deliver(event: StoredEvent): void;
  /** The type stopped being served (its CRD was deleted): end the stream. */
  close(): void;
}

/** Subscribers of every namespace (and of cluster-scoped types) sit under this key. */
export const ALL_NAMESPACES = '\u0000all';

class TypeState {
  readonly objects = new Map<string, Map<string, Obj>>();
  readonly subscribers = new Map<string, Set<Subscriber>>();
  history: StoredEvent[] = [];
  /** Index of the oldest event still in history (entries before it are dropped lazily). */
  start = 0;
  /** The newest resourceVersion no longer in history; a watch from before it cannot be resumed. */
  compactedRv = 0;
}

export type HistoryResult = { events: StoredEvent[] } | { expiredBefore: number };

export class Store {
  private rv = 0;
  private readonly states = new Map<string, TypeState>();

  constructor(private readonly historyLimit: number) {}

  currentRv(): number {
    return this.rv;
  }

  nextRv(): string {
    this.rv += 1;
    return String(this.rv);
  }

  private state(type: ResourceType): TypeState {
    let s = this.states.get(type.key);
    if (!s) {
      s = new TypeState();
      this.states.set(type.key, s);
    }
    return s;
  }

  get(type: ResourceType, namespace: string, name: string): Obj | undefined {
    return this.state(type).objects.get(namespace)?.get(name);
  }

  /** Objects in `namespace/name` key order (etcd's, which list paging continues along). */
  list(type: ResourceType, namespace?: string): Obj[] {
    const { objects } = this.state(type);
    const buckets = namespace === undefined ? [...objects.entries()] : [[namespace, objects.get(namespace)] as const];
    const keyed: Array<[string, Obj]> = [];
    for (const [ns, bucket] of buckets) {
      if (!bucket) continue;
      for (const [name, obj] of bucket) keyed.push([`${ns}/${name}`, obj]);
    }
    keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return keyed.map(([, obj]) => obj);
  }

  count(type: ResourceType): number {
    let n = 0;
    for (const bucket of this.state(type).objects.values()) n += bucket.size;
    return n;
  }

  /** Stores `obj` (whose metadata.resourceVersion the caller set from nextRv) and tells the watches. */
  put(type: ResourceType, obj: Obj, eventType: 'ADDED' | 'MODIFIED'): void {
    const s = this.state(type);
    const ns = obj.metadata.namespace ?? '';
    let bucket = s.objects.get(ns);
    if (!bucket) {
      bucket = new Map();
      s.objects.set(ns, bucket);
    }
    const previous = bucket.get(obj.metadata.name);
    bucket.set(obj.metadata.name, obj);
    this.emit(type, s, new StoredEvent(eventType, obj, Number(obj.metadata.resourceVersion), previous));
  }

  /** Removes the object; `last` is its final state, carrying the deletion's new resourceVersion. */
  remove(type: ResourceType, last: Obj): void {
    const s = this.state(type);
    const ns = last.metadata.namespace ?? '';
    const bucket = s.objects.get(ns);
    if (!bucket?.delete(last.metadata.name)) return;
    if (bucket.size === 0) s.objects.delete(ns);
    this.emit(type, s, new StoredEvent('DELETED', last, Number(last.metadata.resourceVersion)));
  }

  private emit(type: ResourceType, s: TypeState, event: StoredEvent): void {
    s.history.push(event);
    // Exactly historyLimit events stay reachable; the array is only copied once its dead head outgrows the live part.
    while (s.history.length - s.start > this.historyLimit) {
      s.compactedRv = s.history[s.start].rv;
      s.start += 1;
    }
    if (s.start > 64 && s.start * 2 > s.history.length) {
      s.history = s.history.slice(s.start);
      s.start = 0;
    }
    const ns = event.object.metadata.namespace ?? '';
    const targets = [s.subscribers.get(ALL_NAMESPACES), type.namespaced ? s.subscribers.get(ns) : undefined];
    for (const set of targets) {
      if (!set) continue;
      for (const sub of set) sub.deliver(event);
    }
  }

  /** Events after `rv`, oldest first, or the point history was compacted to when some are gone. */
  eventsSince(type: ResourceType, rv: number): HistoryResult {
    const s = this.state(type);
    if (rv < s.compactedRv) return { expiredBefore: s.compactedRv + 1 };
    let lo = s.start;
    let hi = s.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s.history[mid].rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    return { events: s.history.slice(lo) };
  }

  subscribe(type: ResourceType, namespace: string | undefined, sub: Subscriber): () => void {
    const s = this.state(type);
    const key = namespace === undefined || !type.namespaced ? ALL_NAMESPACES : namespace;
    let set = s.subscribers.get(key);
    if (!set) {
      set = new Set();
      s.subscribers.set(key, set);
    }
    set.add(sub);
    return () => {
      set.delete(sub);
    };
  }

  /** Forgets every type's history, as an etcd compaction at the current revision would. */
  compact(): void {
    for (const s of this.states.values()) {
      s.history = [];
      s.start = 0;
      s.compactedRv = this.rv;
    }
  }

  /** Drops a type's objects without events and ends its watches (its CRD is gone). */
  dropType(type: ResourceType): void {
    const s = this.states.get(type.key);
    this.states.delete(type.key);
    for (const set of s?.subscribers.values() ?? []) for (const sub of [...set]) sub.close();
  }
}
