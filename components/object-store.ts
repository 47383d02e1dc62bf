import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import {
  appLabels, checkPinnedImage, dataVolumeClaimTemplate, ComponentArgsError, containerSecurityContext, PINNED_IMAGES, podSecurityContext, scratchVolumes, selectorLabels,
  type CommonArgs, type ResourceSpec,
} from './common';

/** Tunables of the object store (what a stack sets per environment). */
export interface ObjectStoreSettings {
  /** MinIO server image, pinned. Default: `PINNED_IMAGES.minio`. */
  image?: string;
  /** MinIO client image the bucket Job runs, pinned. Default: `PINNED_IMAGES.mc`. */
  mcImage?: string;
  /** Size of the data volume (one PVC from the StatefulSet's template). Default: `50Gi`. */
  storageSize?: string;
  /** StorageClass of the data volume. Default: the cluster's default class. */
  storageClass?: string;
  /** Buckets to create, each with versioning on. Default: `['gogooku3']`; the first is the lake's bucket. */
  buckets?: string[];
  /** Noncurrent object versions expire after this many days (lifecycle rule on every bucket). Default: `30`. */
  noncurrentVersionExpiryDays?: number;
  /** Region the clients sign requests for. Default: `us-east-1`. */
  region?: string;
  /** Container resources. Default: requests 250m / 512Mi, limits 1 CPU / 2Gi. */
  resources?: ResourceSpec;
}

/** Arguments of {@link ObjectStore}. */
export interface ObjectStoreArgs extends CommonArgs, ObjectStoreSettings {
  /** MinIO root user (admin). Wrapped in `pulumi.secret` and stored only in a Secret. */
  rootUser: pulumi.Input<string>;
  /** MinIO root password (at least 8 characters). Wrapped in `pulumi.secret`; stored only in a Secret. */
  rootPassword: pulumi.Input<string>;
  /** Access key of the application user the bucket Job creates (bucket-scoped read/write policy). */
  appAccessKey: pulumi.Input<string>;
  /** Secret key of the application user (at least 8 characters). */
  appSecretKey: pulumi.Input<string>;
}

const DEFAULTS = {
  storageSize: '50Gi',
  buckets: ['gogooku3'],
  noncurrentVersionExpiryDays: 30,
  region: 'us-east-1',
  resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '1', memory: '2Gi' } },
} as const;

/** MinIO's image runs as root by default; any uid works with fsGroup owning the volume. */
const MINIO_UID = 1000;
export const MINIO_API_PORT = 9000;
const MINIO_CONSOLE_PORT = 9001;
/** Keys of the consumer Secret: the standard AWS variables the pipelines and Triton read. */
export const S3_SECRET_KEYS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const;

/** The settings with every default applied and checked. */
export function objectStoreSettings(s: ObjectStoreSettings) {
  const buckets = s.buckets ?? [...DEFAULTS.buckets];
  if (buckets.length === 0) throw new ComponentArgsError('objectStore.buckets', 'expected at least one bucket', buckets);
  for (const b of buckets) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b)) throw new ComponentArgsError('objectStore.buckets', 'expected S3 bucket names (3-63 of a-z 0-9 . -)', b);
  }
  const days = s.noncurrentVersionExpiryDays ?? DEFAULTS.noncurrentVersionExpiryDays;
  if (!Number.isInteger(days) || days < 1) throw new ComponentArgsError('objectStore.noncurrentVersionExpiryDays', 'expected an integer >= 1', days);
  return {
    image: checkPinnedImage(s.image ?? PINNED_IMAGES.minio, 'objectStore.image'),
    mcImage: checkPinnedImage(s.mcImage ?? PINNED_IMAGES.mc, 'objectStore.mcImage'),
    storageSize: s.storageSize ?? DEFAULTS.storageSize,
    storageClass: s.storageClass,
    buckets,
    noncurrentVersionExpiryDays: days,
    region: s.region ?? DEFAULTS.region,
    resources: s.resources ?? DEFAULTS.resources,
  };
}
export type ResolvedObjectStore = ReturnType<typeof objectStoreSettings>;

/** Lifecycle of every bucket: old versions expire, and so do delete markers left with no versions behind them. */
export function minioLifecycle(noncurrentDays: number) {
  return {
    Rules: [{
      ID: 'expire-noncurrent-versions',
      Status: 'Enabled',
      Filter: { Prefix: '' },
      NoncurrentVersionExpiration: { NoncurrentDays: noncurrentDays },
      Expiration: { ExpiredObjectDeleteMarker: true },
    }],
  };
}

/**
 * The application user's policy: objects and versions in our buckets, plus what `storage init` calls
 * (HeadBucket, versioning); no admin actions, no other buckets.
 */
export function minioAppPolicy(buckets: readonly string[]) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['s3:ListBucket', 's3:ListBucketVersions', 's3:ListBucketMultipartUploads', 's3:GetBucketLocation', 's3:GetBucketVersioning', 's3:PutBucketVersioning'],
        Resource: buckets.map((b) => `arn:aws:s3:::${b}`),
      },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:DeleteObject', 's3:DeleteObjectVersion', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
        Resource: buckets.map((b) => `arn:aws:s3:::${b}/*`),
      },
    ],
  };
}

/** The init Job's script: idempotent (re-running it on every change converges, never fails on "exists"). */
export function minioInitScript(buckets: readonly string[], endpoint: string): string {
  const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
  return [
    'set -eu',
    // MinIO may still be starting when the Job runs; wait up to five minutes.
    'i=0',
    `until mc alias set local ${q(endpoint)} "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null; do`,
    '  i=$((i+1)); [ "$i" -lt 60 ] || { echo "minio not reachable" >&2; exit 1; }; sleep 5',
    'done',
    ...buckets.flatMap((b) => [
      `mc mb --ignore-existing local/${b}`,
      `mc version enable local/${b}`,
      // import replaces the whole lifecycle configuration, so a re-run does not stack duplicate rules.
      `mc ilm rule import local/${b} < /config/lifecycle.json`,
    ]),
    'mc admin policy create local gogooku3-app /config/policy.json',
    'mc admin user add local "$APP_ACCESS_KEY" "$APP_SECRET_KEY"',
    // attach fails when the policy is already attached; the listing afterwards is what must hold.
    'mc admin policy attach local gogooku3-app --user "$APP_ACCESS_KEY" || true',
    'mc admin user info local "$APP_ACCESS_KEY" | grep -q gogooku3-app',
    '',
  ].join('\n');
}

/**
 * MinIO refuses to start (or to add a user) with short credentials; failing at deploy time names the field.
 * The message gives the length only: the value is a secret.
 */
export function checkMinioCredential(field: string, value: string, minLength: number): string {
  if (value.length < minLength) {
    throw new ComponentArgsError(field, `expected at least ${minLength} characters (MinIO refuses shorter)`, `${value.length} characters`);
  }
  return value;
}
const credential = (field: string, value: pulumi.Input<string>, minLength: number) =>
  pulumi.secret(pulumi.output(value).apply((v) => checkMinioCredential(field, v, minLength)));

const secretEnv = (name: string, secret: string, key = name) => ({ name, valueFrom: { secretKeyRef: { name: secret, key } } });

/** The MinIO StatefulSet spec: one server, its data on a PVC from the template, credentials by reference. */
export function minioStatefulSetSpec(a: { name: string; rootSecret: string; settings: ResolvedObjectStore; labels: Record<string, string> }) {
  const s = a.settings;
  const scratch = scratchVolumes({ tmp: '/tmp' });
  return {
    serviceName: a.name,
    replicas: 1,
    selector: { matchLabels: selectorLabels(a.name) },
    template: {
      metadata: { labels: a.labels },
      spec: {
        securityContext: podSecurityContext(MINIO_UID),
        automountServiceAccountToken: false,
        containers: [{
          name: 'minio',
          image: s.image,
          // certs-dir defaults to ~/.minio/certs, which a read-only root cannot create.
          args: ['server', '/data', '--address', `:${MINIO_API_PORT}`, '--console-address', `:${MINIO_CONSOLE_PORT}`, '--certs-dir', '/tmp/certs'],
          env: [
            secretEnv('MINIO_ROOT_USER', a.rootSecret),
            secretEnv('MINIO_ROOT_PASSWORD', a.rootSecret),
            { name: 'MINIO_SITE_REGION', value: s.region },
            // Prometheus scrapes /minio/v2/metrics/cluster without a bearer token; the NetworkPolicy limits who can.
            { name: 'MINIO_PROMETHEUS_AUTH_TYPE', value: 'public' },
          ],
          ports: [{ name: 's3', containerPort: MINIO_API_PORT }, { name: 'console', containerPort: MINIO_CONSOLE_PORT }],
          livenessProbe: { httpGet: { path: '/minio/health/live', port: MINIO_API_PORT }, periodSeconds: 10, failureThreshold: 6 },
          readinessProbe: { httpGet: { path: '/minio/health/ready', port: MINIO_API_PORT }, periodSeconds: 5 },
          resources: s.resources,
          securityContext: containerSecurityContext(MINIO_UID),
          volumeMounts: [{ name: 'data', mountPath: '/data' }, ...scratch.volumeMounts],
        }],
        volumes: scratch.volumes,
      },
    },
    volumeClaimTemplates: [dataVolumeClaimTemplate(s.storageSize, s.storageClass)],
  };
}

/** The bucket/user Job: runs `mc` against the Service with the root credentials, by reference. */
export function minioInitJobSpec(a: { configMap: string; rootSecret: string; appSecret: string; settings: ResolvedObjectStore; labels: Record<string, string> }) {
  const scratch = scratchVolumes({ tmp: '/tmp' }, '64Mi');
  return {
    backoffLimit: 4,
    template: {
      metadata: { labels: a.labels },
      spec: {
        restartPolicy: 'Never',
        securityContext: podSecurityContext(MINIO_UID),
        automountServiceAccountToken: false,
        containers: [{
          name: 'mc',
          image: a.settings.mcImage,
          command: ['/bin/sh', '/config/init.sh'],
          env: [
            // mc keeps its alias config under $HOME/.mc; the root filesystem is read-only.
            { name: 'HOME', value: '/tmp' },
            secretEnv('MINIO_ROOT_USER', a.rootSecret),
            secretEnv('MINIO_ROOT_PASSWORD', a.rootSecret),
            secretEnv('APP_ACCESS_KEY', a.appSecret, 'AWS_ACCESS_KEY_ID'),
            secretEnv('APP_SECRET_KEY', a.appSecret, 'AWS_SECRET_ACCESS_KEY'),
          ],
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
          securityContext: containerSecurityContext(MINIO_UID),
          volumeMounts: [{ name: 'config', mountPath: '/config', readOnly: true }, ...scratch.volumeMounts],
        }],
        volumes: [{ name: 'config', configMap: { name: a.configMap } }, ...scratch.volumes],
      },
    },
  };
}

/**
 * MinIO with versioned buckets, a lifecycle rule for old versions, and a bucket-scoped application user
 * whose keys (Secret `<name>-s3`, keys `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`) the consumers mount.
 */
export class ObjectStore extends pulumi.ComponentResource {
  /** Service name (also the StatefulSet's). */
  readonly serviceName: pulumi.Output<string>;
  /** `http://<service>.<ns>.svc.cluster.local:9000`, for `AWS_ENDPOINT_URL_S3`. */
  readonly endpointUrl: pulumi.Output<string>;
  /** `<service>.<ns>.svc.cluster.local:9000` (host:port, as Triton's s3:// paths want it). */
  readonly endpointHost: pulumi.Output<string>;
  /** The lake's bucket (the first of `buckets`). */
  readonly bucket: pulumi.Output<string>;
  /** Secret with the application user's `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`. */
  readonly credentialsSecretName: pulumi.Output<string>;

  constructor(name: string, args: ObjectStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gogooku3:components:ObjectStore', name, {}, opts);
    const s = objectStoreSettings(args);
    const labels = appLabels(name, 'object-store', args.labels);
    const parent = { parent: this };
    const meta = (n: string, extra: Record<string, string> = {}) => ({ name: n, namespace: args.namespace, labels: { ...labels, ...extra } });

    const root = new k8s.core.v1.Secret(`${name}-root`, {
      metadata: meta(`${name}-root`),
      type: 'Opaque',
      stringData: {
        MINIO_ROOT_USER: credential('objectStore.rootUser', args.rootUser, 3),
        MINIO_ROOT_PASSWORD: credential('objectStore.rootPassword', args.rootPassword, 8),
      },
    }, parent);
    const app = new k8s.core.v1.Secret(`${name}-s3`, {
      metadata: meta(`${name}-s3`),
      type: 'Opaque',
      stringData: {
        AWS_ACCESS_KEY_ID: credential('objectStore.appAccessKey', args.appAccessKey, 3),
        AWS_SECRET_ACCESS_KEY: credential('objectStore.appSecretKey', args.appSecretKey, 8),
      },
    }, parent);
    const service = new k8s.core.v1.Service(name, {
      metadata: meta(name),
      spec: {
        selector: selectorLabels(name),
        ports: [{ name: 's3', port: MINIO_API_PORT, targetPort: 's3' }, { name: 'console', port: MINIO_CONSOLE_PORT, targetPort: 'console' }],
      },
    }, parent);
    const statefulSet = new k8s.apps.v1.StatefulSet(name, {
      metadata: meta(name),
      spec: minioStatefulSetSpec({ name, rootSecret: `${name}-root`, settings: s, labels }),
    }, { parent: this, dependsOn: [root] });

    const endpointHost = pulumi.interpolate`${service.metadata.name}.${args.namespace}.svc.cluster.local:${MINIO_API_PORT}`;
    const config = new k8s.core.v1.ConfigMap(`${name}-init`, {
      metadata: meta(`${name}-init`),
      data: {
        'init.sh': pulumi.interpolate`http://${endpointHost}`.apply((url) => minioInitScript(s.buckets, url)),
        'lifecycle.json': JSON.stringify(minioLifecycle(s.noncurrentVersionExpiryDays), null, 2),
        'policy.json': JSON.stringify(minioAppPolicy(s.buckets), null, 2),
      },
    }, parent);
    new k8s.batch.v1.Job(`${name}-init`, {
      metadata: meta(`${name}-init`, { 'gogooku3.io/role': 'object-store-init' }),
      spec: minioInitJobSpec({ configMap: `${name}-init`, rootSecret: `${name}-root`, appSecret: `${name}-s3`, settings: s, labels: { ...labels, 'gogooku3.io/role': 'object-store-init' } }),
    }, { parent: this, dependsOn: [statefulSet, config, app, root] });

    this.serviceName = service.metadata.name;
    this.endpointHost = endpointHost;
    this.endpointUrl = pulumi.interpolate`http://${endpointHost}`;
    this.bucket = pulumi.output(s.buckets[0]);
    this.credentialsSecretName = app.metadata.name;
    this.registerOutputs({ serviceName: this.serviceName, endpointUrl: this.endpointUrl, bucket: this.bucket, credentialsSecretName: this.credentialsSecretName });
  }
}
