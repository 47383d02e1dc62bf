/**
 * The four PATCH bodies the apiserver accepts, as pure functions from (stored object, patch) to the new object.
 *
 * Simplifications (documented for suites relying on them):
 * - strategic merge: JSON merge patch, except that lists of a few well-known fields are merged by key
 *   (STRATEGIC_LIST_KEYS: containers/env/ports/volumes... by `name`, conditions by `type`, ownerReferences by
 *   `uid`), metadata.finalizers is merged as a set, and the directives `$patch: replace|delete` (maps and keyed
 *   list items), `$deleteFromPrimitiveList/<field>` and `$setElementOrder/<field>` (ignored) are understood.
 *   Other Go-struct patch strategies are not known.
 * - server-side apply: the same strategic merge of the applied configuration into the live object. Field
 *   ownership (managedFields) is not tracked, so fields dropped from a later apply are NOT removed and
 *   apply-vs-apply conflicts are never reported; `force` is accepted and has no effect.
 */
import { ApiError, badRequest, type Obj } from './errors';

export const MERGE_PATCH = 'application/merge-patch+json';
export const JSON_PATCH = 'application/json-patch+json';
export const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';
export const APPLY_PATCH = 'application/apply-patch+yaml';

const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** RFC 7386. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: Obj = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete out[key];
    else out[key] = mergePatch(out[key], value);
  }
  return out;
}

// ---- RFC 6902 ----

function unescapePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const patchFailed = (message: string): ApiError => new ApiError(422, 'Invalid', message);

function parentOf(doc: unknown, tokens: string[], op: string, path: string): { parent: any; key: string } {
  let cur: any = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)];
    else if (isObject(cur)) cur = cur[t];
    else cur = undefined;
    if (cur === undefined) throw patchFailed(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  if (cur === null || typeof cur !== 'object') throw patchFailed(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  return { parent: cur, key: tokens[tokens.length - 1] };
}

function arrayIndex(arr: unknown[], key: string, op: string, path: string, allowEnd: boolean): number {
  if (key === '-' && allowEnd) return arr.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw patchFailed(`${op} operation does not apply: invalid array index ${JSON.stringify(key)} in "${path}"`);
  const i = Number(key);
  if (i > arr.length || (!allowEnd && i === arr.length)) throw patchFailed(`${op} operation does not apply: index ${i} out of bounds in "${path}"`);
  return i;
}

function getAt(doc: unknown, path: string, op: string): unknown {
  let cur: any = doc;
  for (const t of unescapePointer(path)) {
    cur = Array.isArray(cur) ? cur[Number(t)] : isObject(cur) ? cur[t] : undefined;
    if (cur === undefined) throw patchFailed(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function add(doc: unknown, path: string, value: unknown, op = 'add'): unknown {
  const tokens = unescapePointer(path);
  if (tokens.length === 0) return clone(value);
  const { parent, key } = parentOf(doc, tokens, op, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, op, path, true), 0, clone(value));
  else parent[key] = clone(value);
  return doc;
}

function remove(doc: unknown, path: string, op = 'remove'): unknown {
  const tokens = unescapePointer(path);
  const { parent, key } = parentOf(doc, tokens, op, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, op, path, false), 1);
  else {
    if (!(key in parent)) throw patchFailed(`${op} operation does not apply: doc is missing path: "${path}": missing value`);
    delete parent[key];
  }
  return doc;
}

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (isObject(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]));
  return v;
}
export { deepEqual };

/** RFC 6902, all six operations; a failed `test` rejects the whole patch. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw badRequest('json patch must be an array of operations');
  let doc = clone(target);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw badRequest(`invalid json patch operation ${JSON.stringify(raw)}`);
    const { op, path } = raw;
    switch (op) {
      case 'add': doc = add(doc, path, raw.value); break;
      case 'remove': doc = remove(doc, path); break;
      case 'replace': getAt(doc, path, 'replace'); doc = unescapePointer(path).length === 0 ? clone(raw.value) : add(remove(doc, path, 'replace'), path, raw.value, 'replace'); break;
      case 'move': { const v = clone(getAt(doc, String(raw.from), 'move')); doc = add(remove(doc, String(raw.from), 'move'), path, v, 'move'); break; }
      case 'copy': doc = add(doc, path, getAt(doc, String(raw.from), 'copy'), 'copy'); break;
      case 'test': {
        const actual = getAt(doc, path, 'test');
        if (!deepEqual(actual, raw.value)) throw patchFailed(`testing value ${path} failed: test failed`);
        break;
      }
      default: throw badRequest(`unknown json patch operation ${JSON.stringify(op)}`);
    }
  }
  return doc;
}

// ---- strategic merge / apply ----

/** List fields merged element-wise by a key, as the Go types' `patchMergeKey` tags say. */
export const STRATEGIC_LIST_KEYS: Record<string, string> = {
  containers: 'name', initContainers: 'name', ephemeralContainers: 'name', env: 'name', envFrom: 'prefix', ports: 'containerPort',
  volumes: 'name', volumeMounts: 'mountPath', volumeDevices: 'devicePath', imagePullSecrets: 'name', conditions: 'type',
  ownerReferences: 'uid', hostAliases: 'ip', tolerations: 'key', topologySpreadConstraints: 'topologyKey', subsets: 'ip',
};
// Service ports are keyed by `port`, container ports by `containerPort`: both sit under `ports`.
const portKey = (items: Obj[]): string => (items.some((p) => isObject(p) && 'containerPort' in p) ? 'containerPort' : 'port');

const SET_LISTS = new Set(['finalizers']);

function mergeKeyedList(live: unknown[], patch: unknown[], key: string, deleteNulls: boolean): unknown[] {
  const out = live.map(clone);
  for (const item of patch) {
    if (!isObject(item) || !(key in item)) {
      out.push(clone(item));
      continue;
    }
    const index = out.findIndex((e) => isObject(e) && e[key] === item[key]);
    if (item.$patch === 'delete') {
      if (index >= 0) out.splice(index, 1);
      continue;
    }
    if (index >= 0) out[index] = strategicMerge(out[index], item, deleteNulls);
    else out.push(strategicMerge({}, item, deleteNulls));
  }
  return out;
}

/** Strategic merge patch of `patch` into `live` (see the file comment for what is modelled). */
export function strategicMerge(live: unknown, patch: unknown, deleteNulls = true): unknown {
  if (!isObject(patch)) return clone(patch);
  if (patch.$patch === 'replace') {
    const { $patch: _p, ...rest } = patch;
    return strategicMerge({}, rest, deleteNulls);
  }
  if (patch.$patch === 'delete') return undefined;
  const out: Obj = isObject(live) ? { ...live } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key.startsWith('$setElementOrder/') || key === '$retainKeys') continue;
    if (key.startsWith('$deleteFromPrimitiveList/')) {
      const field = key.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[field]) && Array.isArray(value)) out[field] = out[field].filter((v: unknown) => !value.includes(v));
      continue;
    }
    if (value === null) {
      if (deleteNulls) delete out[key];
      continue;
    }
    const current = out[key];
    if (Array.isArray(value) && Array.isArray(current)) {
      if (SET_LISTS.has(key)) out[key] = [...current, ...value.filter((v) => !current.includes(v))];
      else if (key in STRATEGIC_LIST_KEYS && value.every(isObject)) {
        if (value.some((v) => v.$patch === 'replace')) out[key] = value.filter((v) => v.$patch !== 'replace').map(clone);
        else out[key] = mergeKeyedList(current, value, key === 'ports' ? portKey([...current, ...value]) : STRATEGIC_LIST_KEYS[key], deleteNulls);
      } else out[key] = clone(value);
      continue;
    }
    const merged = strategicMerge(current, value, deleteNulls);
    if (merged === undefined) delete out[key];
    else out[key] = merged;
  }
  return out;
}
