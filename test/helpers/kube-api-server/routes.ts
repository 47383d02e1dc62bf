/**
 * HTTP: path parsing (/api/v1/..., /apis/{g}/{v}/...), verb mapping, request counting, injected conflicts and
 * JSON responses. Object semantics are in handlers.ts, streams in watch.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest, conflict, methodNotAllowed, type Obj } from './errors';
import { coreVersions, group, groupList, resourceList, versionInfo, type Registry, type ResourceType } from './discovery';
import { Handlers } from './handlers';
import { serveWatch, type OpenWatch } from './watch';
import type { Store } from './store';

export interface Counters { total: number; byVerb: Record<string, number>; byResource: Record<string, number> }

export interface RouterState {
  store: Store;
  registry: Registry;
  handlers: Handlers;
  watches: Set<OpenWatch>;
  counters: Counters;
  conflicts: { remaining: number; kind?: string };
  bookmarkIntervalMs: number;
}

interface Target { type: ResourceType; namespace: string | undefined; name: string | undefined; subresource: string | undefined }

const WRITE_VERBS = new Set(['update', 'patch', 'delete']);

function send(res: ServerResponse, code: number, body: Obj): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
  res.end(text);
}

const pageNotFound = (): ApiError => new ApiError(404, 'NotFound', 'the server could not find the requested resource');

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`error decoding the request body: ${(error as Error).message}`);
  }
}

function bump(counters: Counters, verb: string, resource: string): void {
  counters.total += 1;
  counters.byVerb[verb] = (counters.byVerb[verb] ?? 0) + 1;
  counters.byResource[resource] = (counters.byResource[resource] ?? 0) + 1;
}

/** Splits `/api/v1/namespaces/ns/plural/name/status` into its parts; undefined for discovery or unknown paths. */
function resolveTarget(registry: Registry, groupName: string, version: string, rest: string[]): Target | undefined {
  let namespace: string | undefined;
  let parts = rest;
  if (parts[0] === 'namespaces' && parts.length >= 3 && parts[2] !== 'status' && parts[2] !== 'finalize') {
    namespace = parts[1];
    parts = parts.slice(2);
  }
  const type = registry.byPath(groupName, version, parts[0]);
  if (!type || parts.length > 3) return undefined;
  if (namespace !== undefined && !type.namespaced) return undefined;
  const [, name, subresource] = parts;
  if (subresource !== undefined && (subresource !== 'status' || !type.statusSubresource)) return undefined;
  return { type, namespace, name, subresource };
}

function verbOf(method: string, hasName: boolean, watch: boolean): string {
  switch (method) {
    case 'GET': return watch ? 'watch' : hasName ? 'get' : 'list';
    case 'POST': return hasName ? 'invalid' : 'create';
    case 'PUT': return hasName ? 'update' : 'invalid';
    case 'PATCH': return hasName ? 'patch' : 'invalid';
    case 'DELETE': return hasName ? 'delete' : 'deletecollection';
    default: return 'invalid';
  }
}

const intParam = (value: string | null, name: string): number | null => {
  if (value === null || value === '') return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw badRequest(`${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n;
};

export async function route(state: RouterState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const segments = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
  const method = (req.method ?? 'GET').toUpperCase();
  const q = url.searchParams;
  let counted = false;
  try {
    // Discovery.
    let groupName: string | undefined;
    let version: string | undefined;
    let rest: string[] = [];
    if (segments[0] === 'api') {
      if (segments.length === 1) return void (bump(state.counters, 'get', 'discovery'), (counted = true), send(res, 200, coreVersions()));
      [groupName, version, rest] = ['', segments[1], segments.slice(2)];
    } else if (segments[0] === 'apis') {
      if (segments.length === 1) return void (bump(state.counters, 'get', 'discovery'), (counted = true), send(res, 200, groupList(state.registry)));
      if (segments.length === 2) {
        bump(state.counters, 'get', 'discovery');
        counted = true;
        const doc = group(state.registry, segments[1]);
        if (!doc) throw pageNotFound();
        return send(res, 200, doc);
      }
      [groupName, version, rest] = [segments[1], segments[2], segments.slice(3)];
    } else if (segments[0] === 'version' && segments.length === 1) {
      bump(state.counters, 'get', 'discovery');
      counted = true;
      return send(res, 200, versionInfo());
    } else if ((segments[0] === 'healthz' || segments[0] === 'readyz' || segments[0] === 'livez') && segments.length === 1) {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return void res.end('ok');
    } else throw pageNotFound();
    if (rest.length === 0) {
      bump(state.counters, 'get', 'discovery');
      counted = true;
      const doc = resourceList(state.registry, groupName, version);
      if (!doc) throw pageNotFound();
      return send(res, 200, doc);
    }

    // The deprecated /watch/ path prefix some older clients still use.
    const legacyWatch = rest[0] === 'watch';
    const target = resolveTarget(state.registry, groupName, version, legacyWatch ? rest.slice(1) : rest);
    if (!target) throw pageNotFound();
    const { type, namespace, name, subresource } = target;
    const watch = legacyWatch || q.get('watch') === 'true' || q.get('watch') === '1';
    const verb = verbOf(method, name !== undefined, watch);
    bump(state.counters, verb, subresource ? `${type.plural}/${subresource}` : type.plural);
    counted = true;
    if (verb === 'invalid') throw methodNotAllowed(`the server does not allow this method on the requested resource (${method} ${url.pathname})`);
    if (type.namespaced && name !== undefined && namespace === undefined) throw pageNotFound();
    if (type.namespaced && verb === 'create' && namespace === undefined) throw pageNotFound();
    if (subresource && !['get', 'update', 'patch'].includes(verb)) throw methodNotAllowed(`the server does not allow this method on the requested resource (${method} ${url.pathname})`);
    const ns = namespace ?? '';
    const dryRun = q.get('dryRun') === 'All';

    if (WRITE_VERBS.has(verb) && state.conflicts.remaining > 0 && (state.conflicts.kind === undefined || state.conflicts.kind === type.kind)) {
      state.conflicts.remaining -= 1;
      await readBody(req);
      throw conflict(type.plural, type.group, name!);
    }

    const listQuery = () => ({
      labelSelector: q.get('labelSelector'),
      fieldSelector: q.get('fieldSelector'),
      limit: intParam(q.get('limit'), 'limit') ?? 0,
      continueToken: q.get('continue') || null,
    });

    switch (verb) {
      case 'get': return send(res, 200, state.handlers.get(type, ns, name!));
      case 'list': return send(res, 200, state.handlers.list(type, namespace, listQuery()));
      case 'watch': {
        const lq = listQuery();
        const selected = state.handlers.matcher(lq.labelSelector, lq.fieldSelector);
        // A watch on one object's path watches its collection narrowed to that name.
        const match = name === undefined ? selected : (o: Obj) => o.metadata.name === name && selected(o);
        return serveWatch(state.store, {
          type, namespace, resourceVersion: q.get('resourceVersion'), match,
          timeoutSeconds: intParam(q.get('timeoutSeconds'), 'timeoutSeconds'), allowBookmarks: q.get('allowWatchBookmarks') === 'true',
          sendInitialEvents: q.get('sendInitialEvents') === 'true',
        }, res, req, state.bookmarkIntervalMs, state.watches);
      }
      case 'create': return send(res, 201, state.handlers.create(type, namespace, parseJson(await readBody(req)), dryRun));
      case 'update': return send(res, 200, state.handlers.update(type, ns, name!, parseJson(await readBody(req)), subresource, dryRun));
      case 'patch': {
        const body = await readBody(req);
        const { object, created } = state.handlers.patch(type, ns, name!, req.headers['content-type'] ?? '', body, subresource, { fieldManager: q.get('fieldManager'), dryRun });
        return send(res, created ? 201 : 200, object);
      }
      case 'delete': {
        const options = (parseJson(await readBody(req)) ?? {}) as Obj;
        const { object, pending } = state.handlers.delete(type, ns, name!, { preconditions: options.preconditions }, dryRun);
        return send(res, pending ? 202 : 200, object);
      }
      case 'deletecollection': {
        await readBody(req);
        return send(res, 200, state.handlers.deleteCollection(type, namespace, listQuery(), dryRun));
      }
    }
  } catch (error) {
    if (!counted) bump(state.counters, 'unknown', 'unknown');
    const apiError = error instanceof ApiError ? error : new ApiError(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    send(res, apiError.code, apiError.toStatus());
  }
}
