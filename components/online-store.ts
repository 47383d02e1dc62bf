import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import {
  appLabels, checkPinnedImage, dataVolumeClaimTemplate, ComponentArgsError, containerSecurityContext, PINNED_IMAGES, podSecurityContext, scratchVolumes, selectorLabels,
  type CommonArgs, type ResourceSpec,
} from './common';

/** How Redis persists: not at all, RDB snapshots, the append-only file, or both. */
export type RedisPersistence = 'none' | 'rdb' | 'aof' | 'aof+rdb';

/** Tunables of the online store (what a stack sets per environment). */
export interface OnlineStoreSettings {
  /** Redis image, pinned. Default: `PINNED_IMAGES.redis`. */
  image?: string;
  /** Persistence mode. Default: `aof` (the online vectors survive a restart without a republish). */
  persistence?: RedisPersistence;
  /** Size of the data volume (only when persistence is not `none`). Default: `10Gi`. */
  storageSize?: string;
  /** StorageClass of the data volume. Default: the cluster's default class. */
  storageClass?: string;
  /** Redis `maxmemory`. Default: `1536mb` (three quarters of the default 2Gi limit). */
  maxMemory?: string;
  /** Redis `maxmemory-policy`. Default: `volatile-lru` (online vectors carry TTLs; the run pointer does not). */
  maxMemoryPolicy?: string;
  /** Container resources. Default: requests 100m / 512Mi, limits 1 CPU / 2Gi. */
  resources?: ResourceSpec;
}

/** Arguments of {@link OnlineStore}. */
export interface OnlineStoreArgs extends CommonArgs, OnlineStoreSettings {
  /** The `requirepass` password. Wrapped in `pulumi.secret`; stored only in Secrets. */
  password: pulumi.Input<string>;
}

const DEFAULTS = {
  persistence: 'aof' as RedisPersistence,
  storageSize: '10Gi',
  maxMemory: '1536mb',
  maxMemoryPolicy: 'volatile-lru',
  resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } },
} as const;

/** The official image's `redis` user (uid 999, gid 1000 in the alpine variant). */
const REDIS_UID = 999;
const REDIS_GID = 1000;
export const REDIS_PORT = 6379;
/** Key of the connection Secret: the whole `GOGOOKU3_ONLINE_STORE` URL, password included. */
export const ONLINE_SECRET_KEY = 'GOGOOKU3_ONLINE_STORE';
const PERSISTENCE: readonly RedisPersistence[] = ['none', 'rdb', 'aof', 'aof+rdb'];
const POLICIES = ['noeviction', 'allkeys-lru', 'volatile-lru', 'allkeys-lfu', 'volatile-lfu', 'allkeys-random', 'volatile-random', 'volatile-ttl'];

/** The settings with every default applied and checked. */
export function onlineStoreSettings(s: OnlineStoreSettings) {
  const persistence = s.persistence ?? DEFAULTS.persistence;
  if (!PERSISTENCE.includes(persistence)) throw new ComponentArgsError('onlineStore.persistence', `expected one of ${PERSISTENCE.join(', ')}`, persistence);
  const maxMemoryPolicy = s.maxMemoryPolicy ?? DEFAULTS.maxMemoryPolicy;
  if (!POLICIES.includes(maxMemoryPolicy)) throw new ComponentArgsError('onlineStore.maxMemoryPolicy', `expected one of ${POLICIES.join(', ')}`, maxMemoryPolicy);
  const maxMemory = s.maxMemory ?? DEFAULTS.maxMemory;
  if (!/^\d+(b|kb|mb|gb)$/i.test(maxMemory)) throw new ComponentArgsError('onlineStore.maxMemory', 'expected a Redis size such as 512mb or 2gb', maxMemory);
  return {
    image: checkPinnedImage(s.image ?? PINNED_IMAGES.redis, 'onlineStore.image'),
    persistence,
    storageSize: s.storageSize ?? DEFAULTS.storageSize,
    storageClass: s.storageClass,
    maxMemory,
    maxMemoryPolicy,
    resources: s.resources ?? DEFAULTS.resources,
  };
}
export type ResolvedOnlineStore = ReturnType<typeof onlineStoreSettings>;

/** redis.conf for a persistence mode. The password is not in it: it is passed from the environment at start. */
export function redisConfig(s: Pick<ResolvedOnlineStore, 'persistence' | 'maxMemory' | 'maxMemoryPolicy'>): string {
  const rdb = s.persistence === 'rdb' || s.persistence === 'aof+rdb';
  const aof = s.persistence === 'aof' || s.persistence === 'aof+rdb';
  return [
    'bind 0.0.0.0',
    `port ${REDIS_PORT}`,
    'protected-mode yes',
    'dir /data',
    `maxmemory ${s.maxMemory}`,
    `maxmemory-policy ${s.maxMemoryPolicy}`,
    // An empty save list turns RDB snapshots off entirely.
    rdb ? 'save 3600 1 300 100 60 10000' : 'save ""',
    `appendonly ${aof ? 'yes' : 'no'}`,
    ...(aof ? ['appendfsync everysec', 'aof-use-rdb-preamble yes'] : []),
    '',
  ].join('\n');
}

/** `redis://:password@host:6379/0`, the password URL-encoded. */
export function redisUrl(password: string, host: string): string {
  return `redis://:${encodeURIComponent(password)}@${host}:${REDIS_PORT}/0`;
}

/** The Redis StatefulSet spec: a PVC template when persistent, an emptyDir otherwise. */
export function redisStatefulSetSpec(a: { name: string; configMap: string; passwordSecret: string; settings: ResolvedOnlineStore; labels: Record<string, string> }) {
  const s = a.settings;
  const persistent = s.persistence !== 'none';
  const scratch = scratchVolumes({ tmp: '/tmp' }, '64Mi');
  // redis-cli reads REDISCLI_AUTH, so the probe's password never shows up in a command line.
  const ping = { exec: { command: ['sh', '-c', 'redis-cli -p 6379 ping | grep -q PONG'] } };
  return {
    serviceName: a.name,
    replicas: 1,
    selector: { matchLabels: selectorLabels(a.name) },
    template: {
      metadata: { labels: a.labels },
      spec: {
        securityContext: podSecurityContext(REDIS_UID, REDIS_GID),
        automountServiceAccountToken: false,
        containers: [{
          name: 'redis',
          image: s.image,
          // Redis reads no password variable; the shell hands it over as an argument, so it stays out of the config file.
          command: ['sh', '-c', 'exec redis-server /etc/redis/redis.conf --requirepass "$REDIS_PASSWORD"'],
          env: [
            { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: a.passwordSecret, key: 'REDIS_PASSWORD' } } },
            { name: 'REDISCLI_AUTH', valueFrom: { secretKeyRef: { name: a.passwordSecret, key: 'REDIS_PASSWORD' } } },
          ],
          ports: [{ name: 'redis', containerPort: REDIS_PORT }],
          livenessProbe: { ...ping, periodSeconds: 10, failureThreshold: 6 },
          readinessProbe: { ...ping, periodSeconds: 5 },
          resources: s.resources,
          securityContext: containerSecurityContext(REDIS_UID, REDIS_GID),
          volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'config', mountPath: '/etc/redis', readOnly: true }, ...scratch.volumeMounts],
        }],
        volumes: [
          { name: 'config', configMap: { name: a.configMap } },
          ...(persistent ? [] : [{ name: 'data', emptyDir: {} }]),
          ...scratch.volumes,
        ],
      },
    },
    ...(persistent ? {
      volumeClaimTemplates: [dataVolumeClaimTemplate(s.storageSize, s.storageClass)],
    } : {}),
  };
}

/** Redis for the online feature vectors. Consumers mount Secret `<name>-online` (key GOGOOKU3_ONLINE_STORE). */
export class OnlineStore extends pulumi.ComponentResource {
  readonly serviceName: pulumi.Output<string>;
  /** Secret holding `GOGOOKU3_ONLINE_STORE` (for `envFrom`). */
  readonly connectionSecretName: pulumi.Output<string>;

  constructor(name: string, args: OnlineStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gogooku3:components:OnlineStore', name, {}, opts);
    const s = onlineStoreSettings(args);
    const labels = appLabels(name, 'online-store', args.labels);
    const parent = { parent: this };
    const meta = (n: string) => ({ name: n, namespace: args.namespace, labels });
    const password = pulumi.secret(args.password);
    const host = pulumi.interpolate`${name}.${args.namespace}.svc.cluster.local`;

    const passwordSecret = new k8s.core.v1.Secret(`${name}-password`, {
      metadata: meta(`${name}-password`), type: 'Opaque', stringData: { REDIS_PASSWORD: password },
    }, parent);
    const connection = new k8s.core.v1.Secret(`${name}-online`, {
      metadata: meta(`${name}-online`),
      type: 'Opaque',
      stringData: { [ONLINE_SECRET_KEY]: pulumi.secret(pulumi.all([password, host]).apply(([pw, h]) => redisUrl(pw, h))) },
    }, parent);
    const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta(`${name}-config`), data: { 'redis.conf': redisConfig(s) } }, parent);
    const service = new k8s.core.v1.Service(name, {
      metadata: meta(name),
      spec: { selector: selectorLabels(name), ports: [{ name: 'redis', port: REDIS_PORT, targetPort: 'redis' }] },
    }, parent);
    new k8s.apps.v1.StatefulSet(name, {
      metadata: meta(name),
      spec: redisStatefulSetSpec({ name, configMap: `${name}-config`, passwordSecret: `${name}-password`, settings: s, labels }),
    }, { parent: this, dependsOn: [passwordSecret, config] });

    this.serviceName = service.metadata.name;
    this.connectionSecretName = connection.metadata.name;
    this.registerOutputs({ serviceName: this.serviceName, connectionSecretName: this.connectionSecretName });
  }
}
