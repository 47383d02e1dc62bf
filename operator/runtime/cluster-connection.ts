import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';

/**
 * Where the API server is and who we are to it, without @kubernetes/client-node: loading that package costs
 * ~100 MB of RSS (its generated models), more than the operator's whole budget. Covers what a pod and a
 * developer kubeconfig use (in-cluster service account, tokens, token files, client certificates, basic
 * auth, CA or insecure TLS); `loadClusterConnection` answers undefined for anything else (exec plugins,
 * auth providers, proxies, several merged kubeconfig files) so that the caller can fall back to client-node.
 */
export interface ClusterConnection {
  server: URL;
  agent: http.Agent;
  /** The Authorization header, read per request: projected service-account tokens rotate. */
  authorization(): string | undefined;
  namespace?: string;
}

export class KubeConfigError extends Error {
  override name = 'KubeConfigError';
}

const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
type Named<T> = { name: string } & T;
type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (v && typeof v === 'object' && !Array.isArray(v) ? v as Rec : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A file whose content is re-read at most once a minute (kubelet refreshes tokens well before expiry). */
function cachedFile(file: string, ttlMs = 60_000): () => string {
  let value = '';
  let readAt = -Infinity;
  return () => {
    if (Date.now() - readAt > ttlMs) {
      value = fs.readFileSync(file, 'utf8').trim();
      readAt = Date.now();
    }
    return value;
  };
}

function agentFor(server: URL, tls: https.AgentOptions): http.Agent {
  const options = { keepAlive: true, maxSockets: 64 };
  return server.protocol === 'https:' ? new https.Agent({ ...options, ...tls }) : new http.Agent(options);
}

export function inClusterConnection(dir = SA_DIR): ClusterConnection {
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new KubeConfigError('not in a cluster: KUBERNETES_SERVICE_HOST/PORT are unset');
  const server = new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`);
  const token = cachedFile(path.join(dir, 'token'));
  let namespace: string | undefined;
  try {
    namespace = fs.readFileSync(path.join(dir, 'namespace'), 'utf8').trim() || undefined;
  } catch { /* optional */ }
  return { server, agent: agentFor(server, { ca: fs.readFileSync(path.join(dir, 'ca.crt')) }), authorization: () => `Bearer ${token()}`, namespace };
}

/** The connection of a kubeconfig document's current context; undefined when it needs client-node. */
export function connectionFromKubeConfig(text: string, baseDir: string): ClusterConnection | undefined {
  const doc = rec(parse(text));
  const current = str(doc['current-context']);
  const find = (list: unknown, name: string | undefined) => (Array.isArray(list) ? list as Array<Named<Rec>> : []).find((e) => e?.name === name);
  const context = rec(find(doc.contexts, current)?.context);
  if (!current || !find(doc.contexts, current)) throw new KubeConfigError('has no current context');
  const cluster = rec(find(doc.clusters, str(context.cluster))?.cluster);
  const serverText = str(cluster.server);
  if (!serverText) throw new KubeConfigError(`context ${current}: has no current cluster`);
  const user = rec(find(doc.users, str(context.user))?.user);
  if (user.exec || user['auth-provider'] || cluster['proxy-url'] || user.impersonate || user.as) return undefined;
  const file = (p: unknown) => (str(p) ? fs.readFileSync(path.resolve(baseDir, str(p)!)) : undefined);
  const data = (d: unknown) => (str(d) ? Buffer.from(str(d)!, 'base64') : undefined);
  const server = new URL(serverText);
  const tls: https.AgentOptions = {
    ca: data(cluster['certificate-authority-data']) ?? file(cluster['certificate-authority']),
    cert: data(user['client-certificate-data']) ?? file(user['client-certificate']),
    key: data(user['client-key-data']) ?? file(user['client-key']),
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true,
    ...(str(cluster['tls-server-name']) ? { servername: str(cluster['tls-server-name']) } : {}),
  };
  const token = str(user.token);
  const tokenFile = str(user.tokenFile) ?? str(user['token-file']);
  const readToken = tokenFile ? cachedFile(path.resolve(baseDir, tokenFile)) : undefined;
  const basic = str(user.username) ? `Basic ${Buffer.from(`${user.username}:${str(user.password) ?? ''}`).toString('base64')}` : undefined;
  return {
    server,
    agent: agentFor(server, tls),
    authorization: () => (token ? `Bearer ${token}` : readToken ? `Bearer ${readToken()}` : basic),
    namespace: str(context.namespace),
  };
}

/**
 * As client-node's loadFromFile / loadFromDefault: the given file, else $KUBECONFIG, ~/.kube/config, then the
 * in-cluster service account. Undefined means "use client-node" (see above); unreadable files throw.
 */
export function loadClusterConnection(file?: string): ClusterConnection | undefined {
  let target = file;
  if (!target && process.env.KUBECONFIG) {
    const files = process.env.KUBECONFIG.split(path.delimiter).filter(Boolean);
    if (files.length !== 1) return undefined; // merging several files is client-node's job
    target = files[0];
  }
  if (!target) {
    const home = path.join(os.homedir(), '.kube', 'config');
    if (fs.existsSync(home)) target = home;
    else if (process.env.KUBERNETES_SERVICE_HOST) return inClusterConnection();
    else throw new KubeConfigError('no kubeconfig ($KUBECONFIG, ~/.kube/config) and not in a cluster');
  }
  return connectionFromKubeConfig(fs.readFileSync(target, 'utf8'), path.dirname(path.resolve(target)));
}
