import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connectionFromKubeConfig, inClusterConnection, KubeConfigError } from './cluster-connection';
import { createHttpKubeClient } from './http-client';

/**
 * The paths a pod uses: the service account's token, CA and namespace files with KUBERNETES_SERVICE_HOST/PORT,
 * and a kubeconfig with embedded CA data and a token — both over real TLS, against an HTTPS server whose
 * certificate (made here with openssl) is trusted only through that CA.
 */
const openssl = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => fs.existsSync(p));
const suite = openssl ? describe : describe.skip;

suite('cluster connection over TLS', () => {
  let dir: string;
  let server: https.Server;
  let port: number;
  const seen: Array<{ path: string; authorization?: string }> = [];
  const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-incluster-'));
    execFileSync(openssl!, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'ca.crt')], { stdio: 'ignore' });
    fs.writeFileSync(path.join(dir, 'token'), 'sa-token-1\n');
    fs.writeFileSync(path.join(dir, 'namespace'), 'gogooku3-system\n');
    server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert: fs.readFileSync(path.join(dir, 'ca.crt')) }, (req, res) => {
      seen.push({ path: req.url ?? '', authorization: req.headers.authorization });
      res.setHeader('content-type', 'application/json');
      if (req.url === '/api/v1') {
        res.end(JSON.stringify({ kind: 'APIResourceList', groupVersion: 'v1', resources: [{ name: 'configmaps', namespaced: true, kind: 'ConfigMap', verbs: ['get'] }] }));
      } else if (req.url?.startsWith('/api/v1/namespaces/gogooku3-system/configmaps/weights')) {
        res.end(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'weights', namespace: 'gogooku3-system', resourceVersion: '7' }, data: { a: 'b' } }));
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    process.env.KUBERNETES_SERVICE_HOST = saved.host;
    process.env.KUBERNETES_SERVICE_PORT = saved.port;
    if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
    if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('in-cluster: trusts the service account CA, sends its token, knows its namespace', async () => {
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = String(port);
    const conn = inClusterConnection(dir);
    expect(conn.namespace).toBe('gogooku3-system');
    expect(conn.server.href).toBe(`https://127.0.0.1:${port}/`);
    const client = createHttpKubeClient(conn, { fieldManager: 'test' });
    const cm = await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gogooku3-system', name: 'weights' });
    expect(cm?.metadata.resourceVersion).toBe('7');
    expect(seen.every((r) => r.authorization === 'Bearer sa-token-1')).toBe(true);
    expect(await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gogooku3-system', name: 'other' })).toBeUndefined();
  });

  it('in-cluster without the service environment is a typed error', () => {
    delete process.env.KUBERNETES_SERVICE_HOST;
    expect(() => inClusterConnection(dir)).toThrow(KubeConfigError);
  });

  it('a kubeconfig with embedded CA data and a token works over TLS; a wrong CA is refused', async () => {
    const kubeconfig = (ca: string) => JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': 'c',
      clusters: [{ name: 'k', cluster: { server: `https://127.0.0.1:${port}`, 'certificate-authority-data': ca } }],
      users: [{ name: 'u', user: { token: 'user-token' } }],
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u', namespace: 'gogooku3-system' } }],
    });
    const good = connectionFromKubeConfig(kubeconfig(fs.readFileSync(path.join(dir, 'ca.crt')).toString('base64')), dir)!;
    const client = createHttpKubeClient(good, { fieldManager: 'test' });
    expect((await client.get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gogooku3-system', name: 'weights' }))?.data).toEqual({ a: 'b' });
    expect(seen[seen.length - 1].authorization).toBe('Bearer user-token');

    execFileSync(openssl!, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=other',
      '-keyout', path.join(dir, 'other-key.pem'), '-out', path.join(dir, 'other.crt')], { stdio: 'ignore' });
    const wrong = connectionFromKubeConfig(kubeconfig(fs.readFileSync(path.join(dir, 'other.crt')).toString('base64')), dir)!;
    await expect(createHttpKubeClient(wrong, { fieldManager: 'test' }).get({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gogooku3-system', name: 'weights' }))
      .rejects.toThrow(/certificate|self.signed|unable to verify/i);
  });
});
