import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { alertmanagerConfig, dashboardFiles, prometheusRuleGroups } from '../dashboards';
import { ComponentArgsError, selectorLabels } from './common';
import { AppImage, type ImageSettings } from './image';
import { MINIO_API_PORT, ObjectStore, type ObjectStoreSettings } from './object-store';
import { CLICKHOUSE_HTTP_PORT, CLICKHOUSE_METRICS_PORT, Warehouse, type WarehouseSettings } from './warehouse';
import { OnlineStore, REDIS_PORT, type OnlineStoreSettings } from './online-store';
import { ModelServer, TRITON_GRPC_PORT, TRITON_HTTP_PORT, TRITON_METRICS_PORT, type ModelServerSettings } from './model-server';
import { Monitoring, type MonitoringSettings, type ScrapeTarget } from './monitoring';
import { Operator, operatorSettings, type OperatorSettings } from './operator';
import { PUSHGATEWAY_PORT, Pushgateway, type PushgatewaySettings } from './pushgateway';
import { Router, ROUTER_PORT, type RouterSettings } from './router';
import { networkPolicies, type NetworkPolicySettings, type NetworkPolicyTopology } from './network-policies';

/** Every credential the platform needs; each is wrapped in `pulumi.secret` and lands only in Secrets. */
export interface PlatformSecrets {
  /** MinIO root user. */
  minioRootUser: pulumi.Input<string>;
  /** MinIO root password (>= 8 characters). */
  minioRootPassword: pulumi.Input<string>;
  /** Access key of the application's MinIO user (pipelines, router, Triton). */
  objectStoreAccessKey: pulumi.Input<string>;
  /** Secret key of the application's MinIO user (>= 8 characters). */
  objectStoreSecretKey: pulumi.Input<string>;
  /** ClickHouse password of the pipelines' user. */
  clickhousePassword: pulumi.Input<string>;
  /** Redis `requirepass`. */
  redisPassword: pulumi.Input<string>;
  /** Grafana admin password. */
  grafanaAdminPassword: pulumi.Input<string>;
  /** PagerDuty Events v2 routing key; with `slackWebhookUrl`, turns on the Alertmanager config from dashboards/. */
  pagerDutyRoutingKey?: pulumi.Input<string>;
  /** Slack incoming-webhook URL (see `pagerDutyRoutingKey`). */
  slackWebhookUrl?: pulumi.Input<string>;
}

/**
 * Everything one environment's stack decides. Per-component sections are optional; each field's default is
 * documented on the component's settings interface.
 */
export interface PlatformArgs {
  /** Environment name (`dev`, `staging`, `prod`, ...); a label on every object. */
  env: string;
  /** Namespace of the platform's workloads. Default: `gogooku3-<env>`. */
  namespace?: string;
  /** Namespace of kube-prometheus-stack. Default: `monitoring`. */
  monitoringNamespace?: string;
  /** Our own image: built and pushed when `image.registry` is set, else referenced by tag. */
  image: ImageSettings;
  /** Credentials (see {@link PlatformSecrets}). */
  secrets: PlatformSecrets;
  /** Default StorageClass for every volume a section does not set one for. Default: the cluster's default. */
  storageClass?: string;
  objectStore?: ObjectStoreSettings;
  warehouse?: WarehouseSettings;
  onlineStore?: OnlineStoreSettings;
  modelServer?: ModelServerSettings;
  /** Monitoring settings; `enabled: false` skips kube-prometheus-stack (e.g. a cluster that already has one). Default: enabled. */
  monitoring?: MonitoringSettings & {
    enabled?: boolean;
    /** Dashboards by file name. Default: the ones `dashboards/` exports. */
    dashboards?: Record<string, object>;
    /** Rule groups. Default: the ones `dashboards/` exports. */
    ruleGroups?: object[];
    /** Alertmanager config. Default: the one `dashboards/` exports. */
    alertmanagerConfig?: pulumi.Input<object>;
    /** Extra scrape targets beside the platform's own. Default: none. */
    extraScrapeTargets?: ScrapeTarget[];
  };
  operator?: OperatorSettings;
  router?: RouterSettings;
  /**
   * The batch runs' Pushgateway (persisted, pruned daily); `enabled: false` when batch metrics go to an existing
   * gateway (FeatureSets then name it in `spec.metrics.pushgatewayUrl`). Default: enabled.
   */
  pushgateway?: PushgatewaySettings & { enabled?: boolean };
  /** NetworkPolicies: default-deny plus the platform's allows. Default: enabled, see {@link NetworkPolicySettings}. */
  networkPolicies?: NetworkPolicySettings & { enabled?: boolean };
}

/** Names of the component instances (and of their Services, so in-cluster DNS names are stable). */
export const PLATFORM_NAMES = {
  objectStore: 'minio',
  warehouse: 'clickhouse',
  onlineStore: 'redis',
  modelServer: 'triton',
  monitoring: 'monitoring',
  operator: 'gogooku3-operator',
  router: 'router',
  pushgateway: 'pushgateway',
} as const;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Namespaces and switches with their defaults applied and checked. */
export function platformLayout(args: Pick<PlatformArgs, 'env' | 'namespace' | 'monitoringNamespace' | 'monitoring' | 'networkPolicies' | 'pushgateway'>) {
  if (!DNS_LABEL.test(args.env)) throw new ComponentArgsError('env', 'expected a DNS label such as dev, staging or prod', args.env);
  const namespace = args.namespace ?? `gogooku3-${args.env}`;
  const monitoringNamespace = args.monitoringNamespace ?? 'monitoring';
  for (const [field, v] of [['namespace', namespace], ['monitoringNamespace', monitoringNamespace]] as const) {
    if (!DNS_LABEL.test(v)) throw new ComponentArgsError(field, 'expected a DNS label (lower-case letters, digits, -; at most 63)', v);
  }
  if (namespace === monitoringNamespace) throw new ComponentArgsError('monitoringNamespace', `expected a namespace other than the platform's (${namespace})`, monitoringNamespace);
  return {
    namespace,
    monitoringNamespace,
    monitoringEnabled: args.monitoring?.enabled ?? true,
    networkPoliciesEnabled: args.networkPolicies?.enabled ?? true,
    pushgatewayEnabled: args.pushgateway?.enabled ?? true,
  };
}

/** The topology the NetworkPolicies connect, from the platform's names and ports. */
export function platformTopology(namespace: string, monitoringNamespace: string, operatorPort: number, pushgateway = true): NetworkPolicyTopology {
  const n = PLATFORM_NAMES;
  return {
    namespace,
    monitoringNamespace,
    objectStore: { name: n.objectStore, port: MINIO_API_PORT },
    warehouse: { name: n.warehouse, httpPort: CLICKHOUSE_HTTP_PORT, metricsPort: CLICKHOUSE_METRICS_PORT },
    onlineStore: { name: n.onlineStore, port: REDIS_PORT },
    modelServer: { name: n.modelServer, httpPort: TRITON_HTTP_PORT, grpcPort: TRITON_GRPC_PORT, metricsPort: TRITON_METRICS_PORT },
    router: { name: n.router, port: ROUTER_PORT },
    operator: { name: n.operator, port: operatorPort },
    ...(pushgateway ? { pushgateway: { name: n.pushgateway, port: PUSHGATEWAY_PORT } } : {}),
  };
}

/** PodMonitors for the platform's own metrics endpoints (container port names). */
export function platformScrapeTargets(namespace: string, pushgateway = true): ScrapeTarget[] {
  const n = PLATFORM_NAMES;
  return [
    { name: n.router, namespace, matchLabels: selectorLabels(n.router), port: 'http' },
    { name: n.modelServer, namespace, matchLabels: selectorLabels(n.modelServer), port: 'metrics' },
    { name: n.operator, namespace, matchLabels: selectorLabels(n.operator), port: 'http' },
    { name: n.warehouse, namespace, matchLabels: selectorLabels(n.warehouse), port: 'metrics' },
    { name: n.objectStore, namespace, matchLabels: selectorLabels(n.objectStore), port: 's3', path: '/minio/v2/metrics/cluster' },
    // The pushed groups carry their own job and run labels: they are the series' identity.
    ...(pushgateway ? [{ name: n.pushgateway, namespace, matchLabels: selectorLabels(n.pushgateway), port: 'http', honorLabels: true }] : []),
  ];
}

/**
 * The whole platform in one namespace (Pod Security "restricted" enforced): object store, warehouse,
 * online store, model server, operator, router, NetworkPolicies; kube-prometheus-stack in its own namespace.
 */
export class Platform extends pulumi.ComponentResource {
  readonly namespace: pulumi.Output<string>;
  readonly imageRef: pulumi.Output<string>;
  readonly objectStoreEndpoint: pulumi.Output<string>;
  readonly warehouseUrl: pulumi.Output<string>;
  /** `redis://<host>:6379` (no password; the password is in the online store's Secret). */
  readonly onlineStoreUrl: pulumi.Output<string>;
  readonly modelServerUrl: pulumi.Output<string>;
  readonly routerUrl: pulumi.Output<string>;
  readonly grafanaUrl?: pulumi.Output<string>;
  /** The batch runs' Pushgateway, for FeatureSet `spec.metrics.pushgatewayUrl`; absent when disabled. */
  readonly pushgatewayUrl?: pulumi.Output<string>;

  constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gogooku3:components:Platform', name, {}, opts);
    const layout = platformLayout(args);
    const n = PLATFORM_NAMES;
    const parent = { parent: this };
    const envLabels = { 'gogooku3.io/env': args.env };
    const sc = <T extends { storageClass?: string }>(s: T | undefined): T => ({ ...(args.storageClass ? { storageClass: args.storageClass } : {}), ...(s ?? {}) } as T);

    const ns = new k8s.core.v1.Namespace(layout.namespace, {
      metadata: {
        name: layout.namespace,
        labels: { ...envLabels, 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
      },
    }, parent);
    // Every child takes the namespace as an Output of the Namespace resource, so all of them wait for it.
    const namespace = ns.metadata.name;
    const common = { namespace, labels: envLabels };

    const image = new AppImage('app', args.image, parent);
    const objectStore = new ObjectStore(n.objectStore, {
      ...sc(args.objectStore), ...common,
      rootUser: args.secrets.minioRootUser, rootPassword: args.secrets.minioRootPassword,
      appAccessKey: args.secrets.objectStoreAccessKey, appSecretKey: args.secrets.objectStoreSecretKey,
    }, parent);
    const warehouse = new Warehouse(n.warehouse, { ...sc(args.warehouse), ...common, password: args.secrets.clickhousePassword, appImage: image.ref }, parent);
    const onlineStore = new OnlineStore(n.onlineStore, { ...sc(args.onlineStore), ...common, password: args.secrets.redisPassword }, parent);
    const modelServer = new ModelServer(n.modelServer, {
      ...args.modelServer, ...common,
      s3Endpoint: objectStore.endpointHost, bucket: objectStore.bucket, region: args.objectStore?.region, s3CredentialsSecret: objectStore.credentialsSecretName,
    }, parent);

    let monitoring: Monitoring | undefined;
    if (layout.monitoringEnabled) {
      const monNs = new k8s.core.v1.Namespace(layout.monitoringNamespace, { metadata: { name: layout.monitoringNamespace, labels: envLabels } }, parent);
      const { enabled: _enabled, dashboards, ruleGroups, alertmanagerConfig: amConfig, extraScrapeTargets, ...monitoringSettings } = args.monitoring ?? {};
      const receivers = args.secrets.pagerDutyRoutingKey !== undefined && args.secrets.slackWebhookUrl !== undefined
        ? { 'alertmanager-pagerduty': { 'routing-key': args.secrets.pagerDutyRoutingKey }, 'alertmanager-slack': { 'webhook-url': args.secrets.slackWebhookUrl } }
        : undefined;
      monitoring = new Monitoring(n.monitoring, {
        ...sc(monitoringSettings),
        namespace: monNs.metadata.name,
        labels: envLabels,
        grafanaAdminPassword: args.secrets.grafanaAdminPassword,
        dashboards: dashboards ?? dashboardFiles(),
        ruleGroups: ruleGroups ?? prometheusRuleGroups(),
        // The default config reads its receiver keys from the mounted Secrets, so it needs both of them.
        alertmanagerConfig: amConfig ?? (receivers ? alertmanagerConfig() : undefined),
        ...(receivers ? { alertmanagerSecrets: receivers } : {}),
        scrapeTargets: [...platformScrapeTargets(layout.namespace, layout.pushgatewayEnabled), ...(extraScrapeTargets ?? [])],
      }, { parent: this, dependsOn: [ns] });
    }

    new Operator(n.operator, { ...args.operator, ...common, image: image.ref }, parent);
    let pushgateway: Pushgateway | undefined;
    if (layout.pushgatewayEnabled) {
      const { enabled: _enabled, ...pushgatewaySettings } = args.pushgateway ?? {};
      pushgateway = new Pushgateway(n.pushgateway, { ...sc(pushgatewaySettings), ...common, appImage: image.ref }, parent);
    }
    const router = new Router(n.router, {
      ...args.router, ...common,
      image: image.ref,
      tritonUrl: modelServer.httpUrl,
      objectStoreUrl: pulumi.interpolate`s3://${objectStore.bucket}`,
      s3EndpointUrl: objectStore.endpointUrl,
      region: args.objectStore?.region,
      s3CredentialsSecret: objectStore.credentialsSecretName,
      onlineStoreSecret: onlineStore.connectionSecretName,
    }, { parent: this, dependsOn: [modelServer, onlineStore] });

    if (layout.networkPoliciesEnabled) {
      const topology = platformTopology(layout.namespace, layout.monitoringNamespace, operatorSettings(args.operator ?? {}).port, layout.pushgatewayEnabled);
      for (const p of networkPolicies(topology, args.networkPolicies)) {
        new k8s.networking.v1.NetworkPolicy(`${layout.namespace}-${p.name}`, {
          metadata: { name: p.name, namespace, labels: envLabels },
          spec: p.spec as k8s.types.input.networking.v1.NetworkPolicySpec,
        }, parent);
      }
    }

    this.namespace = namespace;
    this.imageRef = image.ref;
    this.objectStoreEndpoint = objectStore.endpointUrl;
    this.warehouseUrl = warehouse.httpUrl;
    this.onlineStoreUrl = pulumi.interpolate`redis://${onlineStore.serviceName}.${namespace}.svc.cluster.local:${REDIS_PORT}`;
    this.modelServerUrl = modelServer.httpUrl;
    this.routerUrl = pulumi.interpolate`http://${router.serviceName}.${namespace}.svc.cluster.local`;
    this.grafanaUrl = monitoring?.grafanaUrl;
    this.pushgatewayUrl = pushgateway?.url;
    this.registerOutputs({
      namespace: this.namespace, imageRef: this.imageRef, objectStoreEndpoint: this.objectStoreEndpoint, warehouseUrl: this.warehouseUrl,
      onlineStoreUrl: this.onlineStoreUrl, modelServerUrl: this.modelServerUrl, routerUrl: this.routerUrl, grafanaUrl: this.grafanaUrl,
      pushgatewayUrl: this.pushgatewayUrl,
    });
  }
}
