import http from 'node:http';
import { isDeepStrictEqual } from 'node:util';
import { Registry } from 'prom-client';
import { silentLogger } from '../../pipelines/log';
import { Informer, type WatchSource } from '../../operator/runtime/informer';
import { createKubeClient } from '../../operator/runtime/kube-client';
import { createManager, type Manager } from '../../operator/runtime/manager';
import { runtimeMetrics } from '../../operator/runtime/metrics';
import { createWatchSource } from '../../operator/runtime/watch-source';
import {
  AlreadyExistsError, ConflictError, NotFoundError, type KubeClient, type KubeObject, type ObjectKey, type ReconcileContext, type Reconciler,
} from '../../operator/runtime/types';
import { startKubeApiServer, type KubeApiServer } from '../helpers/kube-api-server';

jest.setTimeout(60_000);

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const FS = { apiVersion: 'gogooku3.io/v1alpha1', kind: 'FeatureSet' };
const NS = 'default';
const FAST_WATCH = { baseMs: 20, capMs: 300, jitter: 0.5 };
const FAST_QUEUE = { baseMs: 10, capMs: 500 };

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Lets a test hold back an informer's watch (re)connections until it calls release(). */
function gatedWatches(inner: WatchSource) {
  let open: Promise<void> = Promise.resolve();
  let release = () => undefined as void;
  return {
    hold() {
      open = new Promise<void>((r) => (release = r));
    },
    release: () => release(),
    source: {
      list: (type, namespace) => inner.list(type, namespace),
      async watch(type, options, onEvent, onDone) {
        await open;
        return inner.watch(type, options, onEvent, onDone);
      },
    } satisfies WatchSource,
  };
}

/** The test's own writes also draw injected conflicts: retry them like any client would. */
async function retryConflicts<T>(write: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt > 50) throw err;
    }
  }
}

function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

const cm = (name: string, data: Record<string, string>, labels?: Record<string, string>): KubeObject => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: NS, ...(labels ? { labels } : {}) }, data,
});

/** name → resourceVersion of what the server holds. */
function serverState(server: KubeApiServer, type = CM): Record<string, string> {
  return Object.fromEntries(server.objects(type.apiVersion, type.kind, NS).map((o) => [o.metadata.name, o.metadata.resourceVersion]));
}
function cacheState(informer: Informer): Record<string, string> {
  return Object.fromEntries(informer.cache.list(NS).map((o) => [o.metadata.name, o.metadata.resourceVersion!]));
}

/**
 * The toy controller: every ConfigMap labelled app=test gets a child "<name>-mirror" with the same data,
 * owned by it, and an annotation with the mirrored data; a deleted primary loses its child (the test server
 * has no garbage collector). Reads come from the listers, writes are resourceVersion-checked.
 */
function mirrorReconciler(seen: string[] = []): Reconciler {
  return {
    name: 'mirror',
    primary: CM,
    owns: [CM],
    async reconcile(key: ObjectKey, ctx: ReconcileContext) {
      seen.push(`${key.namespace}/${key.name}`);
      const lister = ctx.listers.get('v1/ConfigMap')!;
      const primary = lister.get(key);
      const childKey = { namespace: key.namespace, name: `${key.name}-mirror` };
      const child = lister.get(childKey);
      if (!primary) {
        if (child && child.metadata.ownerReferences?.some((r) => r.controller && r.name === key.name)) await ctx.client.delete({ ...CM, ...childKey }).catch((err) => { if (!(err instanceof NotFoundError)) throw err; });
        return;
      }
      if (primary.metadata.labels?.app !== 'test' || primary.metadata.deletionTimestamp) return;
      const data = (primary.data ?? {}) as Record<string, string>;
      if (!child) {
        try {
          await ctx.client.create({
            ...cm(childKey.name, data),
            metadata: { name: childKey.name, namespace: key.namespace, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: key.name, uid: primary.metadata.uid!, controller: true }] },
          });
        } catch (err) {
          if (!(err instanceof AlreadyExistsError)) throw err;
          throw err; // the cache is behind: retry once it has caught up
        }
        await ctx.recordEvent(primary, { type: 'Normal', reason: 'MirrorCreated', message: `created ${childKey.name}` });
      } else if (JSON.stringify(child.data ?? {}) !== JSON.stringify(data)) {
        await ctx.client.replace({ ...structuredClone(child), data });
      }
      const mirrored = JSON.stringify(data);
      if (primary.metadata.annotations?.['mirror.test/data'] !== mirrored) {
        const next = structuredClone(primary);
        next.metadata.annotations = { ...next.metadata.annotations, 'mirror.test/data': mirrored };
        await ctx.client.replace(next);
      }
    },
  };
}

async function mirrorConverged(server: KubeApiServer): Promise<boolean> {
  const all = server.objects('v1', 'ConfigMap', NS);
  const byName = new Map(all.map((o) => [o.metadata.name as string, o]));
  for (const o of all) {
    if (o.metadata.labels?.app === 'test') {
      const child = byName.get(`${o.metadata.name}-mirror`);
      if (!child || JSON.stringify(child.data ?? {}) !== JSON.stringify(o.data ?? {})) return false;
      if (o.metadata.annotations?.['mirror.test/data'] !== JSON.stringify(o.data ?? {})) return false;
    } else if (o.metadata.name.endsWith('-mirror') && !byName.has(o.metadata.name.slice(0, -'-mirror'.length))) {
      return false; // orphan left behind
    }
  }
  return true;
}

describe('operator runtime against the in-process API server', () => {
  let server: KubeApiServer;
  let client: KubeClient;
  const cleanups: Array<() => Promise<unknown>> = [];

  beforeEach(async () => {
    server = await startKubeApiServer({ watchHistory: 50, bookmarkIntervalMs: 200 });
    client = createKubeClient(server.kubeConfig(), { fieldManager: 'runtime-test' });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await server.close();
  });

  function informer(type = CM, registry = new Registry(), source: WatchSource = createWatchSource(server.kubeConfig())): Informer {
    const inf = new Informer({ type, source, namespace: NS, backoff: FAST_WATCH, metrics: runtimeMetrics(registry), logger: silentLogger });
    cleanups.push(() => inf.stop());
    inf.start();
    return inf;
  }

  function manager(options: Partial<Parameters<typeof createManager>[0]> & { reconcilers: Reconciler[] }): Manager {
    const m = createManager({ kubeConfig: server.kubeConfig(), namespace: NS, logger: silentLogger, watchBackoff: FAST_WATCH, queueBackoff: FAST_QUEUE, resyncMs: 0, ...options });
    cleanups.push(() => m.stop());
    return m;
  }

  it('KubeClient: CRUD, merge patch, status subresource and typed errors', async () => {
    const created = await client.create(cm('a', { x: '1' }));
    expect(created.metadata.uid).toBeDefined();
    expect(await client.get({ ...CM, namespace: NS, name: 'missing' })).toBeUndefined();
    await expect(client.create(cm('a', {}))).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(client.replace({ ...created, metadata: { ...created.metadata, resourceVersion: '1' } })).rejects.toMatchObject({ name: 'ConflictError' });
    const patched = await client.mergePatch({ ...CM, namespace: NS, name: 'a' }, { data: { x: null, y: '2' }, metadata: { annotations: { 'gogooku3.io/promote': 'now' } } });
    expect(patched).toMatchObject({ data: { y: '2' }, metadata: { annotations: { 'gogooku3.io/promote': 'now' } } });
    expect((patched.data as Record<string, string>).x).toBeUndefined();

    const fs = await client.create<KubeObject>({ ...FS, metadata: { name: 'f', namespace: NS }, spec: { universe: 'prime' } });
    const withStatus = await client.replaceStatus({ ...fs, spec: { universe: 'ignored' }, status: { phase: 'Ready' } });
    expect(withStatus).toMatchObject({ spec: { universe: 'prime' }, status: { phase: 'Ready' } });
    expect(withStatus.metadata.generation).toBe(fs.metadata.generation); // status writes do not bump generation
    await expect(client.replaceStatus({ ...fs, status: { phase: 'Stale' } })).rejects.toMatchObject({ name: 'ConflictError' });

    const listed = await client.list(CM, { namespace: NS });
    expect(listed.items.map((i) => [i.apiVersion, i.kind, i.metadata.name])).toEqual([['v1', 'ConfigMap', 'a']]);
    expect(Number(listed.resourceVersion)).toBeGreaterThan(0);
    await client.delete({ ...CM, namespace: NS, name: 'a' });
    await expect(client.delete({ ...CM, namespace: NS, name: 'a' })).rejects.toMatchObject({ name: 'NotFoundError' });
    await expect(client.create({ apiVersion: 'nope.io/v1', kind: 'Nope', metadata: { name: 'x' } })).rejects.toMatchObject({ name: 'NotFoundError' });
    expect(server.objects('v1', 'ConfigMap', NS)).toHaveLength(0);
  });

  it('informer cache follows creates, updates and deletes, and survives dropped watches, compaction (410) and restarts', async () => {
    const registry = new Registry();
    // Bookmarks keep a connected informer's resourceVersion current, so only one that was away while the
    // history was compacted gets 410: the gate holds its reconnect back for that.
    const gate = gatedWatches(createWatchSource(server.kubeConfig()));
    const inf = informer(CM, registry, gate.source);
    const events: string[] = [];
    inf.addHandlers({
      add: (o) => events.push(`add ${o.metadata.name}`),
      update: (o, n) => events.push(`update ${n.metadata.name}`),
      delete: (o) => events.push(`delete ${o.metadata.name}`),
    });
    await inf.waitForSync();
    for (let i = 0; i < 20; i++) await client.create(cm(`c${i}`, { v: '0' }));
    for (let i = 0; i < 10; i++) await client.mergePatch({ ...CM, namespace: NS, name: `c${i}` }, { data: { v: '1' } });
    for (let i = 15; i < 20; i++) await client.delete({ ...CM, namespace: NS, name: `c${i}` });
    await waitFor('cache = server', () => isDeepStrictEqual(cacheState(inf), serverState(server)));
    expect(events.filter((e) => e.startsWith('delete'))).toHaveLength(5);
    expect(() => { (inf.cache.get({ namespace: NS, name: 'c0' })!.metadata as { name: string }).name = 'x'; }).toThrow(); // frozen

    server.dropWatches();
    await client.create(cm('after-drop', {}));
    await waitFor('cache sees the create after a dropped watch', () => inf.cache.get({ namespace: NS, name: 'after-drop' }) !== undefined);

    // History shorter than what happens while the watch is away: resuming gets 410 and the informer relists.
    gate.hold();
    server.dropWatches();
    for (let i = 0; i < 5; i++) await client.delete({ ...CM, namespace: NS, name: `c${i}` });
    await client.create(cm('after-compact', {}));
    server.compact();
    gate.release();
    await waitFor('cache = server after compaction', () => isDeepStrictEqual(cacheState(inf), serverState(server)));

    const restarting = server.restart(500);
    await restarting;
    await client.mergePatch({ ...CM, namespace: NS, name: 'c5' }, { data: { v: 'after-restart' } });
    await client.delete({ ...CM, namespace: NS, name: 'after-drop' });
    await waitFor('cache = server after restart', () => isDeepStrictEqual(cacheState(inf), serverState(server)));
    expect(inf.cache.get({ namespace: NS, name: 'c5' })!.data).toEqual({ v: 'after-restart' });

    const restarts = await registry.getSingleMetric('operator_watch_restarts_total')!.get();
    const reasons = Object.fromEntries(restarts.values.map((v) => [v.labels.reason, v.value]));
    expect(reasons.closed).toBeGreaterThanOrEqual(2);
    expect(reasons.gone).toBeGreaterThanOrEqual(1); // the compaction forced a relist
    expect(reasons.error).toBeGreaterThanOrEqual(1); // reconnects refused while the server was down
    expect(inf.lastSyncResourceVersion()).not.toBe('');
  });

  it('resync re-delivers every cached object as an update with the same object', async () => {
    await client.create(cm('r1', {}));
    const inf = new Informer({ type: CM, source: createWatchSource(server.kubeConfig()), namespace: NS, resyncMs: 100 });
    cleanups.push(() => inf.stop());
    const resyncs: string[] = [];
    inf.addHandlers({ update: (o, n) => { if (o === n) resyncs.push(n.metadata.name); } });
    inf.start();
    await waitFor('two resyncs', () => resyncs.length >= 2, 3000);
  });

  it('a toy controller converges under injected conflicts, dropped watches, compaction and a restart', async () => {
    const m = manager({ reconcilers: [mirrorReconciler()] });
    await m.start();
    for (let i = 0; i < 30; i++) await client.create(cm(`p${i}`, { n: String(i) }, { app: 'test' }));
    await client.create(cm('unlabelled', { n: 'x' }));
    server.injectConflicts(15);
    await waitFor('mirror converged', () => mirrorConverged(server));

    server.injectConflicts(10);
    server.dropWatches();
    for (let i = 0; i < 10; i++) await retryConflicts(() => client.mergePatch({ ...CM, namespace: NS, name: `p${i}` }, { data: { n: `changed-${i}` } }));
    server.compact();
    server.dropWatches();
    for (let i = 25; i < 30; i++) await retryConflicts(() => client.delete({ ...CM, namespace: NS, name: `p${i}` }));
    await server.restart(500);
    await retryConflicts(() => client.mergePatch({ ...CM, namespace: NS, name: 'p10' }, { data: { n: 'final' } }));
    await waitFor('mirror converged after faults', () => mirrorConverged(server), 20_000);

    const names = server.objects('v1', 'ConfigMap', NS).map((o) => o.metadata.name);
    expect(names).not.toContain('unlabelled-mirror');
    expect(names.filter((n) => n.endsWith('-mirror'))).toHaveLength(25);
    const results = await m.registry.getSingleMetric('operator_reconcile_total')!.get();
    const byResult = Object.fromEntries(results.values.map((v) => [v.labels.result, v.value]));
    expect(byResult.conflict).toBeGreaterThanOrEqual(1);
    expect(byResult.success).toBeGreaterThan(30);
    // without leader election the one replica leads: OperatorNoLeader must not fire for it
    expect((await m.registry.getSingleMetric('operator_leader')!.get()).values.map((v) => v.value)).toEqual([1]);

    const events = server.objects('v1', 'Event', NS);
    expect(events.length).toBeGreaterThanOrEqual(30);
    expect(events[0]).toMatchObject({ reason: 'MirrorCreated', type: 'Normal', source: { component: 'gogooku3-operator' }, count: 1, involvedObject: { kind: 'ConfigMap', namespace: NS } });
    expect(events[0].metadata.name).toMatch(/^p\d+\.[0-9a-f]+$/);
  });

  it('status-only writes do not trigger a reconcile; spec changes and gogooku3.io/ annotations do', async () => {
    const seen: string[] = [];
    const counting: Reconciler = { name: 'count', primary: FS, owns: [], async reconcile(key) { seen.push(key.name); } };
    const m = manager({ reconcilers: [counting] });
    await m.start();
    let fs = await client.create({ ...FS, metadata: { name: 'f1', namespace: NS }, spec: { v: 1 } });
    await waitFor('first reconcile', () => seen.length === 1);
    fs = await client.replaceStatus({ ...fs, status: { phase: 'Ready' } });
    fs = await client.mergePatch({ ...FS, namespace: NS, name: 'f1' }, { metadata: { labels: { a: 'b' }, annotations: { 'other.io/x': '1' } } });
    await sleep(400);
    expect(seen).toHaveLength(1);
    await client.mergePatch({ ...FS, namespace: NS, name: 'f1' }, { spec: { v: 2 } });
    await waitFor('spec change reconciled', () => seen.length === 2);
    await client.mergePatch({ ...FS, namespace: NS, name: 'f1' }, { metadata: { annotations: { 'gogooku3.io/pause': 'true' } } });
    await waitFor('verb annotation reconciled', () => seen.length === 3);
    await client.delete({ ...FS, namespace: NS, name: 'f1' });
    await waitFor('delete reconciled', () => seen.length === 4);
  });

  it('leader election: only the leader reconciles; stopping it hands over within seconds', async () => {
    const seenA: string[] = [];
    const seenB: string[] = [];
    const le = { name: 'mirror-leader', leaseDurationSeconds: 1, renewDeadlineMs: 600, retryPeriodMs: 150 };
    const a = manager({ reconcilers: [mirrorReconciler(seenA)], leaderElection: { ...le, identity: 'a' }, healthPort: 0 });
    const b = manager({ reconcilers: [mirrorReconciler(seenB)], leaderElection: { ...le, identity: 'b' }, healthPort: 0 });
    await a.start();
    await waitFor('a leads', () => a.isLeader());
    await b.start();
    for (let i = 0; i < 5; i++) await client.create(cm(`l${i}`, { n: String(i) }, { app: 'test' }));
    await waitFor('converged under a', () => mirrorConverged(server));
    await sleep(500);
    expect(b.isLeader()).toBe(false);
    expect(seenA.length).toBeGreaterThan(0);
    expect(seenB).toHaveLength(0);
    const standby = await get(b.healthPort()!, '/readyz');
    expect(standby.status).toBe(200);
    expect(JSON.parse(standby.body).checks.leaderElection).toBe('standby (leader a)');

    const lease = server.objects('coordination.k8s.io/v1', 'Lease', NS).find((l) => l.metadata.name === 'mirror-leader')!;
    expect(lease.spec).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 1 });
    expect(lease.spec.renewTime).toMatch(/\.\d{6}Z$/);

    const stoppedAt = Date.now();
    await a.stop();
    await waitFor('b takes over', () => b.isLeader(), 5000);
    expect(Date.now() - stoppedAt).toBeLessThan(3000); // released, not merely expired
    await client.create(cm('after-handover', { n: 'h' }, { app: 'test' }));
    await waitFor('converged under b', () => mirrorConverged(server));
    expect(seenB).toContain(`${NS}/after-handover`);
    const after = server.objects('coordination.k8s.io/v1', 'Lease', NS).find((l) => l.metadata.name === 'mirror-leader')!;
    expect(after.spec.holderIdentity).toBe('b');
    expect(after.spec.leaseTransitions).toBeGreaterThanOrEqual(1);
  });

  it('serves /healthz, /readyz and /metrics', async () => {
    const m = manager({ reconcilers: [mirrorReconciler()], healthPort: 0 });
    await m.start();
    const port = m.healthPort()!;
    expect(await get(port, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    const ready = await get(port, '/readyz');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ ready: true, checks: { 'informer:v1/ConfigMap': true } });
    await client.create(cm('m1', {}, { app: 'test' }));
    await waitFor('reconciled', () => mirrorConverged(server));
    const metrics = await get(port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/operator_reconcile_total\{controller="mirror",result="success"\} \d+/);
    expect(metrics.body).toContain('operator_reconcile_duration_seconds_bucket');
    expect(metrics.body).toContain('operator_workqueue_depth');
    expect((await get(port, '/nope')).status).toBe(404);
  });
});
