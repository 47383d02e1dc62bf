import { keyOf, type KubeObject, type Lister, type ObjectKey } from './types';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

function controllerUid(obj: KubeObject): string | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true)?.uid;
}

/**
 * The informer's store: objects by key, indexed by namespace and by controller-owner uid so that listers
 * answer in time proportional to the result, not to the cache. Objects are frozen on the way in: they are
 * shared by every reader, and a reconcile that mutated one in place would corrupt everyone's view
 * (copy with structuredClone before editing).
 */
export class ObjectCache<T extends KubeObject = KubeObject> implements Lister<T> {
  private readonly objects = new Map<string, T>();
  private readonly byNamespace = new Map<string, Map<string, T>>();
  private readonly byOwnerUid = new Map<string, Map<string, T>>();

  get(key: ObjectKey): T | undefined {
    return this.objects.get(keyOf(key));
  }

  getByKey(key: string): T | undefined {
    return this.objects.get(key);
  }

  list(namespace?: string): T[] {
    if (namespace === undefined) return [...this.objects.values()];
    return [...(this.byNamespace.get(namespace)?.values() ?? [])];
  }

  byOwner(uid: string): T[] {
    return [...(this.byOwnerUid.get(uid)?.values() ?? [])];
  }

  keys(): IterableIterator<string> {
    return this.objects.keys();
  }

  get size(): number {
    return this.objects.size;
  }

  /** Stores `obj`; returns the object it replaced. */
  set(obj: T): T | undefined {
    const key = keyOf(obj.metadata);
    const old = this.objects.get(key);
    if (old) this.unindex(key, old);
    deepFreeze(obj);
    this.objects.set(key, obj);
    this.index(key, obj);
    return old;
  }

  /** Removes the object at `key`; returns it. */
  delete(key: string): T | undefined {
    const old = this.objects.get(key);
    if (!old) return undefined;
    this.objects.delete(key);
    this.unindex(key, old);
    return old;
  }

  private index(key: string, obj: T): void {
    addTo(this.byNamespace, obj.metadata.namespace ?? '', key, obj);
    const owner = controllerUid(obj);
    if (owner) addTo(this.byOwnerUid, owner, key, obj);
  }

  private unindex(key: string, obj: T): void {
    removeFrom(this.byNamespace, obj.metadata.namespace ?? '', key);
    const owner = controllerUid(obj);
    if (owner) removeFrom(this.byOwnerUid, owner, key);
  }
}

function addTo<T>(index: Map<string, Map<string, T>>, bucket: string, key: string, obj: T): void {
  let entries = index.get(bucket);
  if (!entries) index.set(bucket, (entries = new Map()));
  entries.set(key, obj);
}

function removeFrom<T>(index: Map<string, Map<string, T>>, bucket: string, key: string): void {
  const entries = index.get(bucket);
  if (!entries) return;
  entries.delete(key);
  if (entries.size === 0) index.delete(bucket);
}
