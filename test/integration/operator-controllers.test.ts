/**
 * The FeatureSet and ModelRollout controllers end to end: the real runtime manager and KubeClient against
 * the in-process API server, the rollout analysis against a Prometheus HTTP API stub answering scripted
 * intervals, Triton's repository API against a recording stub, and the CLI verb path through client-node.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { operatorReconcilers } from '../../operator/controllers';
import { ROLLOUT_METRICS } from '../../operator/rollout/metrics';
import { ACTION_ANNOTATION } from '../../operator/rollout/verbs';
import { createKubeClient } from '../../operator/runtime/kube-client';
import { createManager, type Manager } from '../../operator/runtime/manager';
import type { KubeClient, KubeObject } from '../../operator/runtime/types';
import { requestRolloutAction } from '../../pipelines/cli/rollout';
import { startKubeApiServer, type KubeApiServer } from '../helpers/kube-api-server';
import { startScriptedServer } from '../helpers/scripted-server';

jest.setTimeout(60_000);

type Sample = { p95_ms: number; error_rate: number; requests: number } | null;
type Interval = { champion: Sample; challenger: Sample };

const HEALTHY: Interval = { champion: { p95_ms: 20, error_rate: 0.001, requests: 500 }, challenger: { p95_ms: 21, error_rate: 0.001, requests: 500 } };
const BREACH: Interval = { champion: HEALTHY.champion, challenger: { p95_ms: 80, error_rate: 0.2, requests: 500 } };
const NO_TRAFFIC: Interval = { champion: HEALTHY.champion, challenger: null };

/**
 * A Prometheus /api/v1/query stub: each model has a script of intervals; every distinct PromQL string
 * advances through the script on its own, so interval i is what each of the six queries gets on its i-th call
 * (the last entry repeats). Answers use Prometheus' response format; a null sample is an empty vector.
 */
async function startPrometheusStub(scripts: Record<string, Interval[]>) {
  const calls = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = url.searchParams.get('query') ?? '';
    const model = /model="([^"]+)"/.exec(query)?.[1] ?? '';
    const variant = /variant="([^"]+)"/.exec(query)?.[1] as 'champion' | 'challenger';
    const script = scripts[model];
    res.setHeader('content-type', 'application/json');
    if (url.pathname !== '/api/v1/query' || !script || !variant) {
      res.statusCode = 400;
      res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: `unexpected query ${query}` }));
      return;
    }
    const n = calls.get(query) ?? 0;
    calls.set(query, n + 1);
    const sample = script[Math.min(n, script.length - 1)][variant];
    const value = sample === null ? undefined
      : query.startsWith('histogram_quantile') ? sample.p95_ms / 1000
        : query.includes('or vector(0)') ? sample.error_rate
          : sample.requests;
    const time = Number(url.searchParams.get('time') ?? Date.now() / 1000);
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: value === undefined ? [] : [{ metric: {}, value: [time, String(value)] }] } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

async function eventually<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const NS = 'default';
let api: KubeApiServer;
let prometheus: Awaited<ReturnType<typeof startPrometheusStub>>;
let triton: Awaited<ReturnType<typeof startScriptedServer>>;
let manager: Manager;
let client: KubeClient;
const registry = new Registry();

const get = (kind: string, apiVersion: string, name: string) => api.objects(apiVersion, kind, NS).find((o) => o.metadata.name === name) as (KubeObject & Record<string, any>) | undefined;
const rollout = (name: string) => get('ModelRollout', 'gogooku3.io/v1alpha1', name);
const featureSet = (name: string) => get('FeatureSet', 'gogooku3.io/v1alpha1', name);
const condition = (o: Record<string, any> | undefined, type: string) => o?.status?.conditions?.find((c: { type: string }) => c.type === type);

/** The challenger's weight in the shared router weights ConfigMap (0 when the variant is absent). */
function configMapWeight(model: string): number | undefined {
  const cm = get('ConfigMap', 'v1', 'router-weights');
  if (!cm) return undefined;
  const route = JSON.parse(cm.data['weights.json']).models.find((m: { name: string }) => m.name === model);
  if (!route) return undefined;
  return route.variants.find((v: { name: string }) => v.name === 'challenger')?.weight ?? 0;
}

/** Records every distinct challenger weight the ConfigMap shows for `model`, until stopped. */
function watchWeights(model: string): { seen: number[]; stop(): void } {
  const seen: number[] = [];
  const timer = setInterval(() => {
    const w = configMapWeight(model);
    if (w !== undefined && seen[seen.length - 1] !== w) seen.push(w);
  }, 10);
  return { seen, stop: () => clearInterval(timer) };
}

function modelRollout(name: string, model: string, analysis: Record<string, unknown>, extra: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'gogooku3.io/v1alpha1',
    kind: 'ModelRollout',
    metadata: { name, namespace: NS },
    spec: {
      model,
      champion: { version: 3 },
      challenger: { version: 4 },
      steps: [10, 25, 100],
      analysis: { interval: '250ms', minRequests: 100, ...analysis },
      prometheus: { url: prometheus.url, timeout: '2s' },
      trafficTarget: { configMap: { name: 'router-weights' } },
      ...extra,
    },
  };
}

beforeAll(async () => {
  api = await startKubeApiServer();
  prometheus = await startPrometheusStub({
    healthy: [HEALTHY],
    flaky: [HEALTHY, BREACH, HEALTHY],
    broken: [BREACH],
    silent: [NO_TRAFFIC],
    manual: [NO_TRAFFIC],
    chaos: [HEALTHY],
    restart: [HEALTHY],
    'delete-mid': [HEALTHY, NO_TRAFFIC],
    'delete-promoted': [HEALTHY],
    unwritable: [NO_TRAFFIC],
  });
  triton = await startScriptedServer((_req, res) => { res.writeHead(200, { 'content-type': 'application/json' }); res.end('{}'); });
  client = createKubeClient(api.kubeConfig(), { fieldManager: 'test' });
  // Another model's route in the shared ConfigMap: every rollout must keep it.
  await client.create({
    apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'router-weights', namespace: NS },
    data: { 'weights.json': JSON.stringify({ models: [{ name: 'other', sticky: true, variants: [{ name: 'main', version: 7, weight: 1 }] }] }) },
  });
  manager = createManager({ kubeConfig: api.kubeConfig(), reconcilers: operatorReconcilers({ registry }), resyncMs: 0, workers: 4, queueBackoff: { baseMs: 20, capMs: 500 }, watchBackoff: { baseMs: 50, capMs: 500 } });
  await manager.start();
});

afterAll(async () => {
  await manager?.stop();
  await prometheus?.close();
  await triton?.close();
  await api?.close();
});

describe('ModelRollout controller', () => {
  it('healthy: 10, 25, 100 %, Promoted; the weights ConfigMap follows each step and keeps other models', async () => {
    const weights = watchWeights('healthy');
    await client.create(modelRollout('r-healthy', 'healthy', {}, { triton: { url: triton.url } }));
    const done = await eventually('Promoted', () => (rollout('r-healthy')?.status?.phase === 'Promoted' ? rollout('r-healthy') : undefined));
    await eventually('weight 100 in the ConfigMap', () => configMapWeight('healthy') === 100);
    weights.stop();
    expect(weights.seen).toEqual([10, 25, 100]);
    expect(done.status.history.map((h: { event: string }) => h.event)).toEqual(['Started', 'Advanced', 'Advanced', 'Promoted']);
    expect(condition(done, 'Promoted')).toMatchObject({ status: 'True', reason: 'AnalysisPassed', observedGeneration: 1 });
    expect(condition(done, 'Progressing')).toMatchObject({ status: 'False' });
    const config = JSON.parse(get('ConfigMap', 'v1', 'router-weights')!.data['weights.json']);
    expect(config.models.find((m: { name: string }) => m.name === 'other')).toEqual({ name: 'other', sticky: true, variants: [{ name: 'main', version: 7, weight: 1 }] });
    expect(config.models.find((m: { name: string }) => m.name === 'healthy').variants).toEqual([{ name: 'challenger', version: 4, weight: 100 }]);
    // The challenger was loaded in Triton before it took traffic.
    const loads = triton.requests.filter((r) => r.path === '/v2/repository/models/healthy/load');
    expect(loads.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(JSON.parse(loads[0].body).parameters.config)).toEqual({ version_policy: { specific: { versions: [3, 4] } } });
    // Events are recorded right after the status write that made the transition.
    const reasons = await eventually('Promoted event', () => {
      const seen = api.objects('v1', 'Event', NS).filter((e) => e.involvedObject?.name === 'r-healthy').map((e) => e.reason);
      return seen.includes('Promoted') ? seen : undefined;
    });
    expect(reasons).toEqual(expect.arrayContaining(['Started', 'Advanced', 'Promoted']));
    const text = await registry.metrics();
    expect(text).toContain(`${ROLLOUT_METRICS.challengerWeight}{rollout="default/r-healthy"} 100`);
    expect(text).toContain(`${ROLLOUT_METRICS.phase}{rollout="default/r-healthy",phase="Promoted"} 1`);
    expect(text).toMatch(new RegExp(`${ROLLOUT_METRICS.transitions}\\{rollout="default/r-healthy",event="Advanced"\\} 2`));
  });

  it('a breach at 25 % goes back to 10 %, then the rollout recovers', async () => {
    const weights = watchWeights('flaky');
    await client.create(modelRollout('r-flaky', 'flaky', { failureLimit: 2 }));
    const done = await eventually('Promoted', () => (rollout('r-flaky')?.status?.phase === 'Promoted' ? rollout('r-flaky') : undefined));
    await eventually('weight 100', () => configMapWeight('flaky') === 100);
    weights.stop();
    expect(weights.seen).toEqual([10, 25, 10, 25, 100]);
    expect(done.status.failures).toBe(1);
    expect(done.status.history.map((h: { event: string }) => h.event)).toEqual(['Started', 'Advanced', 'Failed', 'Advanced', 'Advanced', 'Promoted']);
  });

  it('a persistent breach rolls back to 0 % and unloads the challenger from Triton', async () => {
    await client.create(modelRollout('r-broken', 'broken', { failureLimit: 1 }, { triton: { url: triton.url } }));
    const done = await eventually('RolledBack', () => (rollout('r-broken')?.status?.phase === 'RolledBack' ? rollout('r-broken') : undefined));
    await eventually('weight 0', () => configMapWeight('broken') === 0);
    expect(done.status.challengerWeight).toBe(0);
    expect(condition(done, 'RolledBack')).toMatchObject({ status: 'True', reason: 'FailureLimitExceeded' });
    const route = JSON.parse(get('ConfigMap', 'v1', 'router-weights')!.data['weights.json']).models.find((m: { name: string }) => m.name === 'broken');
    expect(route.variants).toEqual([{ name: 'champion', version: 3, weight: 100 }]);
    await eventually('champion-only Triton load', () => {
      const loads = triton.requests.filter((r) => r.path === '/v2/repository/models/broken/load').map((r) => JSON.parse(JSON.parse(r.body).parameters.config).version_policy.specific.versions);
      return JSON.stringify(loads) === JSON.stringify([[3, 4], [3]]);
    });
  });

  it('no traffic: holds at 10 % and pauses after inconclusiveLimit intervals, never promoting', async () => {
    await client.create(modelRollout('r-silent', 'silent', { inconclusiveLimit: 3 }));
    const done = await eventually('Paused', () => (rollout('r-silent')?.status?.phase === 'Paused' ? rollout('r-silent') : undefined));
    expect(done.status.challengerWeight).toBe(10);
    expect(done.status.history.map((h: { event: string }) => h.event)).toEqual(['Started', 'Held', 'Held', 'Paused']);
    expect(condition(done, 'Paused')).toMatchObject({ status: 'True', reason: 'InconclusiveAnalysis' });
    expect(condition(done, 'Paused').message).toMatch(/3 inconclusive intervals/);
    await new Promise((r) => setTimeout(r, 600));
    expect(rollout('r-silent')!.status.phase).toBe('Paused');
    expect(configMapWeight('silent')).toBe(10);
  });

  it('manual abort (through the CLI path) and retry (a bare annotation) run once each', async () => {
    await client.create(modelRollout('r-manual', 'manual', { inconclusiveLimit: 1000 }));
    await eventually('Progressing at 10', () => rollout('r-manual')?.status?.challengerWeight === 10 && configMapWeight('manual') === 10);
    await requestRolloutAction(api.kubeConfig(), { namespace: NS, name: 'r-manual', verb: 'abort' });
    const aborted = await eventually('Aborted', () => (rollout('r-manual')?.status?.phase === 'Aborted' ? rollout('r-manual') : undefined));
    await eventually('annotation removed', () => rollout('r-manual')!.metadata.annotations?.[ACTION_ANNOTATION] === undefined);
    await eventually('weight 0', () => configMapWeight('manual') === 0);
    expect(aborted.status.lastActionNonce).toEqual(expect.any(String));
    expect(condition(aborted, 'Aborted')).toMatchObject({ status: 'True', reason: 'ManualAbort' });

    await client.mergePatch({ apiVersion: 'gogooku3.io/v1alpha1', kind: 'ModelRollout', namespace: NS, name: 'r-manual' }, { metadata: { annotations: { [ACTION_ANNOTATION]: 'retry' } } });
    await eventually('Progressing again', () => rollout('r-manual')?.status?.phase === 'Progressing' && configMapWeight('manual') === 10);
    await eventually('annotation removed', () => rollout('r-manual')!.metadata.annotations?.[ACTION_ANNOTATION] === undefined);
    await new Promise((r) => setTimeout(r, 400));
    const events = rollout('r-manual')!.status.history.map((h: { event: string }) => h.event).filter((e: string) => e !== 'Held');
    expect(events).toEqual(['Started', 'Aborted', 'Retried']);
  });

  it('a new challenger restarts the analysis; an HTTPRoute target gets the same weights', async () => {
    await client.create({
      apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'infer', namespace: NS },
      spec: { parentRefs: [{ name: 'gw' }], rules: [{ backendRefs: [{ name: 'restart-v3', port: 80, weight: 100 }, { name: 'restart-v4', port: 80, weight: 0 }] }] },
    });
    const weights = () => get('HTTPRoute', 'gateway.networking.k8s.io/v1', 'infer')!.spec.rules[0].backendRefs.map((b: { weight: number }) => b.weight);
    await client.create(modelRollout('r-restart', 'restart', {}, {
      trafficTarget: { configMap: { name: 'router-weights' }, httpRoute: { name: 'infer', championBackend: 'restart-v3', challengerBackend: 'restart-v4' } },
    }));
    await eventually('Promoted', () => rollout('r-restart')?.status?.phase === 'Promoted');
    await eventually('HTTPRoute at 0/100', () => JSON.stringify(weights()) === '[0,100]');
    await client.mergePatch({ apiVersion: 'gogooku3.io/v1alpha1', kind: 'ModelRollout', namespace: NS, name: 'r-restart' }, { spec: { challenger: { version: 5 } } });
    const again = await eventually('Promoted for version 5', () => {
      const r = rollout('r-restart');
      return r?.status?.analysedChallenger === '5' && r.status.phase === 'Promoted' ? r : undefined;
    });
    expect(again.status.history.map((h: { event: string }) => h.event)).toEqual(['Started', 'Advanced', 'Advanced', 'Promoted', 'Started', 'Advanced', 'Advanced', 'Promoted']);
    expect(condition(again, 'Promoted')).toMatchObject({ observedGeneration: 2 });
    await eventually('challenger version 5 in the ConfigMap', () => {
      const route = JSON.parse(get('ConfigMap', 'v1', 'router-weights')!.data['weights.json']).models.find((m: { name: string }) => m.name === 'restart');
      return JSON.stringify(route.variants) === JSON.stringify([{ name: 'challenger', version: 5, weight: 100 }]);
    });
  });

  it('a Prometheus that errors is no data: the rollout holds and pauses, it never fails', async () => {
    // The stub has no script for this model and answers every query with a Prometheus error.
    await client.create(modelRollout('r-outage', 'unscripted', { inconclusiveLimit: 2, failureLimit: 0 }));
    const r = await eventually('Paused', () => (rollout('r-outage')?.status?.phase === 'Paused' ? rollout('r-outage') : undefined));
    expect(r.status).toMatchObject({ failures: 0, challengerWeight: 10 });
    expect(r.status.history[r.status.history.length - 1].reason).toMatch(/no data for the interval; Prometheus query failed \(bad_data\)/);
  });

  it('a rollout without a traffic target is reported as InvalidSpec', async () => {
    const bad = modelRollout('r-bad', 'bad', {});
    delete (bad.spec as Record<string, unknown>).trafficTarget;
    await client.create(bad);
    const r = await eventually('InvalidSpec', () => (condition(rollout('r-bad'), 'Ready')?.reason === 'InvalidSpec' ? rollout('r-bad') : undefined));
    expect(condition(r, 'Ready')).toMatchObject({ status: 'False', observedGeneration: 1 });
    expect(condition(r, 'Ready').message).toMatch(/spec\.trafficTarget: expected \{ configMap\?, httpRoute\? \}/);
    expect(r.status.challengerWeight).toBe(0);
  });

  it('converges to Promoted through an API server restart and injected conflicts', async () => {
    const weights = watchWeights('chaos');
    await client.create(modelRollout('r-chaos', 'chaos', {}, { analysis: { interval: '400ms', minRequests: 100 } }));
    await eventually('first step', () => configMapWeight('chaos') === 10);
    api.injectConflicts(4);
    await api.restart(300);
    const done = await eventually('Promoted', () => (rollout('r-chaos')?.status?.phase === 'Promoted' ? rollout('r-chaos') : undefined), 30_000);
    await eventually('weight 100', () => configMapWeight('chaos') === 100);
    weights.stop();
    expect(weights.seen).toEqual([10, 25, 100]);
    expect(done.status.history.map((h: { event: string }) => h.event)).toEqual(['Started', 'Advanced', 'Advanced', 'Promoted']);
  });
});

describe('ModelRollout deletion (finalizer gogooku3.io/rollout-cleanup)', () => {
  const FINALIZER = 'gogooku3.io/rollout-cleanup';
  const ref = (name: string) => ({ apiVersion: 'gogooku3.io/v1alpha1', kind: 'ModelRollout', namespace: NS, name });
  const variants = (cm: string, model: string) => JSON.parse(get('ConfigMap', 'v1', cm)!.data['weights.json']).models.find((m: { name: string }) => m.name === model)?.variants;
  const tritonLoads = (model: string) => triton.requests.filter((r) => r.path === `/v2/repository/models/${model}/load`)
    .map((r) => JSON.parse(JSON.parse(r.body).parameters.config).version_policy.specific.versions);

  it('deleted at 25 %: the champion gets all traffic back, Triton drops the challenger, the object goes', async () => {
    await client.create(modelRollout('r-delete-mid', 'delete-mid', { inconclusiveLimit: 1000 }, { triton: { url: triton.url } }));
    await eventually('Progressing at 25', () => rollout('r-delete-mid')?.status?.challengerWeight === 25 && configMapWeight('delete-mid') === 25);
    expect(rollout('r-delete-mid')!.metadata.finalizers).toEqual([FINALIZER]);
    await client.delete(ref('r-delete-mid'));
    await eventually('object gone', () => rollout('r-delete-mid') === undefined);
    expect(variants('router-weights', 'delete-mid')).toEqual([{ name: 'champion', version: 3, weight: 100 }]);
    expect(variants('router-weights', 'other')).toEqual([{ name: 'main', version: 7, weight: 1 }]);
    expect(tritonLoads('delete-mid')).toEqual([[3, 4], [3]]);
    const reasons = api.objects('v1', 'Event', NS).filter((e) => e.involvedObject?.name === 'r-delete-mid').map((e) => e.reason);
    expect(reasons).toContain('CleanedUp');
    // /metrics forgets the rollout: no weight or phase series outlives the object
    await eventually('series dropped', async () => !(await registry.metrics()).includes('rollout="default/r-delete-mid"'));
  });

  it('a Promoted rollout is deleted without touching the weights', async () => {
    await client.create(modelRollout('r-delete-promoted', 'delete-promoted', {}));
    await eventually('Promoted at 100', () => rollout('r-delete-promoted')?.status?.phase === 'Promoted' && configMapWeight('delete-promoted') === 100);
    const before = variants('router-weights', 'delete-promoted');
    await client.delete(ref('r-delete-promoted'));
    await eventually('object gone', () => rollout('r-delete-promoted') === undefined);
    expect(before).toEqual([{ name: 'challenger', version: 4, weight: 100 }]);
    expect(variants('router-weights', 'delete-promoted')).toEqual(before);
  });

  it('an unwritable traffic target keeps the finalizer, retried until the target is fixed', async () => {
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad-weights', namespace: NS }, data: { 'weights.json': '{not json' } });
    await client.create(modelRollout('r-unwritable', 'unwritable', { inconclusiveLimit: 1000 }, { trafficTarget: { configMap: { name: 'bad-weights' } } }));
    await eventually('finalizer and TrafficNotApplied', () => rollout('r-unwritable')?.metadata.finalizers?.includes(FINALIZER) && condition(rollout('r-unwritable'), 'Ready')?.reason === 'TrafficNotApplied');
    await client.delete(ref('r-unwritable'));
    await eventually('CleanupFailed event', () => api.objects('v1', 'Event', NS).some((e) => e.involvedObject?.name === 'r-unwritable' && e.reason === 'CleanupFailed'));
    await new Promise((r) => setTimeout(r, 600));
    const stuck = rollout('r-unwritable');
    expect(stuck?.metadata.deletionTimestamp).toEqual(expect.any(String));
    expect(stuck?.metadata.finalizers).toEqual([FINALIZER]);
    expect(get('ConfigMap', 'v1', 'bad-weights')!.data['weights.json']).toBe('{not json');
    // Fixing the target is enough: the backoff retry finishes the cleanup.
    const cm = get('ConfigMap', 'v1', 'bad-weights')!;
    await client.replace({ ...cm, data: { 'weights.json': JSON.stringify({ models: [{ name: 'other', variants: [{ name: 'main', version: 1, weight: 1 }] }] }) } });
    await eventually('object gone', () => rollout('r-unwritable') === undefined);
    expect(variants('bad-weights', 'unwritable')).toEqual([{ name: 'champion', version: 3, weight: 100 }]);
  });
});

describe('FeatureSet controller', () => {
  const FS_API = 'gogooku3.io/v1alpha1';
  const fsRef = (name: string) => ({ apiVersion: FS_API, kind: 'FeatureSet', namespace: NS, name });
  const spec = {
    featureManifest: { name: 'prime', version: '2.0.0' },
    pipelineImage: 'ghcr.io/gogooku3/pipelines:1',
    jquants: { credentialsSecretRef: { name: 'jq' } },
    stores: { objectStore: { url: 's3://features/daily' }, dwh: { url: 'clickhouse://dwh:8123/db' }, online: { url: 'redis://online:6379/0' } },
    backfill: { from: '2024-01-04' },
    training: { image: 'ghcr.io/gogooku3/train:1', command: ['python', 'train.py'], gpus: 1, schedule: '0 20 * * 1-5', maxConcurrentGpuJobs: 1 },
  };
  const names = ['fs1-pipeline', 'fs1-manifest', 'fs1-daily', 'fs1-backfill-2024-01-04', 'fs1-train'];
  const owned = (uid: string) => [['v1', 'ServiceAccount'], ['v1', 'ConfigMap'], ['batch/v1', 'CronJob'], ['batch/v1', 'Job']]
    .flatMap(([apiVersion, kind]) => api.objects(apiVersion, kind, NS))
    .filter((o) => o.metadata.ownerReferences?.some((r: { uid: string; controller: boolean }) => r.uid === uid && r.controller));

  it('creates the owned children, then follows spec changes, runs, the backfill, the GPU cap and training removal', async () => {
    await client.create({ apiVersion: FS_API, kind: 'FeatureSet', metadata: { name: 'fs1', namespace: NS }, spec });
    const fs = await eventually('Ready', () => (condition(featureSet('fs1'), 'Ready')?.status === 'True' ? featureSet('fs1') : undefined));
    expect(owned(fs.metadata.uid!).map((o) => o.metadata.name).sort()).toEqual([...names].sort());
    expect(condition(fs, 'Scheduled')).toMatchObject({ status: 'True', reason: 'CronJobScheduled', observedGeneration: 1 });
    expect(condition(fs, 'LastRunSucceeded')).toMatchObject({ status: 'Unknown', reason: 'NoFinishedRun' });
    expect(condition(fs, 'TrainingThrottled')).toMatchObject({ status: 'False' });
    expect(get('CronJob', 'batch/v1', 'fs1-daily')!.spec.schedule).toBe('0 16 * * 1-5');

    // A spec change updates the CronJob in place.
    await client.mergePatch(fsRef('fs1'), { spec: { schedule: { afterCloseMinutes: 45 } } });
    await eventually('new schedule', () => get('CronJob', 'batch/v1', 'fs1-daily')?.spec.schedule === '15 16 * * 1-5');
    await eventually('observedGeneration 2', () => featureSet('fs1')?.status?.observedGeneration === 2);

    // A daily run succeeded: the CronJob's status change brings the FeatureSet's status up to date.
    const daily = get('CronJob', 'batch/v1', 'fs1-daily')!;
    const run = await client.create({
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: { name: 'fs1-daily-29000000', namespace: NS, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'fs1-daily', uid: daily.metadata.uid!, controller: true }] },
      spec: { template: { spec: { containers: [], restartPolicy: 'Never' } } },
    });
    const finished = new Date(Date.now() - 2_000).toISOString();
    await client.replaceStatus({ ...run, status: { startTime: finished, completionTime: finished, succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } });
    await client.replaceStatus({ ...daily, status: { lastScheduleTime: finished, lastSuccessfulTime: finished } });
    const afterRun = await eventually('LastRunSucceeded and lastScheduleTime', () => {
      const fs1 = featureSet('fs1');
      return condition(fs1, 'LastRunSucceeded')?.status === 'True' && fs1?.status.lastScheduleTime === finished ? fs1 : undefined;
    });
    expect(afterRun.status).toMatchObject({ lastScheduleTime: finished, lastSuccessfulTime: finished, lastRunId: 'fs1-daily-29000000', freshnessMinutes: 0 });
    expect(condition(afterRun, 'Stale')).toMatchObject({ status: 'False', reason: 'Fresh' });

    // The backfill completes: remembered in status, its Job deleted and never recreated.
    const backfill = get('Job', 'batch/v1', 'fs1-backfill-2024-01-04')!;
    await client.replaceStatus({ ...backfill, status: { succeeded: 1, conditions: [{ type: 'Complete', status: 'True' }] } });
    await eventually('backfill recorded', () => featureSet('fs1')?.status?.backfillCompletedFrom === '2024-01-04');
    await eventually('backfill Job deleted', () => get('Job', 'batch/v1', 'fs1-backfill-2024-01-04') === undefined);

    // Another FeatureSet's GPU training Job is running: at the cap, this one's training CronJob is suspended.
    await client.create({
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: { name: 'other-train-1', namespace: NS, labels: { 'app.kubernetes.io/component': 'train', 'app.kubernetes.io/managed-by': 'gogooku3-operator' } },
      spec: { template: { spec: { containers: [], restartPolicy: 'Never' } } },
    });
    await client.mergePatch(fsRef('fs1'), { spec: { retries: 3 } });
    await eventually('training throttled', () => get('CronJob', 'batch/v1', 'fs1-train')?.spec.suspend === true && condition(featureSet('fs1'), 'TrainingThrottled')?.status === 'True');
    expect(get('CronJob', 'batch/v1', 'fs1-daily')!.spec.suspend).toBe(false);
    expect(get('CronJob', 'batch/v1', 'fs1-daily')!.spec.jobTemplate.spec.backoffLimit).toBe(3);

    // Training removed: its CronJob goes; the backfill stays done.
    await client.mergePatch(fsRef('fs1'), { spec: { training: null } });
    await eventually('training CronJob deleted', () => get('CronJob', 'batch/v1', 'fs1-train') === undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(get('Job', 'batch/v1', 'fs1-backfill-2024-01-04')).toBeUndefined();
    const final = featureSet('fs1')!;
    expect(condition(final, 'TrainingThrottled')).toBeUndefined();
    expect(condition(final, 'Ready')).toMatchObject({ status: 'True', observedGeneration: final.metadata.generation });
  });

  it('suspend suspends the CronJobs and the Scheduled condition says so', async () => {
    await client.create({ apiVersion: FS_API, kind: 'FeatureSet', metadata: { name: 'fs-suspended', namespace: NS }, spec: { ...spec, backfill: undefined, suspend: true } });
    await eventually('suspended CronJobs', () => get('CronJob', 'batch/v1', 'fs-suspended-daily')?.spec.suspend === true && get('CronJob', 'batch/v1', 'fs-suspended-train')?.spec.suspend === true);
    const fs = await eventually('Scheduled False', () => (condition(featureSet('fs-suspended'), 'Scheduled')?.status === 'False' ? featureSet('fs-suspended') : undefined));
    expect(condition(fs, 'Scheduled').reason).toBe('Suspended');
    expect(condition(fs, 'Stale')).toMatchObject({ status: 'False', reason: 'Suspended' });
  });

  it('a name taken by an object it does not control is reported, not adopted', async () => {
    await client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fs-taken-manifest', namespace: NS }, data: { mine: 'yes' } });
    await client.create({ apiVersion: FS_API, kind: 'FeatureSet', metadata: { name: 'fs-taken', namespace: NS }, spec: { ...spec, backfill: undefined, training: undefined } });
    const fs = await eventually('ChildrenNotApplied', () => (condition(featureSet('fs-taken'), 'Ready')?.reason === 'ChildrenNotApplied' ? featureSet('fs-taken') : undefined));
    expect(condition(fs, 'Ready').message).toMatch(/create ConfigMap fs-taken-manifest \(it exists and is not controlled by this FeatureSet\)/);
    expect(get('ConfigMap', 'v1', 'fs-taken-manifest')!.data).toEqual({ mine: 'yes' });
    expect(get('CronJob', 'batch/v1', 'fs-taken-daily')).toBeDefined();
  });

  it('an invalid spec is reported as Ready=False InvalidSpec, without children', async () => {
    await client.create({ apiVersion: FS_API, kind: 'FeatureSet', metadata: { name: 'fs-bad', namespace: NS }, spec: { ...spec, schedule: { afterCloseMinutes: 900 } } });
    const fs = await eventually('InvalidSpec', () => (condition(featureSet('fs-bad'), 'Ready')?.reason === 'InvalidSpec' ? featureSet('fs-bad') : undefined));
    expect(condition(fs, 'Ready')).toMatchObject({ status: 'False', observedGeneration: 1 });
    expect(condition(fs, 'Ready').message).toMatch(/schedule\.afterCloseMinutes: expected an integer 0\.\.720, got 900/);
    expect(owned(fs.metadata.uid!)).toEqual([]);
    // Fixing the spec recovers.
    await client.mergePatch(fsRef('fs-bad'), { spec: { schedule: { afterCloseMinutes: 30 } } });
    await eventually('Ready after the fix', () => condition(featureSet('fs-bad'), 'Ready')?.status === 'True');
  });
});
