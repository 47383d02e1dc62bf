/**
 * Pure building blocks every component shares: pinned third-party images, the restrictive security context
 * every container gets, resource blocks and labels. Nothing here touches Pulumi resources, so all of it is
 * table-tested directly.
 */
import type * as pulumi from '@pulumi/pulumi';

/**
 * Third-party images, pinned by full version tag (never `latest`, never a moving minor tag). Bumped by hand,
 * together with whatever config the new version needs.
 */
export const PINNED_IMAGES = {
  minio: 'quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z',
  mc: 'quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z',
  clickhouse: 'clickhouse/clickhouse-server:25.8.2.29',
  redis: 'redis:7.4.5-alpine3.21',
  triton: 'nvcr.io/nvidia/tritonserver:25.08-py3',
  pushgateway: 'prom/pushgateway:v1.11.0',
} as const;

/** The uid (and gid) of our own image's user; must match `components/images/Dockerfile`. */
export const APP_UID = 10001;

/** CPU / memory for one container, Kubernetes quantities. */
export interface ResourceSpec {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** An image reference refused because it would not pin what runs. */
export class UnpinnedImageError extends Error {
  constructor(readonly field: string, readonly ref: string, reason: string) {
    super(`${field}: expected an image pinned by tag or digest (repository:tag, not latest), got ${JSON.stringify(ref)}: ${reason}`);
    this.name = 'UnpinnedImageError';
  }
}

/**
 * Splits `registry/repo:tag@sha256:…` and refuses refs that do not pin a version: no tag and no digest, or the
 * tag `latest`. A port in the registry host (`host:5000/repo`) is not mistaken for a tag.
 */
export function checkPinnedImage(ref: string, field = 'image'): string {
  if (ref.trim() !== ref || ref === '' || /\s/.test(ref)) throw new UnpinnedImageError(field, ref, 'empty or contains whitespace');
  const [name, digest] = ref.split('@', 2);
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest)) throw new UnpinnedImageError(field, ref, 'a digest must be sha256:<64 hex>');
  const lastSlash = name.lastIndexOf('/');
  const colon = name.indexOf(':', lastSlash + 1);
  const tag = colon === -1 ? undefined : name.slice(colon + 1);
  if (tag === 'latest') throw new UnpinnedImageError(field, ref, 'the tag latest moves');
  if (tag === undefined && digest === undefined) throw new UnpinnedImageError(field, ref, 'no tag (Kubernetes would pull latest)');
  if (tag !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) throw new UnpinnedImageError(field, ref, 'not a valid tag');
  return ref;
}

/** The container security context every workload runs with: non-root, read-only root, no privileges. */
export function containerSecurityContext(uid: number, gid: number = uid) {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    readOnlyRootFilesystem: true,
    allowPrivilegeEscalation: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The pod-level counterpart; fsGroup makes mounted volumes writable by the (non-root) user. */
export function podSecurityContext(uid: number, gid: number = uid) {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: gid,
    fsGroup: gid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** The recommended labels; `app.kubernetes.io/name` is also what the NetworkPolicies select on. */
export function appLabels(name: string, component: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/part-of': 'gogooku3',
    'app.kubernetes.io/managed-by': 'pulumi',
    ...extra,
  };
}

/** The subset of labels a selector uses: stable for the life of the workload (selectors are immutable). */
export function selectorLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'gogooku3' };
}

/** Volumes (and their mounts) that give a read-only-root container its writable scratch directories. */
export function scratchVolumes(dirs: Record<string, string>, sizeLimit = '1Gi') {
  const entries = Object.entries(dirs);
  return {
    volumes: entries.map(([name]) => ({ name, emptyDir: { sizeLimit } })),
    volumeMounts: entries.map(([name, mountPath]) => ({ name, mountPath })),
  };
}

/** Settings every component takes. */
export interface CommonArgs {
  /** Namespace all of the component's objects go into. */
  namespace: pulumi.Input<string>;
  /** Extra labels on every object (merged over the recommended `app.kubernetes.io/*` labels). Default: none. */
  labels?: Record<string, string>;
}

/** In-cluster DNS name of a Service. */
export function serviceHost(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

/** A component argument outside what the component accepts. */
export class ComponentArgsError extends Error {
  constructor(readonly field: string, expected: string, got: unknown) {
    super(`${field}: ${expected}, got ${JSON.stringify(got)}`);
    this.name = 'ComponentArgsError';
  }
}

/** The StatefulSet `volumeClaimTemplates` entry for a `data` volume; no storageClassName means the cluster default. */
export function dataVolumeClaimTemplate(storageSize: string, storageClass?: string) {
  return {
    metadata: { name: 'data' },
    spec: {
      accessModes: ['ReadWriteOnce'],
      ...(storageClass ? { storageClassName: storageClass } : {}),
      resources: { requests: { storage: storageSize } },
    },
  };
}

/** One container of our image run to completion (a Job's or CronJob's pod). */
export interface AppRunArgs {
  /** Container name. */
  name: string;
  /** Our image, pinned (checked; `imageField` names the argument in the error). */
  image: string;
  imageField: string;
  /** `gogooku3 …` argv. */
  command: string[];
  /** Variables beside `GOGOOKU3_DATA_DIR=/data`. */
  env?: Array<{ name: string; value: string }>;
  /** Secrets exposed whole, by name. */
  envFromSecrets?: string[];
  resources: ResourceSpec;
  /** Size limit of the `/data` and `/tmp` scratch volumes. Default: `1Gi`. */
  scratchSize?: string;
}

/**
 * The pod spec of a one-shot `gogooku3` command: never restarted in place (the Job retries), non-root with a
 * read-only root and `/data` + `/tmp` scratch, no service-account token (it talks to no Kubernetes API).
 */
export function appRunPodSpec(a: AppRunArgs) {
  const scratch = scratchVolumes({ data: '/data', tmp: '/tmp' }, a.scratchSize);
  return {
    restartPolicy: 'Never',
    securityContext: podSecurityContext(APP_UID),
    automountServiceAccountToken: false,
    containers: [{
      name: a.name,
      image: checkPinnedImage(a.image, a.imageField),
      command: a.command,
      env: [{ name: 'GOGOOKU3_DATA_DIR', value: '/data' }, ...(a.env ?? [])],
      ...(a.envFromSecrets ? { envFrom: a.envFromSecrets.map((name) => ({ secretRef: { name } })) } : {}),
      resources: a.resources,
      securityContext: containerSecurityContext(APP_UID),
      volumeMounts: scratch.volumeMounts,
    }],
    volumes: scratch.volumes,
  };
}
