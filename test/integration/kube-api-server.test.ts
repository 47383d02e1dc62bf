/**
 * The in-process Kubernetes API server (test/helpers/kube-api-server), driven only through the real
 * @kubernetes/client-node classes the operator uses, so what passes here is what the controllers will see.
 */
import * as k8s from '@kubernetes/client-node';
import { startKubeApiServer, type KubeApiServer } from '../helpers/kube-api-server';

type Obj = Record<string, any>;

let server: KubeApiServer;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;
let batch: k8s.BatchV1Api;
let apps: k8s.AppsV1Api;
let custom: k8s.CustomObjectsApi;
let coordination: k8s.CoordinationV1Api;
let objects: k8s.KubernetesObjectApi;

beforeAll(async () => {
  server = await startKubeApiServer({ bookmarkIntervalMs: 100 });
  kc = server.kubeConfig();
  core = kc.makeApiClient(k8s.CoreV1Api);
  batch = kc.makeApiClient(k8s.BatchV1Api);
  apps = kc.makeApiClient(k8s.AppsV1Api);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  objects = k8s.KubernetesObjectApi.makeApiClient(kc);
});
afterAll(() => server.close());

let nsCounter = 0;
/** A fresh namespace per test, so tests cannot see each other's objects. */
async function freshNamespace(): Promise<string> {
  const name = `t${++nsCounter}`;
  await core.createNamespace({ body: { metadata: { name } } });
  return name;
}

async function apiError(promise: Promise<unknown>): Promise<{ code: number; status: Obj }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof k8s.ApiException)) throw error;
    return { code: error.code, status: typeof error.body === 'string' ? JSON.parse(error.body) : error.body };
  }
  throw new Error('expected the request to fail');
}

async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Watched { events: Array<{ type: string; object: Obj }>; done: Promise<unknown>; isDone(): boolean; stop(): void }

async function watch(path: string, params: Record<string, string | number | boolean | undefined> = {}): Promise<Watched> {
  const events: Watched['events'] = [];
  let finished = false;
  let resolveDone!: (err: unknown) => void;
  const done = new Promise<unknown>((r) => (resolveDone = r));
  const controller = await new k8s.Watch(kc).watch(path, params, (type, object) => events.push({ type, object }), (err) => {
    finished = true;
    resolveDone(err);
  });
  return { events, done, isDone: () => finished, stop: () => controller.abort() };
}

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = { k: 'v' }): k8s.V1ConfigMap => ({ metadata: { name, labels }, data });

describe('discovery', () => {
  test('KubernetesObjectApi resolves built-in and CRD plurals, /status entries follow their resource', async () => {
    const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toEqual(expect.arrayContaining(['batch', 'apps', 'coordination.k8s.io', 'gogooku3.io', 'rbac.authorization.k8s.io', 'gateway.networking.k8s.io']));
    const list = await kc.makeApiClient(k8s.CustomObjectsApi).getAPIResources({ group: 'gogooku3.io', version: 'v1alpha1' });
    const names = list.resources.map((r) => r.name);
    expect(names).toEqual(['featuresets', 'featuresets/status', 'modelrollouts', 'modelrollouts/status']);
    expect(list.resources[0]).toMatchObject({ kind: 'FeatureSet', namespaced: true, shortNames: ['fs'] });
    expect(list.resources[0].verbs).toEqual(expect.arrayContaining(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']));
    const version = await kc.makeApiClient(k8s.VersionApi).getCode();
    expect(version.major).toBe('1');
  });
});

interface CrudRow {
  what: string;
  create(ns: string, name: string): Promise<Obj>;
  read(ns: string, name: string): Promise<Obj>;
  replace(ns: string, obj: Obj): Promise<Obj>;
  list(ns: string): Promise<Obj>;
  remove(ns: string, name: string): Promise<unknown>;
  mutate(obj: Obj): void;
}

const CRUD: CrudRow[] = [
  {
    what: 'CoreV1Api ConfigMap',
    create: (namespace, name) => core.createNamespacedConfigMap({ namespace, body: cm(name) }),
    read: (namespace, name) => core.readNamespacedConfigMap({ namespace, name }),
    replace: (namespace, obj) => core.replaceNamespacedConfigMap({ namespace, name: obj.metadata.name, body: obj }),
    list: (namespace) => core.listNamespacedConfigMap({ namespace }),
    remove: (namespace, name) => core.deleteNamespacedConfigMap({ namespace, name }),
    mutate: (o) => (o.data = { k: 'changed' }),
  },
  {
    what: 'BatchV1Api Job',
    create: (namespace, name) => batch.createNamespacedJob({ namespace, body: { metadata: { name }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } } } }),
    read: (namespace, name) => batch.readNamespacedJob({ namespace, name }),
    replace: (namespace, obj) => batch.replaceNamespacedJob({ namespace, name: obj.metadata.name, body: obj }),
    list: (namespace) => batch.listNamespacedJob({ namespace }),
    remove: (namespace, name) => batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' }),
    mutate: (o) => (o.spec.backoffLimit = 2),
  },
  {
    what: 'CoordinationV1Api Lease',
    create: (namespace, name) => coordination.createNamespacedLease({ namespace, body: { metadata: { name }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } } }),
    read: (namespace, name) => coordination.readNamespacedLease({ namespace, name }),
    replace: (namespace, obj) => coordination.replaceNamespacedLease({ namespace, name: obj.metadata.name, body: obj }),
    list: (namespace) => coordination.listNamespacedLease({ namespace }),
    remove: (namespace, name) => coordination.deleteNamespacedLease({ namespace, name }),
    mutate: (o) => (o.spec.holderIdentity = 'b'),
  },
  {
    what: 'CustomObjectsApi ModelRollout',
    create: (namespace, name) => custom.createNamespacedCustomObject({ group: 'gogooku3.io', version: 'v1alpha1', namespace, plural: 'modelrollouts', body: { apiVersion: 'gogooku3.io/v1alpha1', kind: 'ModelRollout', metadata: { name }, spec: { model: 'm' } } }),
    read: (namespace, name) => custom.getNamespacedCustomObject({ group: 'gogooku3.io', version: 'v1alpha1', namespace, plural: 'modelrollouts', name }),
    replace: (namespace, obj) => custom.replaceNamespacedCustomObject({ group: 'gogooku3.io', version: 'v1alpha1', namespace, plural: 'modelrollouts', name: obj.metadata.name, body: obj }),
    list: (namespace) => custom.listNamespacedCustomObject({ group: 'gogooku3.io', version: 'v1alpha1', namespace, plural: 'modelrollouts' }),
    remove: (namespace, name) => custom.deleteNamespacedCustomObject({ group: 'gogooku3.io', version: 'v1alpha1', namespace, plural: 'modelrollouts', name }),
    mutate: (o) => (o.spec.model = 'n'),
  },
  {
    what: 'KubernetesObjectApi ClusterRole (cluster-scoped)',
    create: (_ns, name) => objects.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: [] } as k8s.KubernetesObject),
    read: (_ns, name) => objects.read({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name } }),
    replace: (_ns, obj) => objects.replace(obj as k8s.KubernetesObject),
    list: () => objects.list('rbac.authorization.k8s.io/v1', 'ClusterRole'),
    remove: (_ns, name) => objects.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name } }),
    mutate: (o) => (o.rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
  },
];

describe.each(CRUD)('CRUD through $what', (row) => {
  test('create, read, replace, list, delete; second create is AlreadyExists; stale replace is Conflict', async () => {
    const ns = await freshNamespace();
    const name = `obj-${ns}`;
    const created = await row.create(ns, name);
    expect(created.metadata).toMatchObject({ name, generation: 1 });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);

    const dup = await apiError(row.create(ns, name));
    expect(dup.code).toBe(409);
    expect(dup.status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'AlreadyExists', code: 409, details: { name } });

    const read = await row.read(ns, name);
    expect(read.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    row.mutate(read);
    const replaced = await row.replace(ns, read);
    expect(Number(replaced.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    expect(replaced.metadata.generation).toBe(2);

    const stale = await apiError(row.replace(ns, read));
    expect(stale.code).toBe(409);
    expect(stale.status).toMatchObject({ reason: 'Conflict', code: 409 });
    expect(stale.status.message).toContain('the object has been modified');

    const listed = await row.list(ns);
    expect(listed.items.map((i: Obj) => i.metadata.name)).toContain(name);
    expect(Number(listed.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(replaced.metadata.resourceVersion));

    await row.remove(ns, name);
    const gone = await apiError(row.read(ns, name));
    expect(gone.code).toBe(404);
    expect(gone.status).toMatchObject({ reason: 'NotFound', details: { name } });
  });
});

describe('object semantics', () => {
  test('generation moves only with spec; metadata-only changes bump resourceVersion; a no-op write changes nothing', async () => {
    const namespace = await freshNamespace();
    const base = { group: 'gogooku3.io', version: 'v1alpha1', namespace, plural: 'featuresets' };
    const created: Obj = await custom.createNamespacedCustomObject({ ...base, body: { apiVersion: 'gogooku3.io/v1alpha1', kind: 'FeatureSet', metadata: { name: 'fs' }, spec: { a: 1 } } });
    const labelled: Obj = await custom.patchNamespacedCustomObject({ ...base, name: 'fs', body: { metadata: { labels: { x: 'y' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    expect(labelled.metadata.generation).toBe(1);
    expect(Number(labelled.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const same: Obj = await custom.replaceNamespacedCustomObject({ ...base, name: 'fs', body: labelled });
    expect(same.metadata.resourceVersion).toBe(labelled.metadata.resourceVersion);
    const changed: Obj = await custom.patchNamespacedCustomObject({ ...base, name: 'fs', body: { spec: { a: 2 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    expect(changed.metadata.generation).toBe(2);
  });

  test('metadata.generateName, invalid names and path/body mismatches are refused like the real server', async () => {
    const namespace = await freshNamespace();
    const generated = await core.createNamespacedConfigMap({ namespace, body: { metadata: { generateName: 'gen-' } } });
    expect(generated.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/);
    const cases: Array<[string, Promise<unknown>, number, string]> = [
      ['missing name', core.createNamespacedConfigMap({ namespace, body: { metadata: {} } }), 422, 'Invalid'],
      ['upper-case name', core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'Bad' } } }), 422, 'Invalid'],
      ['kind mismatch', core.createNamespacedConfigMap({ namespace, body: { kind: 'Secret', metadata: { name: 'x' } } }), 400, 'BadRequest'],
      ['apiVersion mismatch', batch.createNamespacedJob({ namespace, body: { apiVersion: 'batch/v2', metadata: { name: 'x' } } }), 400, 'BadRequest'],
      ['missing namespace', core.createNamespacedConfigMap({ namespace: 'nope', body: cm('x') }), 404, 'NotFound'],
    ];
    for (const [what, promise, code, reason] of cases) {
      const error = await apiError(promise);
      expect({ what, code: error.code, reason: error.status.reason }).toEqual({ what, code, reason });
    }
  });

  test('status subresource isolation both ways: main writes keep status, /status writes keep spec and generation', async () => {
    const namespace = await freshNamespace();
    const job = await batch.createNamespacedJob({ namespace, body: { metadata: { name: 'j' }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } }, status: { active: 5 } } });
    expect(job.status).toBeUndefined();
    const withStatus = await batch.replaceNamespacedJobStatus({ namespace, name: 'j', body: { ...job, spec: { ...job.spec!, backoffLimit: 9 }, status: { active: 1 } } });
    expect(withStatus.status?.active).toBe(1);
    expect(withStatus.spec?.backoffLimit).toBeUndefined();
    expect(withStatus.metadata?.generation).toBe(1);
    expect(Number(withStatus.metadata?.resourceVersion)).toBeGreaterThan(Number(job.metadata?.resourceVersion));
    const main = await batch.replaceNamespacedJob({ namespace, name: 'j', body: { ...withStatus, spec: { ...withStatus.spec!, backoffLimit: 3 }, status: { active: 99 } } });
    expect(main.status?.active).toBe(1);
    expect(main.spec?.backoffLimit).toBe(3);
    expect(main.metadata?.generation).toBe(2);

    const base = { group: 'gogooku3.io', version: 'v1alpha1', namespace, plural: 'modelrollouts', name: 'mr' };
    await custom.createNamespacedCustomObject({ ...base, body: { apiVersion: 'gogooku3.io/v1alpha1', kind: 'ModelRollout', metadata: { name: 'mr' }, spec: { model: 'm' } } });
    const patched: Obj = await custom.patchNamespacedCustomObjectStatus({ ...base, body: { spec: { model: 'ignored' }, status: { phase: 'Progressing', observedGeneration: 1 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    expect(patched.status).toEqual({ phase: 'Progressing', observedGeneration: 1 });
    expect(patched.spec.model).toBe('m');
    const stale = await apiError(custom.replaceNamespacedCustomObjectStatus({ ...base, body: { ...patched, metadata: { ...patched.metadata, resourceVersion: '1' } } }));
    expect(stale.status.reason).toBe('Conflict');
  });

  test('finalizers: delete marks deletionTimestamp, new finalizers are refused, removing the last one deletes', async () => {
    const namespace = await freshNamespace();
    const w = await watch(`/api/v1/namespaces/${namespace}/configmaps`);
    await core.createNamespacedConfigMap({ namespace, body: { metadata: { name: 'f', finalizers: ['example.com/a', 'example.com/b'] } } });
    await core.deleteNamespacedConfigMap({ namespace, name: 'f' });
    const marked = await core.readNamespacedConfigMap({ namespace, name: 'f' });
    expect(marked.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const add = await apiError(core.patchNamespacedConfigMap({ namespace, name: 'f', body: [{ op: 'add', path: '/metadata/finalizers/-', value: 'example.com/c' }] }));
    expect(add.code).toBe(422);
    await core.patchNamespacedConfigMap({ namespace, name: 'f', body: [{ op: 'remove', path: '/metadata/finalizers/0' }] });
    expect((await core.readNamespacedConfigMap({ namespace, name: 'f' })).metadata?.finalizers).toEqual(['example.com/b']);
    await core.patchNamespacedConfigMap({ namespace, name: 'f', body: { metadata: { finalizers: null } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    expect((await apiError(core.readNamespacedConfigMap({ namespace, name: 'f' }))).code).toBe(404);
    // The update removing the last finalizer is the deletion itself: one DELETED, no MODIFIED before it.
    await waitFor(() => w.events.length === 4, 'four watch events');
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'MODIFIED', 'DELETED']);
    expect(w.events[3].object.metadata.finalizers).toBeUndefined();
    w.stop();
  });

  test('custom resources refuse strategic merge patch (the KubernetesObjectApi.patch default) with 415, as real servers do', async () => {
    const namespace = await freshNamespace();
    const fs = { apiVersion: 'gogooku3.io/v1alpha1', kind: 'FeatureSet', metadata: { name: 'fs', namespace }, spec: { a: 1 } };
    await objects.create(fs);
    const refused = await apiError(objects.patch({ ...fs, spec: { a: 2 } }));
    expect(refused).toMatchObject({ code: 415, status: { reason: 'UnsupportedMediaType' } });
    const merged: Obj = await objects.patch({ ...fs, spec: { a: 2 } }, undefined, undefined, undefined, undefined, k8s.PatchStrategy.MergePatch);
    expect(merged.spec).toEqual({ a: 2 });
  });

  test('deleting a namespace deletes what it holds; a watch on a single object path sees only that object', async () => {
    const namespace = await freshNamespace();
    const one = await watch(`/api/v1/watch/namespaces/${namespace}/configmaps/keep`);
    await core.createNamespacedConfigMap({ namespace, body: cm('keep') });
    await core.createNamespacedConfigMap({ namespace, body: cm('other') });
    await core.deleteNamespace({ name: namespace });
    expect((await apiError(core.readNamespace({ name: namespace }))).code).toBe(404);
    expect(server.objects('v1', 'ConfigMap', namespace)).toEqual([]);
    await waitFor(() => one.events.length === 2, 'create and delete of keep');
    expect(one.events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED keep', 'DELETED keep']);
    one.stop();
  });

  test('optimistic concurrency: 8 racing read-modify-write loops retrying on 409 lose no increment', async () => {
    const namespace = await freshNamespace();
    await core.createNamespacedConfigMap({ namespace, body: cm('counter', {}, { n: '0' }) });
    let conflicts = 0;
    await Promise.all(Array.from({ length: 8 }, async () => {
      for (;;) {
        const current = await core.readNamespacedConfigMap({ namespace, name: 'counter' });
        current.data = { n: String(Number(current.data!.n) + 1) };
        try {
          await core.replaceNamespacedConfigMap({ namespace, name: 'counter', body: current });
          return;
        } catch (error) {
          if (!(error instanceof k8s.ApiException) || error.code !== 409) throw error;
          conflicts++;
        }
      }
    }));
    expect((await core.readNamespacedConfigMap({ namespace, name: 'counter' })).data).toEqual({ n: '8' });
    expect(conflicts).toBeGreaterThan(0);
  });

  test('injectConflicts fails the next writes of a kind with 409 Conflict, leaving other kinds alone', async () => {
    const namespace = await freshNamespace();
    await core.createNamespacedConfigMap({ namespace, body: cm('c') });
    await core.createNamespacedSecret({ namespace, body: { metadata: { name: 's' } } });
    server.injectConflicts(2, 'ConfigMap');
    await core.patchNamespacedSecret({ namespace, name: 's', body: { stringData: { a: 'b' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    for (let i = 0; i < 2; i++) {
      const e = await apiError(core.replaceNamespacedConfigMap({ namespace, name: 'c', body: cm('c', {}, { k: String(i) }) }));
      expect(e.status.reason).toBe('Conflict');
    }
    const ok = await core.replaceNamespacedConfigMap({ namespace, name: 'c', body: cm('c', {}, { k: 'done' }) });
    expect(ok.data).toEqual({ k: 'done' });
  });
});

describe('patch types', () => {
  const deployment = (name: string): k8s.V1Deployment => ({
    metadata: { name },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }] }, { name: 'sidecar', image: 'side:1' }] } },
    },
  });
  const patchWith = (namespace: string, name: string, body: unknown, type: string, extra: Obj = {}) =>
    apps.patchNamespacedDeployment({ namespace, name, body, ...extra }, k8s.setHeaderOptions('Content-Type', type));

  const CASES: Array<{ what: string; type: string; body: unknown; check(d: k8s.V1Deployment): void }> = [
    {
      what: 'json patch with a passing test op',
      type: k8s.PatchStrategy.JsonPatch,
      body: [{ op: 'test', path: '/spec/template/spec/containers/0/image', value: 'app:1' }, { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'app:2' }, { op: 'add', path: '/metadata/labels', value: { tier: 'x' } }],
      check: (d) => {
        expect(d.spec!.template.spec!.containers.map((c) => c.image)).toEqual(['app:2', 'side:1']);
        expect(d.metadata!.labels).toEqual({ tier: 'x' });
      },
    },
    {
      what: 'merge patch replaces lists and deletes with null',
      type: k8s.PatchStrategy.MergePatch,
      body: { spec: { replicas: 3, template: { metadata: null, spec: { containers: [{ name: 'app', image: 'app:3' }] } } }, metadata: { annotations: { a: 'b' } } },
      check: (d) => {
        expect(d.spec!.template.metadata).toBeUndefined();
        expect(d.spec!.template.spec!.containers).toEqual([{ name: 'app', image: 'app:3' }]);
        expect(d.spec!.replicas).toBe(3);
      },
    },
    {
      what: 'strategic merge merges containers and env by name',
      type: k8s.PatchStrategy.StrategicMergePatch,
      body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:4', env: [{ name: 'B', value: '2' }] }, { name: 'new', image: 'n:1' }] } } } },
      check: (d) => {
        const containers = d.spec!.template.spec!.containers;
        expect(containers.map((c) => `${c.name}=${c.image}`)).toEqual(['app=app:4', 'sidecar=side:1', 'new=n:1']);
        expect(containers[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
      },
    },
    {
      what: 'strategic merge $patch: delete removes a keyed list item',
      type: k8s.PatchStrategy.StrategicMergePatch,
      body: { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } },
      check: (d) => expect(d.spec!.template.spec!.containers.map((c) => c.name)).toEqual(['app']),
    },
    {
      what: 'server-side apply merges the applied configuration',
      type: k8s.PatchStrategy.ServerSideApply,
      body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'PLACEHOLDER', labels: { applied: 'yes' } }, spec: { replicas: 2 } },
      check: (d) => {
        expect(d.metadata!.labels).toEqual({ applied: 'yes' });
        expect(d.spec!.replicas).toBe(2);
        expect(d.spec!.template.spec!.containers).toHaveLength(2);
      },
    },
  ];

  test.each(CASES)('$what', async ({ type, body, check }) => {
    const namespace = await freshNamespace();
    await apps.createNamespacedDeployment({ namespace, body: deployment('d') });
    const applied = JSON.parse(JSON.stringify(body).replace('PLACEHOLDER', 'd'));
    const patched = await patchWith(namespace, 'd', applied, type, type === k8s.PatchStrategy.ServerSideApply ? { fieldManager: 'test' } : {});
    check(patched);
    expect(patched.metadata!.generation).toBe(2);
    check(await apps.readNamespacedDeployment({ namespace, name: 'd' }));
  });

  test('a failing json patch test op is 422 and changes nothing; a patch carrying a stale resourceVersion is Conflict', async () => {
    const namespace = await freshNamespace();
    const created = await apps.createNamespacedDeployment({ namespace, body: deployment('d') });
    const failed = await apiError(patchWith(namespace, 'd', [{ op: 'test', path: '/spec/template/spec/containers/0/image', value: 'other' }, { op: 'replace', path: '/spec/replicas', value: 5 }], k8s.PatchStrategy.JsonPatch));
    expect(failed.code).toBe(422);
    const stale = await apiError(patchWith(namespace, 'd', { metadata: { resourceVersion: '1' }, spec: { replicas: 5 } }, k8s.PatchStrategy.MergePatch));
    expect(stale.status.reason).toBe('Conflict');
    expect((await apps.readNamespacedDeployment({ namespace, name: 'd' })).metadata!.resourceVersion).toBe(created.metadata!.resourceVersion);
    const missing = await apiError(patchWith(namespace, 'nope', { spec: {} }, k8s.PatchStrategy.MergePatch));
    expect(missing.code).toBe(404);
  });

  test('server-side apply creates an absent object and requires fieldManager', async () => {
    const namespace = await freshNamespace();
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace }, data: { a: '1' } };
    const missingManager = await apiError(core.patchNamespacedConfigMap({ namespace, name: 'applied', body }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.ServerSideApply)));
    expect(missingManager.code).toBe(400);
    const created: Obj = await objects.patch(body, undefined, undefined, 'test', true, k8s.PatchStrategy.ServerSideApply);
    expect(created.metadata?.uid).toBeDefined();
    const again: Obj = await objects.patch({ ...body, data: { a: '2' } }, undefined, undefined, 'test', true, k8s.PatchStrategy.ServerSideApply);
    expect(again.data).toEqual({ a: '2' });
    expect(again.metadata?.uid).toBe(created.metadata?.uid);
  });
});

describe('list', () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = await freshNamespace();
    const labels: Array<[string, Record<string, string>]> = [
      ['a', { app: 'web', tier: 'front' }], ['b', { app: 'web', tier: 'back' }], ['c', { app: 'db' }], ['d', {}], ['e', { app: 'batch', tier: 'back' }],
    ];
    for (const [name, l] of labels) await core.createNamespacedConfigMap({ namespace, body: cm(name, l) });
  });

  test.each([
    ['app=web', ['a', 'b']],
    ['app==web', ['a', 'b']],
    ['app!=web', ['c', 'd', 'e']],
    ['app in (web,db)', ['a', 'b', 'c']],
    ['app notin (web, db)', ['d', 'e']],
    ['tier', ['a', 'b', 'e']],
    ['!tier', ['c', 'd']],
    ['app=web,tier=back', ['b']],
    ['tier in (back),app!=batch', ['b']],
  ])('labelSelector %s', async (labelSelector, expected) => {
    const list = await core.listNamespacedConfigMap({ namespace, labelSelector });
    expect(list.items.map((i) => i.metadata!.name)).toEqual(expected);
  });

  test.each([
    ['metadata.name=c', ['c']],
    ['metadata.name!=c', ['a', 'b', 'd', 'e']],
  ])('fieldSelector %s', async (fieldSelector, expected) => {
    const list = await core.listNamespacedConfigMap({ namespace, fieldSelector });
    expect(list.items.map((i) => i.metadata!.name)).toEqual(expected);
  });

  test('fieldSelector metadata.namespace across namespaces, and a malformed selector is 400', async () => {
    const all = await core.listConfigMapForAllNamespaces({ fieldSelector: `metadata.namespace=${namespace}` });
    expect(all.items.map((i) => i.metadata!.name)).toEqual(['a', 'b', 'c', 'd', 'e']);
    // As on a real server, items of a built-in list carry no kind/apiVersion of their own.
    expect(all.kind).toBe('ConfigMapList');
    expect(all.items[0].kind).toBeUndefined();
    expect((await apiError(core.listNamespacedConfigMap({ namespace, labelSelector: 'a in b' }))).code).toBe(400);
  });

  test('limit and continue page through every object once, in name order', async () => {
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespacedConfigMap({ namespace, limit: 2, _continue: token });
      names.push(...page.items.map((i) => i.metadata!.name!));
      token = page.metadata?._continue || undefined;
      if (token) expect(page.metadata?.remainingItemCount).toBe(5 - names.length);
      pages++;
    } while (token);
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(pages).toBe(3);
  });
});

describe('watch', () => {
  const path = (ns: string) => `/api/v1/namespaces/${ns}/configmaps`;
  const summary = (events: Watched['events']) => events.map((e) => `${e.type} ${e.object.metadata?.name}`);

  test('from a resourceVersion: exactly the later events of the namespace, in order, then live ones', async () => {
    const namespace = await freshNamespace();
    const other = await freshNamespace();
    const a = await core.createNamespacedConfigMap({ namespace, body: cm('a') });
    await core.createNamespacedConfigMap({ namespace, body: cm('b') });
    await core.createNamespacedConfigMap({ namespace: other, body: cm('elsewhere') });
    await core.replaceNamespacedConfigMap({ namespace, name: 'b', body: cm('b', {}, { k: 'v2' }) });
    await core.deleteNamespacedConfigMap({ namespace, name: 'a' });
    const w = await watch(path(namespace), { resourceVersion: a.metadata!.resourceVersion });
    await core.createNamespacedConfigMap({ namespace, body: cm('d') });
    await waitFor(() => w.events.length >= 4, 'four events');
    expect(summary(w.events)).toEqual(['ADDED b', 'MODIFIED b', 'DELETED a', 'ADDED d']);
    const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
    expect(rvs[2]).toBeGreaterThan(Number(a.metadata!.resourceVersion));
    expect(w.events[1].object.data).toEqual({ k: 'v2' });
    w.stop();
  });

  test('without a resourceVersion: ADDED for what exists; a label selector sees objects enter and leave it', async () => {
    const namespace = await freshNamespace();
    await core.createNamespacedConfigMap({ namespace, body: cm('in', { pick: 'yes' }) });
    await core.createNamespacedConfigMap({ namespace, body: cm('out', { pick: 'no' }) });
    const w = await watch(path(namespace), { labelSelector: 'pick=yes' });
    await core.patchNamespacedConfigMap({ namespace, name: 'out', body: { metadata: { labels: { pick: 'yes' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await core.patchNamespacedConfigMap({ namespace, name: 'in', body: { metadata: { labels: { pick: 'no' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await waitFor(() => w.events.length >= 3, 'three events');
    expect(summary(w.events)).toEqual(['ADDED in', 'ADDED out', 'DELETED in']);
    w.stop();
  });

  test('after compact(), resuming from an older resourceVersion gets one ERROR 410 Expired and the stream ends', async () => {
    const namespace = await freshNamespace();
    const first = await core.createNamespacedConfigMap({ namespace, body: cm('a') });
    await core.createNamespacedConfigMap({ namespace, body: cm('b') });
    server.compact();
    const w = await watch(path(namespace), { resourceVersion: first.metadata!.resourceVersion });
    expect(await w.done).toBeNull();
    expect(w.events).toHaveLength(1);
    expect(w.events[0].type).toBe('ERROR');
    expect(w.events[0].object).toMatchObject({ kind: 'Status', status: 'Failure', code: 410, reason: 'Expired' });
    expect(w.events[0].object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    const list = await core.listNamespacedConfigMap({ namespace });
    const fresh = await watch(path(namespace), { resourceVersion: list.metadata!.resourceVersion });
    await core.deleteNamespacedConfigMap({ namespace, name: 'a' });
    await waitFor(() => fresh.events.length === 1, 'the delete');
    expect(summary(fresh.events)).toEqual(['DELETED a']);
    fresh.stop();
  });

  test('watchHistory bounds how far back a watch can resume', async () => {
    const small = await startKubeApiServer({ watchHistory: 3 });
    try {
      const smallCore = small.kubeConfig().makeApiClient(k8s.CoreV1Api);
      const rvs: string[] = [];
      for (let i = 0; i < 5; i++) rvs.push((await smallCore.createNamespacedConfigMap({ namespace: 'default', body: cm(`c${i}`) })).metadata!.resourceVersion!);
      const resume = async (rv: string) => {
        const events: string[] = [];
        await new Promise<void>((resolve) => {
          void new k8s.Watch(small.kubeConfig()).watch('/api/v1/namespaces/default/configmaps', { resourceVersion: rv, timeoutSeconds: 1 }, (type, obj) => events.push(type === 'ERROR' ? `ERROR ${obj.code}` : `${type} ${obj.metadata.name}`), () => resolve());
        });
        return events;
      };
      expect(await resume(rvs[0])).toEqual(['ERROR 410']);
      expect(await resume(rvs[1])).toEqual(['ADDED c2', 'ADDED c3', 'ADDED c4']);
    } finally {
      await small.close();
    }
  });

  test('timeoutSeconds ends the stream; allowWatchBookmarks sends BOOKMARKs with the current resourceVersion', async () => {
    const namespace = await freshNamespace();
    const started = Date.now();
    const w = await watch(path(namespace), { timeoutSeconds: 1, allowWatchBookmarks: true });
    await core.createNamespacedConfigMap({ namespace, body: cm('x') });
    expect(await w.done).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const bookmarks = w.events.filter((e) => e.type === 'BOOKMARK');
    expect(bookmarks.length).toBeGreaterThanOrEqual(3);
    expect(bookmarks[0].object).toMatchObject({ kind: 'ConfigMap', apiVersion: 'v1' });
    expect(Number(bookmarks[bookmarks.length - 1].object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(w.events.find((e) => e.type === 'ADDED')!.object.metadata.resourceVersion));
  });

  test('dropWatches() ends open streams: the done callback runs with no error', async () => {
    const namespace = await freshNamespace();
    const ws = await Promise.all([watch(path(namespace)), watch('/apis/batch/v1/jobs'), watch('/api/v1/namespaces')]);
    server.dropWatches();
    expect(await Promise.all(ws.map((w) => w.done))).toEqual([null, null, null]);
  });
});

describe('disruptions seen by client-node', () => {
  test('restart(): open watches end, requests are refused while down, objects survive', async () => {
    const namespace = await freshNamespace();
    await core.createNamespacedConfigMap({ namespace, body: cm('kept') });
    const w = await watch(`/api/v1/namespaces/${namespace}/configmaps`);
    const restarted = server.restart(300);
    await w.done;
    await new Promise((r) => setTimeout(r, 100));
    await expect(core.readNamespacedConfigMap({ namespace, name: 'kept' })).rejects.toThrow(/ECONNREFUSED/);
    await restarted;
    expect((await core.readNamespacedConfigMap({ namespace, name: 'kept' })).data).toEqual({ k: 'v' });
  });

  test('a makeInformer informer recovers from dropped watches, a 410 relist and a restart, ending with the right cache', async () => {
    const namespace = await freshNamespace();
    let lists = 0;
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${namespace}/configmaps`, () => {
      lists++;
      return core.listNamespacedConfigMap({ namespace });
    });
    const deleted: string[] = [];
    informer.on('delete', (o) => deleted.push(o.metadata!.name!));
    // client-node leaves restarting after an error to the caller; controllers do the same.
    let running = true;
    informer.on('error', () => setTimeout(() => running && void informer.start(), 50));
    const key = (o: Obj) => `${o.metadata.name}@${o.metadata.resourceVersion}`;
    const inSync = () => {
      const want = server.objects('v1', 'ConfigMap', namespace).map(key).sort();
      const have = informer.list(namespace).map((o) => key(o)).sort();
      return want.length > 0 ? JSON.stringify(want) === JSON.stringify(have) : have.length === 0;
    };
    await informer.start();
    await core.createNamespacedConfigMap({ namespace, body: cm('a') });
    await core.createNamespacedConfigMap({ namespace, body: cm('b') });
    await waitFor(inSync, 'initial sync');

    server.dropWatches();
    await core.createNamespacedConfigMap({ namespace, body: cm('c') });
    await waitFor(inSync, 'sync after a dropped watch');
    expect(lists).toBe(1);

    await informer.stop();
    await core.deleteNamespacedConfigMap({ namespace, name: 'a' });
    await core.replaceNamespacedConfigMap({ namespace, name: 'b', body: cm('b', {}, { k: 'v2' }) });
    await core.createNamespacedConfigMap({ namespace: 'default', body: cm(`unrelated-${namespace}`) });
    server.compact();
    await informer.start();
    await waitFor(inSync, 'sync after a 410 relist');
    expect(lists).toBe(2);
    expect(deleted).toEqual(['a']);

    await server.restart(200);
    await core.createNamespacedConfigMap({ namespace, body: cm('d') });
    await core.deleteNamespacedConfigMap({ namespace, name: 'c' });
    await waitFor(inSync, 'sync after a restart');
    expect(informer.list(namespace).map((o) => o.metadata!.name).sort()).toEqual(['b', 'd']);
    expect(informer.get('b', namespace)?.data).toEqual({ k: 'v2' });
    running = false;
    await informer.stop();
  });
});

describe('custom resource definitions through the API', () => {
  test('creating a CRD serves its type; deleting it stops serving it', async () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' }, versions: [{ name: 'v1', served: true, storage: true, subresources: { status: {} }, schema: { openAPIV3Schema: { type: 'object' } } }] },
    };
    const created: Obj = await objects.create(crd);
    expect(created.status.conditions.find((c: Obj) => c.type === 'Established')?.status).toBe('True');
    const namespace = await freshNamespace();
    const base = { group: 'example.com', version: 'v1', namespace, plural: 'widgets' };
    await custom.createNamespacedCustomObject({ ...base, body: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 1 }, status: { ignored: true } } });
    const w: Obj = await objects.read({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace } });
    expect(w.spec).toEqual({ size: 1 });
    expect(w.status).toBeUndefined();
    const w2 = await watch(`/apis/example.com/v1/namespaces/${namespace}/widgets`);
    await objects.delete(crd);
    expect(await w2.done).toBeNull();
    expect((await apiError(custom.listNamespacedCustomObject(base))).code).toBe(404);
  });

  test('the operator CRDs are installed at start', async () => {
    const list: Obj = await objects.list('apiextensions.k8s.io/v1', 'CustomResourceDefinition');
    expect(list.items.map((c: Obj) => c.metadata.name)).toEqual(expect.arrayContaining(['featuresets.gogooku3.io', 'modelrollouts.gogooku3.io']));
  });
});

describe('scale', () => {
  test('1,000 creates, a full list and 200 watches fanning out stay fast; requestCounts counts them', async () => {
    const namespace = await freshNamespace();
    server.resetRequestCounts();
    const started = performance.now();
    const names = Array.from({ length: 1000 }, (_, i) => `obj-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(names.slice(i, i + 50).map((name) => core.createNamespacedConfigMap({ namespace, body: cm(name, { batch: String(i % 3) }) })));
    }
    const created = performance.now();
    const list = await core.listNamespacedConfigMap({ namespace });
    const listed = performance.now();
    expect(list.items.map((o) => o.metadata!.name)).toEqual(names);

    const watches = await Promise.all(Array.from({ length: 200 }, () => watch(`/api/v1/namespaces/${namespace}/configmaps`, { resourceVersion: list.metadata!.resourceVersion })));
    const fanStart = performance.now();
    for (let i = 0; i < 10; i++) await core.deleteNamespacedConfigMap({ namespace, name: names[i] });
    await waitFor(() => watches.every((w) => w.events.length === 10), '200 watches to see 10 deletes', 20_000);
    const fanned = performance.now();
    for (const w of watches) w.stop();

    const counts = server.requestCounts();
    expect(counts.byVerb).toMatchObject({ create: 1000, list: 1, watch: 200, delete: 10 });
    expect(counts.byResource.configmaps).toBe(1211);
    // eslint-disable-next-line no-console
    console.log(`kube-api-server: 1000 creates ${(created - started).toFixed(0)} ms, list of 1000 ${(listed - created).toFixed(0)} ms, 10 deletes to 200 watches ${(fanned - fanStart).toFixed(0)} ms`);
    expect(created - started).toBeLessThan(30_000);
  });
});
