/**
 * An in-process Kubernetes API server for tests: CRUD, status subresources, the four patch types, finalizers,
 * selectors, paging, watches with resumption/410/bookmarks, and fault injection (dropped watches, restarts,
 * conflicts), spoken over real HTTP so suites drive it through @kubernetes/client-node unchanged.
 *
 * Like a fresh cluster it starts with the namespaces default, kube-system, kube-public and kube-node-lease and
 * with the operator's CRDs installed; creating a namespaced object in a namespace that does not exist is a 404.
 * Deleting a namespace deletes its contents at once (no Terminating phase). Custom resources (and Gateway API
 * types) refuse strategic merge patch with 415, as real servers do.
 * Not modelled: authn/authz, admission and validation against CRD schemas, defaulting (a Job gets no selector),
 * garbage collection of dependents (propagationPolicy is accepted and ignored), managedFields and apply
 * ownership (see patch.ts), consistent snapshots for paged lists, protobuf/CBOR, websockets (exec/attach).
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { BUILTIN_RESOURCES, Registry, builtinCrdObjects, type ResourceDefinition } from './discovery';
import { Handlers } from './handlers';
import { route, type RouterState } from './routes';
import { Store } from './store';

export type { ResourceDefinition } from './discovery';

export interface KubeApiServerOptions {
  /** Events kept per resource type for watch resumption; a watch from an older resourceVersion gets 410 Gone. Default 1000. */
  watchHistory?: number;
  /** Extra resource types besides the built-ins. */
  resources?: ResourceDefinition[];
  port?: number; // default 0 (random)
  /** How often watches with allowWatchBookmarks=true get a BOOKMARK. Default 1000 ms. */
  bookmarkIntervalMs?: number;
}

export interface KubeApiServer {
  readonly url: string;
  /** A KubeConfig (loadFromOptions) pointing at url, no auth, namespace "default". */
  kubeConfig(): k8s.KubeConfig;
  /** End every open watch stream now (clients see the stream close). */
  dropWatches(): void;
  /** Forget the watch history so any watch resuming from an older resourceVersion gets 410 Gone. */
  compact(): void;
  /** Close the listener and all connections, stay down for downMs (connections refused), then listen on the same port; stored objects survive. */
  restart(downMs?: number): Promise<void>;
  /** The next `count` writes (PUT/PATCH/DELETE, optionally only for `kind`) fail with 409 Conflict as if the object had changed. */
  injectConflicts(count: number, kind?: string): void;
  /** Requests served so far, for assertions and benchmarks. */
  requestCounts(): { total: number; byVerb: Record<string, number>; byResource: Record<string, number> };
  resetRequestCounts(): void;
  /** Direct store access for assertions (deep copies). */
  objects(apiVersion: string, kind: string, namespace?: string): Array<Record<string, any>>;
  close(): Promise<void>;
}

/** Namespaces every cluster starts with. */
const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve((server.address() as { port: number }).port);
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startKubeApiServer(options: KubeApiServerOptions = {}): Promise<KubeApiServer> {
  const registry = new Registry();
  for (const def of [...BUILTIN_RESOURCES, ...(options.resources ?? [])]) registry.add(def);
  const store = new Store(options.watchHistory ?? 1000);
  const handlers = new Handlers(store, registry);
  const nsType = registry.byPath('', 'v1', 'namespaces')!;
  const crdType = registry.byPath('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
  for (const name of INITIAL_NAMESPACES) handlers.create(nsType, undefined, { metadata: { name } }, false);
  for (const crd of builtinCrdObjects()) handlers.create(crdType, undefined, crd, false);

  const state: RouterState = {
    store, registry, handlers, watches: new Set(), counters: { total: 0, byVerb: {}, byResource: {} },
    conflicts: { remaining: 0 }, bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
  };
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => void route(state, req, res));
  // Longer than client agents keep idle sockets, so a reused socket is not closed under a request.
  server.keepAliveTimeout = 65_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listen(server, options.port ?? 0);
  const url = `http://127.0.0.1:${port}`;
  let closed = false;

  const dropWatches = (): void => {
    for (const w of [...state.watches]) w.end();
  };

  /** Ends watches cleanly (as a graceful apiserver shutdown does), then cuts every remaining connection. */
  const shutdown = async (): Promise<void> => {
    const closing = new Promise<void>((resolve) => server.close(() => resolve()));
    dropWatches();
    await sleep(10);
    server.closeAllConnections();
    for (const s of sockets) s.destroy();
    await closing;
  };

  return {
    url,
    kubeConfig() {
      const kc = new k8s.KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: 'test', server: url, skipTLSVerify: true }],
        users: [{ name: 'test' }],
        contexts: [{ name: 'test', cluster: 'test', user: 'test', namespace: 'default' }],
        currentContext: 'test',
      });
      return kc;
    },
    dropWatches,
    compact: () => store.compact(),
    async restart(downMs = 0) {
      if (closed) throw new Error('the server is closed');
      await shutdown();
      await sleep(downMs);
      // The port was ours a moment ago; another process grabbing it in between is retried briefly.
      for (let attempt = 0; ; attempt++) {
        try {
          await listen(server, port);
          return;
        } catch (error) {
          if (attempt >= 20 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
          await sleep(50);
        }
      }
    },
    injectConflicts(count, kind) {
      state.conflicts = { remaining: count, kind };
    },
    requestCounts: () => JSON.parse(JSON.stringify(state.counters)),
    resetRequestCounts() {
      state.counters = { total: 0, byVerb: {}, byResource: {} };
    },
    objects(apiVersion, kind, namespace) {
      const type = registry.byApiVersionKind(apiVersion, kind);
      if (!type) throw new Error(`unknown type ${apiVersion} ${kind}`);
      return store.list(type, type.namespaced ? namespace : undefined).map((o) => JSON.parse(JSON.stringify(o)));
    },
    async close() {
      if (closed) return;
      closed = true;
      await shutdown();
    },
  };
}
