import { Registry } from 'prom-client';
import { Informer, type WatchEventType, type WatchSource } from './informer';
import { runtimeMetrics } from './metrics';
import type { KubeObject } from './types';

const CM = { apiVersion: 'v1', kind: 'ConfigMap' };
const obj = (name: string, rv: string, owner?: string): KubeObject => ({
  ...CM,
  metadata: { name, namespace: 'ns', resourceVersion: rv, ...(owner ? { ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'o', uid: owner, controller: true }] } : {}) },
});

interface OpenWatch {
  resourceVersion: string;
  emit(type: WatchEventType, object: Record<string, unknown>): void;
  end(err?: unknown): void;
  aborted: boolean;
}

/** A scripted server: lists return `state`, watches are handed to the test to drive. */
function fakeSource() {
  const state = { items: [] as KubeObject[], resourceVersion: '1', listCalls: 0, listError: undefined as unknown };
  const watches: OpenWatch[] = [];
  const source: WatchSource = {
    async list() {
      state.listCalls++;
      if (state.listError) throw state.listError;
      return { items: state.items.map((i) => structuredClone(i)), resourceVersion: state.resourceVersion };
    },
    async watch(_type, options, onEvent, onDone) {
      const w: OpenWatch = {
        resourceVersion: options.resourceVersion,
        emit: (t, o) => onEvent(t, structuredClone(o)),
        end: (err) => onDone(err),
        aborted: false,
      };
      watches.push(w);
      return { abort: () => { w.aborted = true; } };
    },
  };
  return { state, watches, source };
}

const tick = () => new Promise((r) => setImmediate(r));
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(check()).toBe(true);
}

function record(informer: Informer): string[] {
  const log: string[] = [];
  informer.addHandlers({
    add: (o) => log.push(`add ${o.metadata.name}@${o.metadata.resourceVersion}`),
    update: (a, b) => log.push(`update ${b.metadata.name}@${a.metadata.resourceVersion}->${b.metadata.resourceVersion}`),
    delete: (o) => log.push(`delete ${o.metadata.name}`),
  });
  return log;
}

describe('Informer', () => {
  const informers: Informer[] = [];
  const make = (source: WatchSource, registry = new Registry()) => {
    const inf = new Informer({ type: CM, source, backoff: { baseMs: 1, capMs: 4 }, metrics: runtimeMetrics(registry) });
    informers.push(inf);
    return inf;
  };
  afterEach(async () => {
    await Promise.all(informers.splice(0).map((i) => i.stop()));
  });

  it('lists, then watches from the list resourceVersion, applying events and bookmarks in order', async () => {
    const { state, watches, source } = fakeSource();
    state.items = [obj('a', '5', 'u1'), obj('b', '6')];
    state.resourceVersion = '7';
    const inf = make(source);
    const log = record(inf);
    inf.start();
    await inf.waitForSync();
    await until(() => watches.length === 1);
    expect(watches[0].resourceVersion).toBe('7');
    const w = watches[0];
    w.emit('ADDED', obj('c', '8', 'u1'));
    w.emit('MODIFIED', obj('a', '9'));
    w.emit('DELETED', obj('b', '10'));
    w.emit('BOOKMARK', { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '15' } });
    expect(log).toEqual(['add a@5', 'add b@6', 'add c@8', 'update a@5->9', 'delete b']);
    expect(inf.lastSyncResourceVersion()).toBe('15');
    expect(inf.cache.list().map((o) => o.metadata.name).sort()).toEqual(['a', 'c']);
    expect(inf.cache.byOwner('u1').map((o) => o.metadata.name)).toEqual(['c']); // a lost its owner in the update
    expect(inf.cache.list('ns')).toHaveLength(2);
    expect(inf.cache.list('other')).toEqual([]);

    // A clean close reconnects at once from the bookmark's resourceVersion.
    w.end();
    await until(() => watches.length === 2);
    expect(watches[1].resourceVersion).toBe('15');
    expect(state.listCalls).toBe(1);
  });

  it.each<[string, (w: OpenWatch) => void]>([
    ['an ERROR event with code 410', (w) => w.emit('ERROR', { kind: 'Status', code: 410, reason: 'Expired' })],
    ['an HTTP 410 answer', (w) => w.end(Object.assign(new Error('Gone'), { statusCode: 410 }))],
  ])('on %s it relists and replaces the cache, emitting the differences', async (_name, expire) => {
    const { state, watches, source } = fakeSource();
    state.items = [obj('keep', '1'), obj('change', '2'), obj('gone', '3')];
    state.resourceVersion = '3';
    const registry = new Registry();
    const inf = make(source, registry);
    inf.start();
    await inf.waitForSync();
    await until(() => watches.length === 1);
    const log = record(inf);
    log.length = 0;
    state.items = [obj('keep', '1'), obj('change', '7'), obj('new', '8')];
    state.resourceVersion = '9';
    expire(watches[0]);
    await until(() => watches.length === 2);
    expect(watches[0].aborted).toBe(true);
    expect(state.listCalls).toBe(2);
    expect(watches[1].resourceVersion).toBe('9');
    expect(log).toEqual(['update change@2->7', 'add new@8', 'delete gone']);
    const restarts = await registry.getSingleMetric('operator_watch_restarts_total')!.get();
    expect(restarts.values).toEqual([expect.objectContaining({ labels: { resource: 'v1/ConfigMap', reason: 'gone' }, value: 1 })]);
  });

  it('reconnects after failed watches from the same resourceVersion, counting restarts by reason', async () => {
    const { state, watches, source } = fakeSource();
    state.resourceVersion = '4';
    const registry = new Registry();
    const inf = make(source, registry);
    inf.start();
    await until(() => watches.length === 1);
    for (let i = 1; i <= 3; i++) {
      watches[i - 1].end(new Error('ECONNRESET'));
      await until(() => watches.length === i + 1);
      expect(watches[i].resourceVersion).toBe('4');
    }
    expect(state.listCalls).toBe(1);
    const restarts = await registry.getSingleMetric('operator_watch_restarts_total')!.get();
    expect(restarts.values[0]).toMatchObject({ labels: { reason: 'error' }, value: 3 });
  });

  it('retries a failing list and reports synced only once a list succeeded', async () => {
    const { state, source } = fakeSource();
    state.listError = new Error('connection refused');
    const inf = make(source);
    inf.start();
    await until(() => state.listCalls >= 3);
    expect(inf.hasSynced()).toBe(false);
    state.listError = undefined;
    await inf.waitForSync();
    expect(inf.hasSynced()).toBe(true);
  });

  it('ignores events from a watch it already abandoned, and stop() aborts the open watch', async () => {
    const { watches, source } = fakeSource();
    const inf = make(source);
    const log = record(inf);
    inf.start();
    await until(() => watches.length === 1);
    watches[0].emit('ERROR', { code: 500, message: 'boom' });
    watches[0].emit('ADDED', obj('late', '99'));
    await until(() => watches.length === 2);
    expect(log).toEqual([]);
    await inf.stop();
    expect(watches[1].aborted).toBe(true);
  });

  it('a handler added later first receives the cached objects as adds; a throwing handler does not stop others', async () => {
    const { state, watches, source } = fakeSource();
    state.items = [obj('a', '1')];
    const inf = make(source);
    inf.addHandlers({ add: () => { throw new Error('bad handler'); } });
    inf.start();
    await inf.waitForSync();
    const log = record(inf);
    expect(log).toEqual(['add a@1']);
    await until(() => watches.length === 1);
    watches[0].emit('ADDED', obj('b', '2'));
    expect(log).toEqual(['add a@1', 'add b@2']);
    inf.resync();
    expect(log.slice(2).sort()).toEqual(['update a@1->1', 'update b@2->2']);
    await tick();
  });
});

describe('Informer.stop', () => {
  it('returns promptly while a list hangs', async () => {
    const source: WatchSource = {
      list: () => new Promise(() => undefined),
      watch: () => Promise.reject(new Error('unused')),
    };
    const inf = new Informer({ type: CM, source });
    inf.start();
    await new Promise((r) => setTimeout(r, 10));
    const started = Date.now();
    await inf.stop();
    expect(Date.now() - started).toBeLessThan(200);
    expect(inf.hasSynced()).toBe(false);
  });
});
