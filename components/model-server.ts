import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import {
  appLabels, checkPinnedImage, ComponentArgsError, containerSecurityContext, PINNED_IMAGES, podSecurityContext, scratchVolumes, selectorLabels,
  type CommonArgs, type ResourceSpec,
} from './common';

/** A toleration, as in a pod spec. */
export interface Toleration { key?: string; operator?: 'Exists' | 'Equal'; value?: string; effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }

/** Tunables of the model server (what a stack sets per environment). */
export interface ModelServerSettings {
  /** Triton image, pinned. Default: `PINNED_IMAGES.triton`. */
  image?: string;
  /** Replicas. Default: `1`. */
  replicas?: number;
  /** GPUs per replica; `nvidia.com/gpu` is requested only when this is above 0. Default: `0` (CPU). */
  gpus?: number;
  /** Node selector. Default: none. */
  nodeSelector?: Record<string, string>;
  /** Tolerations. Default: `nvidia.com/gpu Exists NoSchedule` when gpus > 0, else none. */
  tolerations?: Toleration[];
  /**
   * Models loaded at start (`--load-model`, `*` = every model in the repository). Default: `['*']`: in explicit
   * mode nothing else loads them (the router only checks readiness); later versions need a repository load call.
   */
  loadModels?: string[];
  /** Key prefix of the Triton model repository inside the bucket (the registry's root). Default: `models`. */
  repositoryPrefix?: string;
  /** Container resources (GPUs come from `gpus`). Default: requests 1 CPU / 4Gi, limits 4 CPU / 8Gi. */
  resources?: ResourceSpec;
}

/** Arguments of {@link ModelServer}. */
export interface ModelServerArgs extends CommonArgs, ModelServerSettings {
  /** S3 endpoint host:port of the object store (no scheme), e.g. `minio.gogooku3.svc.cluster.local:9000`. */
  s3Endpoint: pulumi.Input<string>;
  /** Bucket holding the model repository. */
  bucket: pulumi.Input<string>;
  /** Region for S3 signing. Default: `us-east-1`. */
  region?: string;
  /** Name of a Secret with `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY` (the object store's app user). */
  s3CredentialsSecret: pulumi.Input<string>;
}

const DEFAULTS = {
  replicas: 1,
  gpus: 0,
  repositoryPrefix: 'models',
  region: 'us-east-1',
  resources: { requests: { cpu: '1', memory: '4Gi' }, limits: { cpu: '4', memory: '8Gi' } },
} as const;

/** The image's `triton-server` user. */
const TRITON_UID = 1000;
export const TRITON_HTTP_PORT = 8000;
export const TRITON_GRPC_PORT = 8001;
export const TRITON_METRICS_PORT = 8002;
const GPU_TOLERATION: Toleration = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

/** The settings with every default applied and checked. */
export function modelServerSettings(s: ModelServerSettings) {
  const gpus = s.gpus ?? DEFAULTS.gpus;
  if (!Number.isInteger(gpus) || gpus < 0 || gpus > 16) throw new ComponentArgsError('modelServer.gpus', 'expected an integer from 0 to 16', gpus);
  const replicas = s.replicas ?? DEFAULTS.replicas;
  if (!Number.isInteger(replicas) || replicas < 1) throw new ComponentArgsError('modelServer.replicas', 'expected an integer >= 1', replicas);
  const repositoryPrefix = (s.repositoryPrefix ?? DEFAULTS.repositoryPrefix).replace(/^\/+|\/+$/g, '');
  return {
    image: checkPinnedImage(s.image ?? PINNED_IMAGES.triton, 'modelServer.image'),
    replicas,
    gpus,
    nodeSelector: s.nodeSelector,
    tolerations: s.tolerations ?? (gpus > 0 ? [GPU_TOLERATION] : []),
    repositoryPrefix,
    loadModels: s.loadModels ?? ['*'],
    resources: s.resources ?? DEFAULTS.resources,
  };
}
export type ResolvedModelServer = ReturnType<typeof modelServerSettings>;

/** Triton's repository path for an S3-compatible endpoint: `s3://http://host:port/bucket/prefix`. */
export function tritonRepositoryUrl(endpointHost: string, bucket: string, prefix: string): string {
  return `s3://http://${endpointHost}/${bucket}${prefix ? `/${prefix}` : ''}`;
}

/** Triton's command line: explicit model control (the router loads what the weights name), auto-complete configs. */
export function tritonArgs(repository: string, loadModels: readonly string[] = ['*']): string[] {
  return [
    'tritonserver',
    `--model-repository=${repository}`,
    '--model-control-mode=explicit',
    '--strict-model-config=false',
    `--http-port=${TRITON_HTTP_PORT}`,
    `--grpc-port=${TRITON_GRPC_PORT}`,
    `--metrics-port=${TRITON_METRICS_PORT}`,
    '--allow-metrics=true',
    '--exit-on-error=false',
    ...loadModels.map((m) => `--load-model=${m}`),
  ];
}

/** Container resources with `nvidia.com/gpu` added (requests = limits, as extended resources require) only when gpus > 0. */
export function tritonResources(s: Pick<ResolvedModelServer, 'gpus' | 'resources'>): { requests: Record<string, string>; limits: Record<string, string> } {
  const gpu: Record<string, string> = s.gpus > 0 ? { 'nvidia.com/gpu': String(s.gpus) } : {};
  return { requests: { ...s.resources.requests, ...gpu }, limits: { ...s.resources.limits, ...gpu } };
}

/** The Triton Deployment spec; S3 credentials come from the object store's Secret by reference. */
export function tritonDeploymentSpec(a: { name: string; repository: string; region: string; s3Secret: string; settings: ResolvedModelServer; labels: Record<string, string> }) {
  const s = a.settings;
  // Triton copies S3 models to a local temp dir before loading them; /tmp is sized for the model set.
  const scratch = scratchVolumes({ tmp: '/tmp' }, '20Gi');
  const ready = { httpGet: { path: '/v2/health/ready', port: TRITON_HTTP_PORT } };
  return {
    replicas: s.replicas,
    selector: { matchLabels: selectorLabels(a.name) },
    template: {
      metadata: { labels: a.labels },
      spec: {
        securityContext: podSecurityContext(TRITON_UID),
        automountServiceAccountToken: false,
        ...(s.nodeSelector ? { nodeSelector: s.nodeSelector } : {}),
        ...(s.tolerations.length > 0 ? { tolerations: s.tolerations } : {}),
        containers: [{
          name: 'triton',
          image: s.image,
          args: tritonArgs(a.repository, s.loadModels),
          env: [
            { name: 'AWS_ACCESS_KEY_ID', valueFrom: { secretKeyRef: { name: a.s3Secret, key: 'AWS_ACCESS_KEY_ID' } } },
            { name: 'AWS_SECRET_ACCESS_KEY', valueFrom: { secretKeyRef: { name: a.s3Secret, key: 'AWS_SECRET_ACCESS_KEY' } } },
            { name: 'AWS_DEFAULT_REGION', value: a.region },
          ],
          ports: [
            { name: 'http', containerPort: TRITON_HTTP_PORT },
            { name: 'grpc', containerPort: TRITON_GRPC_PORT },
            { name: 'metrics', containerPort: TRITON_METRICS_PORT },
          ],
          startupProbe: { ...ready, periodSeconds: 5, failureThreshold: 120 },
          livenessProbe: { httpGet: { path: '/v2/health/live', port: TRITON_HTTP_PORT }, periodSeconds: 10, failureThreshold: 6 },
          readinessProbe: { ...ready, periodSeconds: 5 },
          resources: tritonResources(s),
          securityContext: containerSecurityContext(TRITON_UID),
          volumeMounts: [...scratch.volumeMounts, { name: 'shm', mountPath: '/dev/shm' }],
        }],
        // Triton's Python backend and large tensors use shared memory beyond the runtime's 64Mi default.
        volumes: [...scratch.volumes, { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } }],
      },
    },
  };
}

/** Triton serving the registry's Triton repository straight from the object store. */
export class ModelServer extends pulumi.ComponentResource {
  readonly serviceName: pulumi.Output<string>;
  /** KServe v2 HTTP root, `http://<service>.<ns>.svc.cluster.local:8000`. */
  readonly httpUrl: pulumi.Output<string>;

  constructor(name: string, args: ModelServerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gogooku3:components:ModelServer', name, {}, opts);
    const s = modelServerSettings(args);
    const labels = appLabels(name, 'model-server', args.labels);
    const meta = { name, namespace: args.namespace, labels };
    const service = new k8s.core.v1.Service(name, {
      metadata: meta,
      spec: {
        selector: selectorLabels(name),
        ports: [
          { name: 'http', port: TRITON_HTTP_PORT, targetPort: 'http' },
          { name: 'grpc', port: TRITON_GRPC_PORT, targetPort: 'grpc' },
          { name: 'metrics', port: TRITON_METRICS_PORT, targetPort: 'metrics' },
        ],
      },
    }, { parent: this });
    new k8s.apps.v1.Deployment(name, {
      metadata: meta,
      spec: pulumi.all([args.s3Endpoint, args.bucket, args.s3CredentialsSecret]).apply(([endpoint, bucket, s3Secret]) => tritonDeploymentSpec({
        name, repository: tritonRepositoryUrl(endpoint, bucket, s.repositoryPrefix), region: args.region ?? DEFAULTS.region, s3Secret, settings: s, labels,
      })),
    }, { parent: this });
    this.serviceName = service.metadata.name;
    this.httpUrl = pulumi.interpolate`http://${name}.${args.namespace}.svc.cluster.local:${TRITON_HTTP_PORT}`;
    this.registerOutputs({ serviceName: this.serviceName, httpUrl: this.httpUrl });
  }
}
