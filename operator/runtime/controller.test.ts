import { Registry } from 'prom-client';
import { silentLogger } from '../../pipelines/log';
import { Controller } from './controller';
import { Informer, type WatchEventType, type WatchSource } from './informer';
import { runtimeMetrics } from './metrics';
import { ConflictError, TerminalError, type KubeClient, type KubeObject, type ObjectKey, type Reconciler } from './types';

const FS = { apiVersion: 'gogooku3.io/v1alpha1', kind: 'FeatureSet' };
const JOB = { apiVersion: 'batch/v1', kind: 'CronJob' };

/** One scripted watch per type; `emit` pushes events into it. */
function memorySource(initial: Record<string, KubeObject[]>) {
  const emitters = new Map<string, (t: WatchEventType, o: KubeObject) => void>();
  const source: WatchSource = {
    async list(type) {
      return { items: structuredClone(initial[type.kind] ?? []), resourceVersion: '1' };
    },
    async watch(type, _o, onEvent) {
      emitters.set(type.kind, (t, o) => onEvent(t, structuredClone(o) as unknown as Record<string, unknown>));
      return { abort: () => undefined };
    },
  };
  return { source, emit: (kind: string, t: WatchEventType, o: KubeObject) => emitters.get(kind)!(t, o), ready: () => emitters.size };
}

const fs = (name: string, rv: string, generation = 1): KubeObject => ({ ...FS, metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: rv, generation } });
const job = (name: string, owner: string, rv: string): KubeObject => ({
  ...JOB, metadata: { name, namespace: 'ns', resourceVersion: rv, ownerReferences: [{ ...FS, name: owner, uid: `uid-${owner}`, controller: true }] },
});

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
}

describe('Controller', () => {
  let controller: Controller | undefined;
  const informers: Informer[] = [];
  afterEach(async () => {
    await controller?.stop(1000);
    await Promise.all(informers.splice(0).map((i) => i.stop()));
  });

  function run(reconcile: Reconciler['reconcile'], initial: Record<string, KubeObject[]>, registry = new Registry()) {
    const mem = memorySource(initial);
    const metrics = runtimeMetrics(registry);
    const byKind = new Map<string, Informer>();
    for (const type of [FS, JOB]) {
      const inf = new Informer({ type, source: mem.source, metrics });
      informers.push(inf);
      byKind.set(type.kind, inf);
      inf.start();
    }
    const reconciler: Reconciler = { name: 'fs', primary: FS, owns: [JOB], reconcile };
    controller = new Controller({
      reconciler, client: {} as KubeClient, informerFor: (t) => byKind.get(t.kind)!, recordEvent: async () => undefined,
      metrics, logger: silentLogger, workers: 2, backoff: { baseMs: 5, capMs: 40 },
    });
    return { mem, registry, start: () => controller!.start() };
  }

  const results = async (registry: Registry) => Object.fromEntries(
    (await registry.getSingleMetric('operator_reconcile_total')!.get()).values.map((v) => [v.labels.result, v.value]));

  it('enqueues primaries, maps owned objects to their controller owner, and filters status-only updates', async () => {
    const seen: string[] = [];
    const { mem, start } = run(async (key: ObjectKey) => { seen.push(key.name); }, { FeatureSet: [fs('a', '1')], CronJob: [job('a-run', 'a', '1')] });
    await start();
    await until(() => mem.ready() === 2 && seen.length >= 1);
    seen.length = 0;
    mem.emit('FeatureSet', 'MODIFIED', fs('a', '2')); // status write: same generation
    mem.emit('CronJob', 'MODIFIED', job('a-run', 'a', '2'));
    await until(() => seen.length === 1);
    mem.emit('FeatureSet', 'MODIFIED', fs('a', '3', 2));
    await until(() => seen.length === 2);
    mem.emit('CronJob', 'DELETED', job('a-run', 'a', '4'));
    await until(() => seen.length === 3);
    mem.emit('CronJob', 'ADDED', job('stray', 'nobody-of-this-kind', '5'));
    mem.emit('FeatureSet', 'ADDED', fs('b', '6'));
    await until(() => seen.length === 5);
    expect(seen).toEqual(['a', 'a', 'a', 'nobody-of-this-kind', 'b']); // the owner key is enqueued even if the owner is gone
  });

  it('never runs one key concurrently, and a change during a reconcile triggers exactly one more pass', async () => {
    let running = 0;
    let maxRunning = 0;
    let calls = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { mem, start } = run(async () => {
      calls++;
      running++;
      maxRunning = Math.max(maxRunning, running);
      if (calls === 1) await gate;
      running--;
    }, { FeatureSet: [fs('a', '1')] });
    await start();
    await until(() => calls === 1 && mem.ready() === 2);
    for (let g = 2; g < 6; g++) mem.emit('FeatureSet', 'MODIFIED', fs('a', String(g), g));
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBe(1);
    release();
    await until(() => calls === 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBe(2);
    expect(maxRunning).toBe(1);
  });

  it('handles results: requeueAfter, conflict (retried), terminal (not retried), error (backoff)', async () => {
    const calls: Record<string, number> = {};
    const { registry, start } = run(async (key: ObjectKey) => {
      const n = (calls[key.name] = (calls[key.name] ?? 0) + 1);
      if (key.name === 'requeue' && n === 1) return { requeueAfterMs: 10 };
      if (key.name === 'conflict' && n <= 2) throw new ConflictError({ ...FS, ...key });
      if (key.name === 'terminal') throw new TerminalError('spec is invalid');
      if (key.name === 'flaky' && n <= 3) throw new Error('transient');
      return undefined;
    }, { FeatureSet: ['requeue', 'conflict', 'terminal', 'flaky'].map((n) => fs(n, '1')) });
    await start();
    await until(() => calls.requeue === 2 && calls.conflict === 3 && calls.flaky === 4);
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toEqual({ requeue: 2, conflict: 3, terminal: 1, flaky: 4 });
    expect(await results(registry)).toEqual({ requeue: 1, success: 3, conflict: 2, terminal: 1, error: 3 });
    const errors = await registry.getSingleMetric('operator_reconcile_errors_total')!.get();
    expect(errors.values[0].value).toBe(6);
    const duration = await registry.getSingleMetric('operator_reconcile_duration_seconds')!.get();
    expect(duration.values.find((v) => (v as { metricName?: string }).metricName === 'operator_reconcile_duration_seconds_count')!.value).toBe(10);
  });

  it('stop() waits for an in-flight reconcile and aborts its signal at the deadline', async () => {
    let signal: AbortSignal | undefined;
    const { start } = run(async (_key, ctx) => {
      signal = ctx.signal;
      await new Promise<void>((r) => {
        const t = setTimeout(r, 5000);
        ctx.signal.addEventListener('abort', () => { clearTimeout(t); r(); });
      });
    }, { FeatureSet: [fs('slow', '1')] });
    await start();
    await until(() => signal !== undefined);
    const started = Date.now();
    expect(await controller!.stop(50)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(signal!.aborted).toBe(true);
    controller = undefined;
  });
});
