import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { formatIssues } from '../pipelines/serve/protocol';
import { WeightsConfigSchema, type WeightsConfig } from '../pipelines/serve/weights';
import {
  APP_UID, appLabels, checkPinnedImage, ComponentArgsError, containerSecurityContext, podSecurityContext, scratchVolumes, selectorLabels,
  type CommonArgs, type ResourceSpec,
} from './common';

/** Tunables of the router (what a stack sets per environment). */
export interface RouterSettings {
  /** Fewest replicas the HPA keeps. Default: `2`. */
  minReplicas?: number;
  /** Most replicas the HPA scales to. Default: `10`. */
  maxReplicas?: number;
  /** Average CPU utilisation (percent of requests) the HPA aims at. Default: `70`. */
  targetCpuUtilization?: number;
  /** Per-request deadline, ms (`--timeout-ms`). Default: `10000`. */
  timeoutMs?: number;
  /** Weights the ConfigMap starts with (router format); the operator owns it afterwards. Default: none (router waits). */
  initialWeights?: WeightsConfig;
  /** Container resources. Default: requests 250m / 512Mi, limits 2 CPU / 2Gi. */
  resources?: ResourceSpec;
}

/** Arguments of {@link Router}. */
export interface RouterArgs extends CommonArgs, RouterSettings {
  /** Our image (pinned), running `gogooku3 serve`. */
  image: pulumi.Input<string>;
  /** Triton's KServe v2 HTTP root, e.g. `http://triton.gogooku3.svc.cluster.local:8000`. */
  tritonUrl: pulumi.Input<string>;
  /** `GOGOOKU3_OBJECT_STORE` (s3://bucket/prefix, no credentials), where the model registry lives. */
  objectStoreUrl: pulumi.Input<string>;
  /** S3 endpoint URL (`AWS_ENDPOINT_URL_S3`), e.g. `http://minio.gogooku3.svc.cluster.local:9000`. */
  s3EndpointUrl: pulumi.Input<string>;
  /** Secret with `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`. */
  s3CredentialsSecret: pulumi.Input<string>;
  /** Region the object store signs for (`AWS_REGION`). Default: `us-east-1`. */
  region?: string;
  /** Secret with `GOGOOKU3_ONLINE_STORE` (the redis:// URL, password included). */
  onlineStoreSecret: pulumi.Input<string>;
}

const DEFAULTS = {
  minReplicas: 2,
  maxReplicas: 10,
  targetCpuUtilization: 70,
  timeoutMs: 10_000,
  resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
} as const;

export const ROUTER_PORT = 8080;
/** Where the weights ConfigMap is mounted; a directory mount (not subPath), so the kubelet propagates updates. */
export const WEIGHTS_DIR = '/etc/gogooku3/weights';
export const WEIGHTS_FILE = 'weights.json';

/** The settings with every default applied and checked (the initial weights through the router's own schema). */
export function routerSettings(s: RouterSettings) {
  const minReplicas = s.minReplicas ?? DEFAULTS.minReplicas;
  const maxReplicas = s.maxReplicas ?? DEFAULTS.maxReplicas;
  if (!Number.isInteger(minReplicas) || minReplicas < 1) throw new ComponentArgsError('router.minReplicas', 'expected an integer >= 1', minReplicas);
  if (!Number.isInteger(maxReplicas) || maxReplicas < minReplicas) throw new ComponentArgsError('router.maxReplicas', `expected an integer >= minReplicas (${minReplicas})`, maxReplicas);
  const target = s.targetCpuUtilization ?? DEFAULTS.targetCpuUtilization;
  if (!Number.isInteger(target) || target < 10 || target > 100) throw new ComponentArgsError('router.targetCpuUtilization', 'expected an integer percentage from 10 to 100', target);
  let initialWeights: WeightsConfig | undefined;
  if (s.initialWeights !== undefined) {
    const parsed = WeightsConfigSchema.safeParse(s.initialWeights);
    if (!parsed.success) throw new ComponentArgsError('router.initialWeights', `expected the router's weights format (${formatIssues(parsed.error.issues)})`, s.initialWeights);
    initialWeights = parsed.data;
  }
  return {
    minReplicas,
    maxReplicas,
    targetCpuUtilization: target,
    timeoutMs: s.timeoutMs ?? DEFAULTS.timeoutMs,
    initialWeights,
    resources: s.resources ?? DEFAULTS.resources,
  };
}
export type ResolvedRouter = ReturnType<typeof routerSettings>;

/** The router's command line: all interfaces, Triton backend, the weights file from the mounted ConfigMap. */
export function routerCommand(a: { tritonUrl: string; timeoutMs: number }): string[] {
  return [
    'gogooku3', 'serve',
    '--host', '0.0.0.0',
    '--port', String(ROUTER_PORT),
    '--backend', 'triton',
    '--triton-url', a.tritonUrl,
    '--weights', `${WEIGHTS_DIR}/${WEIGHTS_FILE}`,
    '--timeout-ms', String(a.timeoutMs),
  ];
}

/** The router Deployment spec (no replicas: the HPA owns the count). */
export function routerDeploymentSpec(a: {
  name: string; image: string; tritonUrl: string; objectStoreUrl: string; s3EndpointUrl: string; region?: string;
  s3Secret: string; onlineSecret: string; weightsConfigMap: string; settings: ResolvedRouter; labels: Record<string, string>;
}) {
  const s = a.settings;
  const scratch = scratchVolumes({ data: '/data', tmp: '/tmp' });
  const secretEnv = (name: string) => ({ name, valueFrom: { secretKeyRef: { name: a.s3Secret, key: name } } });
  return {
    selector: { matchLabels: selectorLabels(a.name) },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    template: {
      metadata: { labels: a.labels },
      spec: {
        securityContext: podSecurityContext(APP_UID),
        automountServiceAccountToken: false,
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selectorLabels(a.name) } }],
        containers: [{
          name: 'router',
          image: checkPinnedImage(a.image, 'router.image'),
          command: routerCommand({ tritonUrl: a.tritonUrl, timeoutMs: s.timeoutMs }),
          env: [
            { name: 'GOGOOKU3_DATA_DIR', value: '/data' },
            { name: 'GOGOOKU3_OBJECT_STORE', value: a.objectStoreUrl },
            { name: 'AWS_ENDPOINT_URL_S3', value: a.s3EndpointUrl },
            { name: 'AWS_REGION', value: a.region ?? 'us-east-1' },
            secretEnv('AWS_ACCESS_KEY_ID'),
            secretEnv('AWS_SECRET_ACCESS_KEY'),
          ],
          // GOGOOKU3_ONLINE_STORE carries the Redis password, so it comes whole from the Secret.
          envFrom: [{ secretRef: { name: a.onlineSecret } }],
          ports: [{ name: 'http', containerPort: ROUTER_PORT }],
          livenessProbe: { httpGet: { path: '/v2/health/live', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
          readinessProbe: { httpGet: { path: '/v2/health/ready', port: 'http' }, periodSeconds: 5 },
          resources: s.resources,
          securityContext: containerSecurityContext(APP_UID),
          volumeMounts: [...scratch.volumeMounts, { name: 'weights', mountPath: WEIGHTS_DIR, readOnly: true }],
        }],
        volumes: [...scratch.volumes, { name: 'weights', configMap: { name: a.weightsConfigMap } }],
      },
    },
  };
}

/** The HPA: autoscaling/v2 on average CPU utilisation of the requests. */
export function routerHpaSpec(a: { deployment: string; settings: ResolvedRouter }) {
  return {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: a.deployment },
    minReplicas: a.settings.minReplicas,
    maxReplicas: a.settings.maxReplicas,
    metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: a.settings.targetCpuUtilization } } }],
    // Scale down slowly: a model load on a fresh replica costs more than an idle one.
    behavior: { scaleDown: { stabilizationWindowSeconds: 300 } },
  };
}

/** The weights ConfigMap's data: the initial routing config, or none (the router then waits for the operator). */
export function weightsData(weights: WeightsConfig | undefined): Record<string, string> {
  return weights ? { [WEIGHTS_FILE]: `${JSON.stringify(weights, null, 2)}\n` } : {};
}

/**
 * The inference router: `gogooku3 serve` against Triton, its weights ConfigMap (created once, then owned by
 * the operator: Pulumi ignores changes to its data), a Service and a CPU HPA.
 */
export class Router extends pulumi.ComponentResource {
  readonly serviceName: pulumi.Output<string>;
  /** The weights ConfigMap the operator's ModelRollout controller updates. */
  readonly weightsConfigMapName: pulumi.Output<string>;

  constructor(name: string, args: RouterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gogooku3:components:Router', name, {}, opts);
    const s = routerSettings(args);
    const labels = appLabels(name, 'router', args.labels);
    const meta = (n: string) => ({ name: n, namespace: args.namespace, labels });
    const weights = new k8s.core.v1.ConfigMap(`${name}-weights`, {
      metadata: meta(`${name}-weights`),
      data: weightsData(s.initialWeights),
    }, { parent: this, ignoreChanges: ['data'] });
    const deployment = new k8s.apps.v1.Deployment(name, {
      metadata: meta(name),
      spec: pulumi.all([args.image, args.tritonUrl, args.objectStoreUrl, args.s3EndpointUrl, args.s3CredentialsSecret, args.onlineStoreSecret])
        .apply(([image, tritonUrl, objectStoreUrl, s3EndpointUrl, s3Secret, onlineSecret]) => routerDeploymentSpec({
          name, image, tritonUrl, objectStoreUrl, s3EndpointUrl, region: args.region, s3Secret, onlineSecret, weightsConfigMap: `${name}-weights`, settings: s, labels,
        })),
    }, { parent: this, dependsOn: [weights] });
    const service = new k8s.core.v1.Service(name, {
      metadata: meta(name),
      spec: { selector: selectorLabels(name), ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
    }, { parent: this });
    new k8s.autoscaling.v2.HorizontalPodAutoscaler(name, {
      metadata: meta(name),
      spec: routerHpaSpec({ deployment: name, settings: s }),
    }, { parent: this, dependsOn: [deployment] });
    this.serviceName = service.metadata.name;
    this.weightsConfigMapName = weights.metadata.name;
    this.registerOutputs({ serviceName: this.serviceName, weightsConfigMapName: this.weightsConfigMapName });
  }
}
