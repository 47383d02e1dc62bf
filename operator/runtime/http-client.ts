import http from 'node:http';
import https from 'node:https';
import { createInterface } from 'node:readline';
import type { ClusterConnection } from './cluster-connection';
import type { WatchEventType, WatchSource } from './informer';
import { KubeApiError, parseStatus, readOrUndefined, toKubeError } from './kube-errors';
import { listAllPages } from './paging';
import { type KubeClient, type KubeObject, type ObjectRef, type ResourceType } from './types';

/**
 * The runtime's KubeClient and WatchSource over plain node:http(s) and a ClusterConnection: the same wire
 * behaviour as kube-client.ts / watch-source.ts (discovery for paths, paged lists, fieldManager on writes,
 * JSON as the server sent it) without loading @kubernetes/client-node.
 */
type Query = Record<string, string | number | boolean | undefined>;
const PAGE_SIZE = 500;

function send(conn: ClusterConnection, method: string, path: string, query: Query, body?: unknown, contentType = 'application/json'): Promise<http.IncomingMessage> {
  const url = new URL(path, conn.server);
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: http.OutgoingHttpHeaders = { accept: 'application/json' };
  const auth = conn.authorization();
  if (auth) headers.authorization = auth;
  if (payload !== undefined) {
    headers['content-type'] = contentType;
    headers['content-length'] = Buffer.byteLength(payload);
  }
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: conn.agent }, resolve);
    req.on('error', reject);
    req.end(payload);
  });
}

async function readBody(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function call<T>(conn: ClusterConnection, method: string, path: string, query: Query = {}, body?: unknown, contentType?: string): Promise<T> {
  const res = await send(conn, method, path, query, body, contentType);
  const text = await readBody(res);
  const code = res.statusCode ?? 0;
  if (code >= 200 && code <= 299) return JSON.parse(text) as T;
  const status = parseStatus(text);
  throw new KubeApiError(code, status, status?.message ?? `HTTP ${code}`);
}

interface ApiResource { name: string; kind: string; namespaced: boolean }

/** Resource paths from API discovery, one request per apiVersion; an unknown kind drops the cache (a CRD may arrive later). */
export function discovery(conn: ClusterConnection) {
  const groups = new Map<string, Promise<ApiResource[]>>();
  const resources = (apiVersion: string) => {
    let found = groups.get(apiVersion);
    if (!found) {
      const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      found = call<{ resources?: ApiResource[] }>(conn, 'GET', base).then((l) => (l.resources ?? []).filter((r) => !r.name.includes('/')));
      groups.set(apiVersion, found);
      found.catch(() => groups.delete(apiVersion));
    }
    return found;
  };
  return async (type: ResourceType, namespace?: string, name?: string): Promise<string> => {
    const resource = (await resources(type.apiVersion)).find((r) => r.kind === type.kind);
    if (!resource) {
      groups.delete(type.apiVersion);
      throw new KubeApiError(404, undefined, `Unrecognized API version and kind: ${type.apiVersion} ${type.kind}`);
    }
    const base = type.apiVersion.includes('/') ? `/apis/${type.apiVersion}` : `/api/${type.apiVersion}`;
    const ns = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${ns}/${resource.name}${name ? `/${encodeURIComponent(name)}` : ''}`;
  };
}

const refOf = (obj: KubeObject): ObjectRef => ({ apiVersion: obj.apiVersion, kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name });

export function createHttpKubeClient(conn: ClusterConnection, { fieldManager }: { fieldManager: string }, pathOf = discovery(conn)): KubeClient {
  const itemPath = (ref: ObjectRef) => pathOf(ref, ref.namespace ?? conn.namespace ?? 'default', ref.name);
  const writes = { fieldManager };
  return {
    async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
      return readOrUndefined(ref, async () => call<T>(conn, 'GET', await itemPath(ref)));
    },
    async list<T extends KubeObject>(type: ResourceType, options: { namespace?: string; labelSelector?: string } = {}) {
      return listAllPages<T>(type, async (continueToken) => {
        let page: { items?: T[]; metadata?: { resourceVersion?: string; continue?: string } };
        try {
          page = await call(conn, 'GET', await pathOf(type, options.namespace), { labelSelector: options.labelSelector, limit: PAGE_SIZE, continue: continueToken });
        } catch (err) {
          throw toKubeError(err, 'list', { ...type, namespace: options.namespace, name: '*' });
        }
        return { items: page.items ?? [], resourceVersion: page.metadata?.resourceVersion, continueToken: page.metadata?.continue };
      });
    },
    async create<T extends KubeObject>(object: T): Promise<T> {
      const ref = refOf(object);
      try {
        return await call<T>(conn, 'POST', await pathOf(object, ref.namespace ?? conn.namespace ?? 'default'), writes, object);
      } catch (err) {
        throw toKubeError(err, 'create', ref);
      }
    },
    async replace<T extends KubeObject>(object: T): Promise<T> {
      try {
        return await call<T>(conn, 'PUT', await itemPath(refOf(object)), writes, object);
      } catch (err) {
        throw toKubeError(err, 'replace', refOf(object));
      }
    },
    async mergePatch<T extends KubeObject>(ref: ObjectRef, patch: Record<string, unknown>): Promise<T> {
      try {
        // The identity rides along as kube-client.ts sends it (merging identical values is a no-op).
        const identity = { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) };
        const body = { ...patch, apiVersion: ref.apiVersion, kind: ref.kind, metadata: { ...(patch.metadata as object | undefined), ...identity } };
        return await call<T>(conn, 'PATCH', await itemPath(ref), writes, body, 'application/merge-patch+json');
      } catch (err) {
        throw toKubeError(err, 'patch', ref);
      }
    },
    async replaceStatus<T extends KubeObject>(object: T): Promise<T> {
      try {
        return await call<T>(conn, 'PUT', `${await itemPath(refOf(object))}/status`, writes, object);
      } catch (err) {
        throw toKubeError(err, 'replace status of', refOf(object));
      }
    },
    async delete(ref: ObjectRef, options: { propagationPolicy?: 'Foreground' | 'Background' | 'Orphan' } = {}): Promise<void> {
      try {
        await call(conn, 'DELETE', await itemPath(ref), {}, { apiVersion: 'v1', kind: 'DeleteOptions', ...(options.propagationPolicy ? { propagationPolicy: options.propagationPolicy } : {}) });
      } catch (err) {
        throw toKubeError(err, 'delete', ref);
      }
    },
  };
}

/** Lists through `client`; watches stream newline-delimited JSON events from the collection path. */
export function createHttpWatchSource(conn: ClusterConnection, client?: KubeClient, pathOf = discovery(conn)): WatchSource {
  const lister = client ?? createHttpKubeClient(conn, { fieldManager: 'gogooku3-operator' }, pathOf);
  return {
    list: (type, namespace) => lister.list(type, { namespace }),
    async watch(type, options, onEvent, onDone) {
      const path = await pathOf(type, options.namespace);
      const res = await send(conn, 'GET', path, {
        watch: true, allowWatchBookmarks: true, timeoutSeconds: options.timeoutSeconds, resourceVersion: options.resourceVersion || undefined,
      });
      let done = false;
      const finish = (err?: unknown) => {
        if (done) return;
        done = true;
        onDone(err);
      };
      if (res.statusCode !== 200) {
        const text = await readBody(res).catch(() => '');
        const status = parseStatus(text);
        finish(new KubeApiError(res.statusCode ?? 0, status, status?.message ?? `watch: HTTP ${res.statusCode}`));
        return { abort: () => undefined };
      }
      const lines = createInterface({ input: res, crlfDelay: Infinity });
      lines.on('line', (line) => {
        if (done || !line.trim()) return;
        let event: { type?: string; object?: Record<string, unknown> };
        try {
          event = JSON.parse(line);
        } catch (err) {
          res.destroy();
          finish(new Error(`watch ${path}: unparseable event`, { cause: err }));
          return;
        }
        onEvent(event.type as WatchEventType, event.object ?? {});
      });
      res.on('error', (err) => finish(err));
      res.on('close', () => finish(res.complete ? undefined : new Error(`watch ${path}: connection closed mid-stream`)));
      return { abort: () => { done = true; res.destroy(); } };
    },
  };
}
