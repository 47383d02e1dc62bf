import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { operatorCrds } from '../operator/crds/generate';
import { operatorRbac } from '../operator/rbac';
import {
  APP_UID, appLabels, checkPinnedImage, ComponentArgsError, containerSecurityContext, podSecurityContext, scratchVolumes, selectorLabels,
  type CommonArgs, type ResourceSpec,
} from './common';

/** Tunables of the operator (what a stack sets per environment). */
export interface OperatorSettings {
  /** Replicas; one leads (Lease-based election), the others stand by. Default: `2`. */
  replicas?: number;
  /** Port of the operator's HTTP server: /healthz, /readyz and /metrics. Default: `8081`. */
  port?: number;
  /** Command line (after the image's entrypoint). Default: `gogooku3 operator run --health-port <port>` (leader election is on by default; the Lease lives in $POD_NAMESPACE). */
  command?: string[];
  /** Container resources. Default: requests 50m / 128Mi, limits 500m / 512Mi. */
  resources?: ResourceSpec;
}

/** Arguments of {@link Operator}. */
export interface OperatorArgs extends CommonArgs, OperatorSettings {
  /** Our image (pinned), running `gogooku3 operator run`. */
  image: pulumi.Input<string>;
}

const DEFAULTS = {
  replicas: 2,
  port: 8081,
  resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
} as const;

/** The settings with every default applied and checked. */
export function operatorSettings(s: OperatorSettings) {
  const replicas = s.replicas ?? DEFAULTS.replicas;
  if (!Number.isInteger(replicas) || replicas < 1) throw new ComponentArgsError('operator.replicas', 'expected an integer >= 1', replicas);
  const port = s.port ?? DEFAULTS.port;
  if (!Number.isInteger(port) || port < 1024 || port > 65535) throw new ComponentArgsError('operator.port', 'expected an unprivileged port (1024-65535)', port);
  return {
    replicas,
    port,
    command: s.command ?? ['gogooku3', 'operator', 'run', '--health-port', String(port)],
    resources: s.resources ?? DEFAULTS.resources,
  };
}
export type ResolvedOperator = ReturnType<typeof operatorSettings>;

/** The operator Deployment spec: replicas spread across nodes, one leading through the Lease. */
export function operatorDeploymentSpec(a: { name: string; image: string; serviceAccount: string; settings: ResolvedOperator; labels: Record<string, string> }) {
  const s = a.settings;
  const scratch = scratchVolumes({ tmp: '/tmp' }, '256Mi');
  const fieldEnv = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  return {
    replicas: s.replicas,
    selector: { matchLabels: selectorLabels(a.name) },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
    template: {
      metadata: { labels: a.labels },
      spec: {
        serviceAccountName: a.serviceAccount,
        securityContext: podSecurityContext(APP_UID),
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selectorLabels(a.name) } }],
        // A standby takes over after the Lease expires; a quick exit on SIGTERM releases it sooner.
        terminationGracePeriodSeconds: 40,
        containers: [{
          name: 'operator',
          image: checkPinnedImage(a.image, 'operator.image'),
          command: s.command,
          // The Lease the RBAC Role grants (by resourceName) is named after the component.
          args: ['--lease-name', a.name],
          env: [
            fieldEnv('POD_NAME', 'metadata.name'),
            fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
            { name: 'GOGOOKU3_DATA_DIR', value: '/data' },
          ],
          ports: [{ name: 'http', containerPort: s.port }],
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
          readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5 },
          resources: s.resources,
          securityContext: containerSecurityContext(APP_UID),
          volumeMounts: [...scratch.volumeMounts, { name: 'data', mountPath: '/data' }],
        }],
        volumes: [...scratch.volumes, { name: 'data', emptyDir: { sizeLimit: '256Mi' } }],
      },
    },
  };
}

type Obj = Record<string, any>;

/**
 * The operator: its CRDs (from the same zod schemas the controllers parse with), least-privilege RBAC (no
 * Secrets), a leader-elected Deployment, a PodDisruptionBudget keeping one replica through drains, and a
 * Service for /metrics.
 */
export class Operator extends pulumi.ComponentResource {
  readonly serviceAccountName: pulumi.Output<string>;
  readonly serviceName: pulumi.Output<string>;

  constructor(name: string, args: OperatorArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gogooku3:components:Operator', name, {}, opts);
    const s = operatorSettings(args);
    const labels = appLabels(name, 'operator', args.labels);
    const parent = { parent: this };
    const ns = pulumi.output(args.namespace);

    const crds = operatorCrds().map((crd) => new k8s.apiextensions.v1.CustomResourceDefinition(crd.metadata.name, crd as unknown as k8s.apiextensions.v1.CustomResourceDefinitionArgs, parent));

    // operatorRbac names the namespace in subjects and the Role, so it is rendered once the namespace is known.
    const rbac = ns.apply((namespace) => operatorRbac({ namespace, name, leaseName: name }));
    const pick = (kind: string) => rbac.apply((objs) => {
      const found = objs.find((o) => o.kind === kind) as Obj | undefined;
      if (!found) throw new ComponentArgsError('operatorRbac()', `expected a ${kind} among its objects`, objs.map((o) => o.kind));
      return { ...found, metadata: { ...found.metadata, labels: { ...labels, ...(found.metadata as Obj).labels } } } as Obj;
    });
    const roleName = `${name}-leader-election`;
    const f = (kind: string, key: string) => pick(kind).apply((o) => o[key]);
    const sa = new k8s.core.v1.ServiceAccount(name, { metadata: f('ServiceAccount', 'metadata'), automountServiceAccountToken: true }, parent);
    const clusterRole = new k8s.rbac.v1.ClusterRole(name, { metadata: f('ClusterRole', 'metadata'), rules: f('ClusterRole', 'rules') }, parent);
    const clusterRoleBinding = new k8s.rbac.v1.ClusterRoleBinding(name, {
      metadata: f('ClusterRoleBinding', 'metadata'), roleRef: f('ClusterRoleBinding', 'roleRef'), subjects: f('ClusterRoleBinding', 'subjects'),
    }, { parent: this, dependsOn: [clusterRole, sa] });
    const role = new k8s.rbac.v1.Role(roleName, { metadata: f('Role', 'metadata'), rules: f('Role', 'rules') }, parent);
    const roleBinding = new k8s.rbac.v1.RoleBinding(roleName, {
      metadata: f('RoleBinding', 'metadata'), roleRef: f('RoleBinding', 'roleRef'), subjects: f('RoleBinding', 'subjects'),
    }, { parent: this, dependsOn: [role, sa] });

    const meta = { name, namespace: args.namespace, labels };
    const deployment = new k8s.apps.v1.Deployment(name, {
      metadata: meta,
      spec: pulumi.output(args.image).apply((image) => operatorDeploymentSpec({ name, image, serviceAccount: name, settings: s, labels })),
    }, { parent: this, dependsOn: [...crds, clusterRoleBinding, roleBinding] });
    new k8s.policy.v1.PodDisruptionBudget(name, {
      metadata: meta,
      spec: { minAvailable: 1, selector: { matchLabels: selectorLabels(name) } },
    }, { parent: this, dependsOn: [deployment] });
    const service = new k8s.core.v1.Service(name, {
      metadata: meta,
      spec: { selector: selectorLabels(name), ports: [{ name: 'http', port: s.port, targetPort: 'http' }] },
    }, parent);

    this.serviceAccountName = sa.metadata.name;
    this.serviceName = service.metadata.name;
    this.registerOutputs({ serviceAccountName: this.serviceAccountName, serviceName: this.serviceName });
  }
}
