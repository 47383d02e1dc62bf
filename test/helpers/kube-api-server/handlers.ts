/**
 * The apiserver's object semantics over the store: create/update/patch/delete with resourceVersion preconditions,
 * generation, status-subresource isolation, finalizers and CRD registration. Every method throws ApiError for
 * the failures a real server reports; HTTP lives in routes.ts.
 */
import crypto from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { ApiError, alreadyExists, badRequest, conflict, invalid, notFound, type Obj } from './errors';
import { definitionsOfCrd, type Registry, type ResourceType } from './discovery';
import { APPLY_PATCH, JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH, deepEqual, jsonPatch, mergePatch, strategicMerge } from './patch';
import { fieldSelector, labelSelector, pinnedField, type Predicate } from './selectors';
import type { Store } from './store';

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
// Fields the server owns: a client's copy of them is ignored on every write.
const SERVER_METADATA = ['uid', 'resourceVersion', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation', 'selfLink', 'managedFields'];

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const now = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Everything that generation tracks: the object without metadata and status. */
function specPart(obj: Obj): Obj {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

function withoutRv(obj: Obj): Obj {
  return { ...obj, metadata: { ...obj.metadata, resourceVersion: undefined } };
}

export interface ListQuery { labelSelector: string | null; fieldSelector: string | null; limit: number; continueToken: string | null }

export interface DeleteOptions { preconditions?: { uid?: string; resourceVersion?: string } }

export class Handlers {
  constructor(private readonly store: Store, private readonly registry: Registry) {}

  get(type: ResourceType, ns: string, name: string): Obj {
    const obj = this.store.get(type, ns, name);
    if (!obj) throw notFound(type.plural, type.group, name);
    return obj;
  }

  list(type: ResourceType, ns: string | undefined, query: ListQuery): Obj {
    const match = this.matcher(query.labelSelector, query.fieldSelector);
    const pinned = pinnedField(query.fieldSelector, 'metadata.name');
    const candidates = pinned !== undefined && (ns !== undefined || !type.namespaced)
      ? [this.store.get(type, ns ?? '', pinned)].filter((o): o is Obj => o !== undefined)
      : this.store.list(type, ns);
    let items = candidates.filter(match);
    const metadata: Obj = { resourceVersion: String(this.store.currentRv()) };
    if (query.continueToken) {
      const after = decodeContinue(query.continueToken);
      items = items.filter((o) => keyOf(o) > after);
    }
    if (query.limit > 0 && items.length > query.limit) {
      const page = items.slice(0, query.limit);
      metadata.continue = Buffer.from(JSON.stringify({ after: keyOf(page[page.length - 1]) })).toString('base64');
      metadata.remainingItemCount = items.length - page.length;
      items = page;
    }
    // Built-in lists carry their items' type once, at the list level; custom resource lists repeat it per item.
    if (!type.custom) items = items.map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
    return { kind: type.listKind, apiVersion: type.apiVersion, metadata, items };
  }

  matcher(labels: string | null, fields: string | null): Predicate {
    const l = labelSelector(labels);
    const f = fieldSelector(fields);
    return (o) => l(o) && f(o);
  }

  create(type: ResourceType, ns: string | undefined, body: unknown, dryRun: boolean): Obj {
    if (!isObject(body)) throw badRequest('the request body must be a JSON object');
    const obj = clone(body);
    this.checkTypeMeta(type, obj);
    obj.apiVersion = type.apiVersion;
    obj.kind = type.kind;
    const meta: Obj = isObject(obj.metadata) ? obj.metadata : {};
    obj.metadata = meta;
    if (type.namespaced) {
      if (meta.namespace && meta.namespace !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = ns;
      const namespace = this.namespaceObject(ns!);
      if (!namespace) throw notFound('namespaces', '', ns!);
      if (namespace.metadata.deletionTimestamp) throw new ApiError(403, 'Forbidden', `${type.plural} "${meta.name ?? ''}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`, { name: meta.name, group: type.group, kind: type.plural });
    } else delete meta.namespace;
    if (!meta.name && typeof meta.generateName === 'string' && meta.generateName) {
      meta.name = meta.generateName + Array.from(crypto.randomBytes(5), (b) => GENERATE_ALPHABET[b % GENERATE_ALPHABET.length]).join('');
    }
    this.validateName(type, meta.name);
    if (this.store.get(type, ns ?? '', meta.name)) throw alreadyExists(type.plural, type.group, meta.name);
    for (const key of SERVER_METADATA) delete meta[key];
    Object.assign(meta, { uid: crypto.randomUUID(), creationTimestamp: now(), generation: 1 });
    if (type.statusSubresource) delete obj.status;
    this.defaultStatus(type, obj);
    if (dryRun) return obj;
    if (type.key === CRD_KEY) this.registerCrd(obj);
    meta.resourceVersion = this.store.nextRv();
    this.store.put(type, obj, 'ADDED');
    return obj;
  }

  /** PUT: `subresource` 'status' replaces only status; the main resource keeps the stored status when it has one. */
  update(type: ResourceType, ns: string, name: string, body: unknown, subresource: string | undefined, dryRun: boolean): Obj {
    if (!isObject(body)) throw badRequest('the request body must be a JSON object');
    const stored = this.get(type, ns, name);
    this.checkTypeMeta(type, body);
    const meta: Obj = isObject(body.metadata) ? body.metadata : {};
    if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
    if (type.namespaced && meta.namespace !== undefined && meta.namespace !== ns) throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '' && meta.resourceVersion !== stored.metadata.resourceVersion) {
      throw conflict(type.plural, type.group, name);
    }
    // A uid in the body names one incarnation of the object: writing it onto a recreated one is refused.
    if (meta.uid !== undefined && meta.uid !== '' && meta.uid !== stored.metadata.uid) {
      throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${stored.metadata.uid}`, { name, group: type.group, kind: type.plural });
    }
    let next: Obj;
    if (subresource === 'status') {
      next = clone(stored);
      if (body.status === undefined) delete next.status;
      else next.status = clone(body.status);
    } else {
      next = clone(body);
      next.apiVersion = type.apiVersion;
      next.kind = type.kind;
      next.metadata = { ...clone(meta), name, ...(type.namespaced ? { namespace: ns } : {}) };
      for (const key of SERVER_METADATA) {
        if (stored.metadata[key] === undefined) delete next.metadata[key];
        else next.metadata[key] = clone(stored.metadata[key]);
      }
      if (type.namespaced) next.metadata.namespace = ns;
      else delete next.metadata.namespace;
      if (type.statusSubresource) {
        if (stored.status === undefined) delete next.status;
        else next.status = clone(stored.status);
      }
      if (stored.metadata.deletionTimestamp) {
        const before = new Set<string>(stored.metadata.finalizers ?? []);
        const added = ((next.metadata.finalizers ?? []) as string[]).filter((f) => !before.has(f));
        if (added.length > 0) {
          throw invalid(type.kind, type.group, name, [{ field: 'metadata.finalizers', reason: 'FieldValueForbidden', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}` }]);
        }
      }
      this.validateName(type, name);
      if (!deepEqual(specPart(next), specPart(stored))) next.metadata.generation = (stored.metadata.generation ?? 0) + 1;
    }
    // A write that changes nothing is not stored: no new resourceVersion and no watch event, as on a real server.
    if (deepEqual(withoutRv(next), withoutRv(stored))) return stored;
    if (dryRun) return next;
    next.metadata.resourceVersion = this.store.nextRv();
    if (next.metadata.deletionTimestamp && !(next.metadata.finalizers?.length > 0)) {
      this.finalize(type, next);
      return next;
    }
    if (type.key === CRD_KEY) this.registerCrd(next);
    this.store.put(type, next, 'MODIFIED');
    return next;
  }

  patch(type: ResourceType, ns: string, name: string, contentType: string, raw: string, subresource: string | undefined, query: { fieldManager: string | null; dryRun: boolean }): { object: Obj; created: boolean } {
    const mediaType = contentType.split(';')[0].trim().toLowerCase();
    // Custom resources have no Go struct tags to merge lists by, so real servers refuse strategic merge for them.
    const accepted = type.custom ? [JSON_PATCH, MERGE_PATCH, APPLY_PATCH] : [JSON_PATCH, MERGE_PATCH, APPLY_PATCH, STRATEGIC_MERGE_PATCH];
    if (!accepted.includes(mediaType)) {
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
    }
    if (mediaType === APPLY_PATCH && !query.fieldManager) throw badRequest('PATCH requests with apply-patch require fieldManager to be set (the fieldManager query parameter is required for apply)');
    let patch: unknown;
    try {
      patch = mediaType === APPLY_PATCH ? parseYaml(raw) : JSON.parse(raw);
    } catch (error) {
      throw badRequest(`error decoding patch: ${(error as Error).message}`);
    }
    const stored = this.store.get(type, ns, name);
    if (!stored) {
      if (mediaType !== APPLY_PATCH || subresource === 'status') throw notFound(type.plural, type.group, name);
      if (!isObject(patch)) throw badRequest('an apply configuration must be an object');
      const meta = isObject(patch.metadata) ? patch.metadata : {};
      if (meta.name !== undefined && meta.name !== name) throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${name})`);
      return { object: this.create(type, type.namespaced ? ns : undefined, { ...patch, metadata: { ...meta, name } }, query.dryRun), created: true };
    }
    if (mediaType === APPLY_PATCH) {
      if (!isObject(patch) || !patch.apiVersion || !patch.kind) throw badRequest('apiVersion and kind must be set in an apply configuration');
      this.checkTypeMeta(type, patch);
    }
    let next: unknown;
    switch (mediaType) {
      case MERGE_PATCH: next = mergePatch(stored, patch); break;
      case JSON_PATCH: next = jsonPatch(stored, patch); break;
      case STRATEGIC_MERGE_PATCH: next = strategicMerge(stored, patch); break;
      default: next = strategicMerge(stored, patch, false);
    }
    if (!isObject(next)) throw badRequest('the patched object is not a JSON object');
    const metadata: Obj = isObject(next.metadata) ? next.metadata : {};
    // The patched copy keeps the stored resourceVersion unless the patch set one, which then acts as a precondition.
    return { object: this.update(type, ns, name, { ...next, metadata: { ...metadata, resourceVersion: metadata.resourceVersion ?? stored.metadata.resourceVersion } }, subresource, query.dryRun), created: false };
  }

  /** `pending`: finalizers keep the object (the server answers 202 Accepted rather than 200). */
  delete(type: ResourceType, ns: string, name: string, options: DeleteOptions, dryRun: boolean): { object: Obj; pending: boolean } {
    const stored = this.get(type, ns, name);
    const pre = options.preconditions ?? {};
    if (pre.uid && pre.uid !== stored.metadata.uid) {
      throw new ApiError(409, 'Conflict', `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${stored.metadata.uid}`, { name, group: type.group, kind: type.plural });
    }
    if (pre.resourceVersion && pre.resourceVersion !== stored.metadata.resourceVersion) {
      throw new ApiError(409, 'Conflict', `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${stored.metadata.resourceVersion}`, { name, group: type.group, kind: type.plural });
    }
    const pending = stored.metadata.finalizers?.length > 0;
    if (dryRun) return { object: stored, pending };
    if (pending) {
      if (stored.metadata.deletionTimestamp) return { object: stored, pending };
      const next = clone(stored);
      Object.assign(next.metadata, { deletionTimestamp: now(), deletionGracePeriodSeconds: 0, generation: (stored.metadata.generation ?? 0) + 1, resourceVersion: this.store.nextRv() });
      this.store.put(type, next, 'MODIFIED');
      return { object: next, pending };
    }
    const last = clone(stored);
    last.metadata.resourceVersion = this.store.nextRv();
    this.finalize(type, last);
    return { object: last, pending };
  }

  /** DELETE on a collection: every object the selectors match, each as a single delete. */
  deleteCollection(type: ResourceType, ns: string | undefined, query: ListQuery, dryRun: boolean): Obj {
    const items = this.list(type, ns, { ...query, limit: 0, continueToken: null }).items as Obj[];
    const deleted = items.map((o) => this.delete(type, o.metadata.namespace ?? '', o.metadata.name, {}, dryRun).object);
    return { kind: type.listKind, apiVersion: type.apiVersion, metadata: { resourceVersion: String(this.store.currentRv()) }, items: deleted };
  }

  /** Removes the object for good; a namespace takes its contents with it, a CRD its type. */
  private finalize(type: ResourceType, last: Obj): void {
    if (type.key === NAMESPACE_KEY) {
      for (const t of this.registry.all().filter((r) => r.namespaced)) {
        for (const o of this.store.list(t, last.metadata.name)) {
          const gone = clone(o);
          gone.metadata.resourceVersion = this.store.nextRv();
          this.store.remove(t, gone);
        }
      }
      last.metadata.resourceVersion = this.store.nextRv();
    }
    this.store.remove(type, last);
    if (type.key === CRD_KEY) {
      for (const def of definitionsOfCrd(last)) {
        const t = this.registry.byPath(def.group, def.version, def.plural);
        if (!t) continue;
        this.registry.remove(t);
        this.store.dropType(t);
      }
    }
  }

  private namespaceObject(name: string): Obj | undefined {
    const t = this.registry.byPath('', 'v1', 'namespaces');
    return t && this.store.get(t, '', name);
  }

  private checkTypeMeta(type: ResourceType, body: Obj): void {
    if (body.apiVersion !== undefined && body.apiVersion !== type.apiVersion) {
      throw badRequest(`the API version in the data (${body.apiVersion}) does not match the expected API version (${type.apiVersion})`);
    }
    if (body.kind !== undefined && body.kind !== type.kind) throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (${type.kind})`);
  }

  private validateName(type: ResourceType, name: unknown): void {
    if (typeof name !== 'string' || name === '') {
      throw invalid(type.kind, type.group, '', [{ field: 'metadata.name', reason: 'FieldValueRequired', message: 'Required value: name or generateName is required' }]);
    }
    // RBAC objects are named by path segment rules, so `system:controller:x` is fine there.
    if (type.group === 'rbac.authorization.k8s.io') {
      if (name === '.' || name === '..' || /[/%]/.test(name)) {
        throw invalid(type.kind, type.group, name, [{ field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: may not be '.' or '..' and may not contain '/' or '%'` }]);
      }
      return;
    }
    const limit = type.key === NAMESPACE_KEY ? 63 : 253;
    if (name.length > limit || !NAME.test(name)) {
      throw invalid(type.kind, type.group, name, [{ field: 'metadata.name', message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (at most ${limit} characters)` }]);
    }
  }

  /** What controllers of the real cluster would have written by the time anyone looks. */
  private defaultStatus(type: ResourceType, obj: Obj): void {
    if (type.key === NAMESPACE_KEY) obj.status = { phase: 'Active' };
    if (type.key === CRD_KEY) {
      const time = now();
      obj.status = {
        acceptedNames: obj.spec?.names ?? {},
        storedVersions: (obj.spec?.versions ?? []).filter((v: Obj) => v.storage).map((v: Obj) => v.name),
        conditions: [
          { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: time },
          { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: time },
        ],
      };
    }
  }

  private registerCrd(crd: Obj): void {
    const defs = definitionsOfCrd(crd);
    const bad = defs.find((d) => !d.group || !d.kind || !d.plural);
    if (bad || defs.length === 0) {
      throw invalid('CustomResourceDefinition', 'apiextensions.k8s.io', crd.metadata?.name ?? '', [{ field: 'spec', message: 'Required value: group, names.kind, names.plural and at least one served version are required' }]);
    }
    if (crd.metadata.name !== `${defs[0].plural}.${defs[0].group}`) {
      throw invalid('CustomResourceDefinition', 'apiextensions.k8s.io', crd.metadata.name, [{ field: 'metadata.name', message: `Invalid value: ${JSON.stringify(crd.metadata.name)}: must be spec.names.plural+"."+spec.group` }]);
    }
    for (const def of defs) this.registry.add(def, true);
  }
}

export const NAMESPACE_KEY = 'v1/namespaces';
export const CRD_KEY = 'apiextensions.k8s.io/v1/customresourcedefinitions';

const keyOf = (o: Obj): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

function decodeContinue(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // fall through to the error below
  }
  throw badRequest(`continue key is not valid: ${JSON.stringify(token)}`);
}
