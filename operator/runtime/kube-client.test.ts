import http from 'node:http';
import * as k8s from '@kubernetes/client-node';
import { connectionFromKubeConfig } from './cluster-connection';
import { createHttpKubeClient } from './http-client';
import { createKubeClient } from './kube-client';
import { AlreadyExistsError, ConflictError, NotFoundError, type KubeClient, type KubeObject } from './types';

type Impl = 'client-node' | 'http';
interface Seen { method: string; path: string; query: URLSearchParams; contentType?: string; body: string }

/** Answers discovery for ConfigMaps and replies to everything else with the next scripted response. */
async function scripted(impl: Impl, replies: Array<{ status: number; body: unknown }>) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url!, 'http://x');
      const reply = url.pathname === '/api/v1'
        ? { status: 200, body: { kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'configmaps', namespaced: true, kind: 'ConfigMap', verbs: [] }] } }
        : (seen.push({ method: req.method!, path: url.pathname, query: url.searchParams, contentType: req.headers['content-type'], body }), replies.shift() ?? { status: 500, body: {} });
      res.writeHead(reply.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(reply.body));
    });
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${(server.address() as { port: number }).port}`, skipTLSVerify: true }],
    users: [{ name: 'u' }], contexts: [{ name: 'c', cluster: 'c', user: 'u', namespace: 'default' }], currentContext: 'c',
  });
  const client = impl === 'client-node'
    ? createKubeClient(kc, { fieldManager: 'gogooku3-test' })
    : createHttpKubeClient(connectionFromKubeConfig(kc.exportConfig(), '/')!, { fieldManager: 'gogooku3-test' });
  return { seen, connections: () => connections, client, close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }) };
}

const status = (code: number, reason: string) => ({ status: code, body: { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message: `${reason} (scripted)` } });
const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns', resourceVersion: '5' }, data: { k: 'v' } };
const ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns', name: 'a' };

// The same wire contract for both transports: client-node (kube-client.ts) and plain HTTP (http-client.ts).
describe.each<Impl>(['client-node', 'http'])('KubeClient over %s', (impl) => {
  it('sends the field manager on every write, merge patches as merge-patch+json, status to /status', async () => {
    const ok = { status: 200, body: { ...cm, metadata: { ...cm.metadata, creationTimestamp: '2026-01-01T00:00:00Z' } } };
    const s = await scripted(impl, [ok, ok, ok, ok]);
    try {
      const created = await s.client.create<KubeObject>(cm);
      expect(created.metadata.creationTimestamp).toBe('2026-01-01T00:00:00Z'); // JSON as sent, not a Date
      await s.client.replace(cm);
      await s.client.mergePatch(ref, { metadata: { annotations: { x: null } } });
      await s.client.replaceStatus({ ...cm, status: { phase: 'Ready' } });
      expect(s.seen.map((r) => [r.method, r.path, r.query.get('fieldManager')])).toEqual([
        ['POST', '/api/v1/namespaces/ns/configmaps', 'gogooku3-test'],
        ['PUT', '/api/v1/namespaces/ns/configmaps/a', 'gogooku3-test'],
        ['PATCH', '/api/v1/namespaces/ns/configmaps/a', 'gogooku3-test'],
        ['PUT', '/api/v1/namespaces/ns/configmaps/a/status', 'gogooku3-test'],
      ]);
      expect(s.seen[2].contentType).toBe('application/merge-patch+json');
      expect(JSON.parse(s.seen[2].body)).toMatchObject({ metadata: { name: 'a', namespace: 'ns', annotations: { x: null } } });
      expect(JSON.parse(s.seen[3].body)).toMatchObject({ status: { phase: 'Ready' }, metadata: { resourceVersion: '5' } });
      expect(s.connections()).toBe(1); // discovery + four calls over one kept-alive connection
    } finally {
      await s.close();
    }
  });

  it.each<[string, { status: number; body: unknown }, (c: KubeClient) => Promise<unknown>, unknown]>([
    ['409 AlreadyExists on create', status(409, 'AlreadyExists'), (c) => c.create(cm), AlreadyExistsError],
    ['409 Conflict on replace', status(409, 'Conflict'), (c) => c.replace(cm), ConflictError],
    ['409 Conflict on status', status(409, 'Conflict'), (c) => c.replaceStatus(cm), ConflictError],
    ['404 on patch', status(404, 'NotFound'), (c) => c.mergePatch(ref, {}), NotFoundError],
    ['404 on delete', status(404, 'NotFound'), (c) => c.delete(ref), NotFoundError],
  ])('maps %s to its typed error', async (_name, reply, call, type) => {
    const s = await scripted(impl, [reply]);
    try {
      await expect(call(s.client)).rejects.toBeInstanceOf(type);
    } finally {
      await s.close();
    }
  });

  it('get answers undefined on 404; other failures are wrapped naming the verb, kind and key', async () => {
    const s = await scripted(impl, [status(404, 'NotFound'), status(500, 'InternalError'), { status: 200, body: { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '9', continue: 'next' }, items: [{ metadata: { name: 'a' } }] } }, { status: 200, body: { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '9' }, items: [{ metadata: { name: 'b' } }] } }]);
    try {
      expect(await s.client.get(ref)).toBeUndefined();
      const err = await s.client.get(ref).catch((e: Error) => e);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/^get ConfigMap ns\/a \(v1\) failed: HTTP 500: InternalError \(scripted\)/);
      expect((err as Error).cause).toBeDefined();
      const listed = await s.client.list({ apiVersion: 'v1', kind: 'ConfigMap' }, { namespace: 'ns', labelSelector: 'app=x' });
      expect(listed).toEqual({ resourceVersion: '9', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } }] });
      expect(s.seen[3].query.get('continue')).toBe('next');
      expect(s.seen[2].query.get('labelSelector')).toBe('app=x');
    } finally {
      await s.close();
    }
  });
});
