import { Registry } from 'prom-client';
import { ConflictError, NotFoundError, type KubeClient, type KubeObject, type ObjectRef, type ReconcileContext } from '../runtime/types';
import { ROLLOUT_FINALIZER } from './finalizer';
import { RolloutMetrics } from './metrics';
import type { PrometheusClient } from './prometheus';
import { reconcileModelRollout, type RolloutReconcileDeps } from './reconcile';
import { TritonError, type TritonRepository } from './triton';
import { ACTION_ANNOTATION, NONCE_ANNOTATION } from './verbs';

/** A resourceVersion-checking in-memory client: enough API server for the reconcile's own decisions. */
function memoryClient() {
  const store = new Map<string, KubeObject>();
  let rv = 0;
  const key = (r: { apiVersion: string; kind: string; namespace?: string; name: string }) => `${r.apiVersion}/${r.kind}/${r.namespace}/${r.name}`;
  const refOf = (o: KubeObject): ObjectRef => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name });
  const put = (o: KubeObject) => {
    const stored = structuredClone({ ...o, metadata: { ...o.metadata, resourceVersion: String(++rv) } });
    store.set(key(refOf(o)), stored);
    return structuredClone(stored);
  };
  const check = (o: KubeObject) => {
    const current = store.get(key(refOf(o)));
    if (!current) throw new NotFoundError(refOf(o));
    if (current.metadata.resourceVersion !== o.metadata.resourceVersion) throw new ConflictError(refOf(o));
    return current;
  };
  const merge = (target: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> => {
    const out = { ...target };
    for (const [k, v] of Object.entries(patch)) {
      if (v === null) delete out[k];
      else if (typeof v === 'object' && !Array.isArray(v)) out[k] = merge((out[k] ?? {}) as Record<string, unknown>, v as Record<string, unknown>);
      else out[k] = v;
    }
    return out;
  };
  const client: KubeClient = {
    get: async (ref) => structuredClone(store.get(key(ref))) as never,
    list: async () => ({ items: [], resourceVersion: String(rv) }),
    create: async (o) => put(o) as never,
    replace: async (o) => { const current = check(o); return put({ ...o, status: current.status }) as never; },
    replaceStatus: async (o) => { const current = check(o); return put({ ...current, status: o.status }) as never; },
    mergePatch: async (ref, patch) => { const current = store.get(key(ref)); if (!current) throw new NotFoundError(ref); return put(merge(current, patch) as KubeObject) as never; },
    delete: async (ref) => { store.delete(key(ref)); },
  };
  return { client, store, get: (r: { apiVersion: string; kind: string; namespace?: string; name: string }) => store.get(key(r)) as KubeObject & Record<string, any> };
}

const MR = { apiVersion: 'gogooku3.io/v1alpha1', kind: 'ModelRollout', namespace: 'ns', name: 'r' };
const CM = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'w' };
const healthy = { p95: 0.02, err: 0.001, req: 500 };

// The rollout starts with its finalizer (as after its first pass) unless `finalizers` says otherwise.
function setup(options: { weights?: string; triton?: TritonRepository; annotations?: Record<string, string>; finalizers?: string[] } = {}) {
  const mem = memoryClient();
  const events: string[] = [];
  void mem.client.create({ ...{ apiVersion: MR.apiVersion, kind: MR.kind }, metadata: { name: 'r', namespace: 'ns', generation: 1, annotations: options.annotations, finalizers: options.finalizers ?? [ROLLOUT_FINALIZER] },
    spec: { model: 'm', champion: { version: 3 }, challenger: { version: 4 }, analysis: { interval: '1m' }, trafficTarget: { configMap: { name: 'w' } }, ...(options.triton ? { triton: { url: 'http://t' } } : {}) } });
  if (options.weights !== undefined) void mem.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w', namespace: 'ns' }, data: { 'weights.json': options.weights } });
  let now = new Date('2026-12-04T00:00:00Z');
  const ctx: ReconcileContext = {
    client: mem.client, listers: new Map(), now: () => now, signal: new AbortController().signal,
    recordEvent: async (_o, e) => { events.push(`${e.type}:${e.reason}`); },
  };
  const prometheus: PrometheusClient = { query: async (q) => (q.startsWith('histogram') ? healthy.p95 : q.includes('vector(0)') ? healthy.err : healthy.req) };
  const metrics = new RolloutMetrics(new Registry());
  const deps: RolloutReconcileDeps = { prometheus: () => prometheus, triton: () => options.triton!, metrics };
  return { ...mem, events, metrics, run: () => reconcileModelRollout({ namespace: 'ns', name: 'r' }, ctx, deps), advance: (ms: number) => { now = new Date(now.getTime() + ms); } };
}

const weightOf = (text: string) => JSON.parse(text).models.find((m: { name: string }) => m.name === 'm').variants;

describe('reconcileModelRollout', () => {
  it('starts at the first step, then analyses once per interval, requeueing for the remainder', async () => {
    const t = setup();
    await expect(t.run()).resolves.toEqual({ requeueAfterMs: 60_000 });
    expect(t.get(MR).status).toMatchObject({ phase: 'Progressing', challengerWeight: 10, analysedChallenger: '4', lastAnalysisTime: '2026-12-04T00:00:00.000Z' });
    t.advance(20_000);
    await expect(t.run()).resolves.toEqual({ requeueAfterMs: 40_000 });
    expect(t.get(MR).status.challengerWeight).toBe(10);
    t.advance(40_000);
    await t.run();
    expect(t.get(MR).status.challengerWeight).toBe(25);
    expect(weightOf(t.get(CM).data['weights.json'])).toEqual([{ name: 'champion', version: 3, weight: 75 }, { name: 'challenger', version: 4, weight: 25 }]);
    expect(t.events).toEqual(['Normal:Started', 'Normal:Advanced']);
  });

  it('refuses to overwrite an invalid weights config: the state is kept, Ready=False TrafficNotApplied, retried', async () => {
    const t = setup({ weights: '{not json' });
    await expect(t.run()).rejects.toThrow(/not valid JSON/);
    expect(t.get(CM).data['weights.json']).toBe('{not json');
    const ready = t.get(MR).status.conditions.find((c: { type: string }) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'TrafficNotApplied' });
    expect(t.get(MR).status.phase).toBe('Progressing');
  });

  it('gives the challenger no traffic when Triton cannot load it', async () => {
    const triton: TritonRepository = { loadVersions: async () => { throw new TritonError('http://t', 'load answered 400: no such version'); } };
    const t = setup({ weights: JSON.stringify({ models: [{ name: 'm', variants: [{ name: 'champion', version: 3, weight: 1 }] }] }), triton });
    await expect(t.run()).rejects.toThrow(/no such version/);
    expect(weightOf(t.get(CM).data['weights.json'])).toEqual([{ name: 'champion', version: 3, weight: 1 }]);
    expect(t.get(MR).status.conditions.find((c: { type: string }) => c.type === 'Ready')).toMatchObject({ status: 'False', reason: 'TritonLoadFailed' });
    expect(t.get(MR).status.tritonVersions).toBeUndefined();
  });

  it('loads Triton once per version set, not on every pass', async () => {
    const loads: number[][] = [];
    const t = setup({ triton: { loadVersions: async (_m, v) => { loads.push([...v]); } } });
    await t.run();
    t.advance(1_000);
    await t.run();
    expect(loads).toEqual([[3, 4]]);
    expect(t.get(MR).status.tritonVersions).toBe('3,4');
  });

  it('applies a verb once: an already handled nonce is only cleared', async () => {
    const t = setup({ annotations: { [ACTION_ANNOTATION]: 'abort', [NONCE_ANNOTATION]: 'n1' } });
    await t.run();
    expect(t.get(MR).status).toMatchObject({ phase: 'Aborted', challengerWeight: 0, lastActionNonce: 'n1' });
    expect(t.get(MR).metadata.annotations).toEqual({});
    // The operator stopped before clearing the annotation: the next pass must not abort again.
    await t.client.mergePatch(MR, { metadata: { annotations: { [ACTION_ANNOTATION]: 'retry', [NONCE_ANNOTATION]: 'n1' } } });
    await t.run();
    expect(t.get(MR).status.phase).toBe('Aborted');
    expect(t.get(MR).metadata.annotations).toEqual({});
    // A refused verb is an event, not an error.
    await t.client.mergePatch(MR, { metadata: { annotations: { [ACTION_ANNOTATION]: 'abort', [NONCE_ANNOTATION]: 'n2' } } });
    await t.run();
    expect(t.events).toContain('Warning:ActionRefused');
    expect(t.get(MR).metadata.annotations).toEqual({});
  });
});

describe('reconcileModelRollout on deletion', () => {
  const markDeleted = (t: ReturnType<typeof setup>) => t.client.mergePatch(MR, { metadata: { deletionTimestamp: '2026-12-04T01:00:00Z' } });

  it('adds its finalizer (keeping the others) in a pass of its own, before any weight is written', async () => {
    const t = setup({ finalizers: ['example.com/keep'] });
    await expect(t.run()).resolves.toEqual({});
    expect(t.get(MR).metadata.finalizers).toEqual(['example.com/keep', ROLLOUT_FINALIZER]);
    expect(t.get(CM)).toBeUndefined();
    expect(t.get(MR).status).toBeUndefined();
    await t.run();
    expect(t.get(MR).metadata.finalizers).toEqual(['example.com/keep', ROLLOUT_FINALIZER]);
    expect(weightOf(t.get(CM).data['weights.json'])).toEqual([{ name: 'champion', version: 3, weight: 90 }, { name: 'challenger', version: 4, weight: 10 }]);
  });

  it('mid-rollout: champion-only traffic, challenger unloaded, an Event, then only its finalizer removed', async () => {
    const loads: number[][] = [];
    const t = setup({ triton: { loadVersions: async (_m, v) => { loads.push([...v]); } }, finalizers: ['example.com/keep', ROLLOUT_FINALIZER] });
    await t.run();
    t.advance(60_000);
    await t.run();
    expect(weightOf(t.get(CM).data['weights.json'])).toEqual([{ name: 'champion', version: 3, weight: 75 }, { name: 'challenger', version: 4, weight: 25 }]);
    await markDeleted(t);
    await expect(t.run()).resolves.toEqual({});
    expect(weightOf(t.get(CM).data['weights.json'])).toEqual([{ name: 'champion', version: 3, weight: 100 }]);
    expect(loads).toEqual([[3, 4], [3]]);
    expect(t.events[t.events.length - 1]).toBe('Normal:CleanedUp');
    expect(t.get(MR).metadata.finalizers).toEqual(['example.com/keep']);
  });

  it('drops the rollout\'s metric series once it is deleting, and again when it is gone', async () => {
    const t = setup();
    await t.run();
    const own = async () => (await t.metrics.registry.metrics()).split('\n').filter((l) => l.includes('rollout="ns/r"'));
    expect(await own()).toEqual(expect.arrayContaining(['modelrollout_challenger_weight{rollout="ns/r"} 10']));
    await markDeleted(t);
    await t.run();
    expect(await own()).toEqual([]);
    t.store.clear();
    t.metrics.observe('ns/r', 'Progressing', 10); // a stale observation racing the deletion
    await expect(t.run()).resolves.toEqual({});
    expect(await own()).toEqual([]);
  });

  it('keeps the finalizer and fails (to be retried) when the traffic target cannot be written', async () => {
    const t = setup();
    await t.run();
    await t.client.replace({ ...t.get(CM), data: { 'weights.json': '{broken' } });
    await markDeleted(t);
    await expect(t.run()).rejects.toThrow(/cannot clean up: .*not valid JSON/);
    expect(t.get(MR).metadata.finalizers).toEqual([ROLLOUT_FINALIZER]);
    expect(t.get(CM).data['weights.json']).toBe('{broken');
    expect(t.events).toContain('Warning:CleanupFailed');
  });

  it('does nothing for a rollout that never got its finalizer', async () => {
    const t = setup({ weights: '{"models":[]}', finalizers: [] });
    await markDeleted(t);
    await expect(t.run()).resolves.toEqual({});
    expect(t.get(CM).data['weights.json']).toBe('{"models":[]}');
    expect(t.events).toEqual([]);
  });
});
