import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { stringify } from 'yaml';
import { appLabels, ComponentArgsError, type CommonArgs } from './common';

/** Tunables of monitoring (what a stack sets per environment). */
export interface MonitoringSettings {
  /** kube-prometheus-stack chart version, pinned. Default: `KUBE_PROMETHEUS_STACK.version`. */
  chartVersion?: string;
  /** Helm repository of the chart. Default: `https://prometheus-community.github.io/helm-charts`. */
  repoUrl?: string;
  /** Prometheus retention. Default: `15d`. */
  retention?: string;
  /** Prometheus volume size. Default: `50Gi`. */
  storageSize?: string;
  /** StorageClass of Prometheus, Alertmanager and Grafana volumes. Default: the cluster's default class. */
  storageClass?: string;
}

/** Arguments of {@link Monitoring}. */
export interface MonitoringArgs extends CommonArgs, MonitoringSettings {
  /** Grafana admin password. Wrapped in `pulumi.secret`; stored only in a Secret the chart references. */
  grafanaAdminPassword: pulumi.Input<string>;
  /** Grafana dashboards by file name (JSON models); each becomes a sidecar-labelled ConfigMap. Default: `{}`. */
  dashboards?: Record<string, object>;
  /** Prometheus rule groups (`{name, rules}`) for one `PrometheusRule`. Default: none (no PrometheusRule). */
  ruleGroups?: object[];
  /** Alertmanager configuration (the alertmanager.yaml object); kept in a Secret. Default: the chart's. */
  alertmanagerConfig?: pulumi.Input<object>;
  /**
   * Secrets Alertmanager mounts at /etc/alertmanager/secrets/<name>/<key> (receiver keys and webhook URLs the
   * config reads by file), by Secret name then key. Default: none.
   */
  alertmanagerSecrets?: Record<string, Record<string, pulumi.Input<string>>>;
  /** Workloads Prometheus scrapes (one PodMonitor each). Default: none. */
  scrapeTargets?: ScrapeTarget[];
}

/** A workload Prometheus scrapes through a PodMonitor. */
export interface ScrapeTarget {
  /** PodMonitor name. */
  name: string;
  /** Namespace of the pods. */
  namespace: pulumi.Input<string>;
  /** Labels selecting the pods. */
  matchLabels: Record<string, string>;
  /** Name of the container port serving metrics. */
  port: string;
  /** Metrics path. Default: `/metrics`. */
  path?: string;
  /** Keep the scraped `job`/`instance` labels over the target's (a Pushgateway's pushed groups). Default: false. */
  honorLabels?: boolean;
}

/** The chart, pinned: version and repository. Bumped by hand after reading the chart's upgrade notes. */
export const KUBE_PROMETHEUS_STACK = {
  chart: 'kube-prometheus-stack',
  version: '77.5.0',
  repoUrl: 'https://prometheus-community.github.io/helm-charts',
} as const;

/** Short resource names: the chart's default (release + chart name) overflows the 63-character limits. */
export const KPS_FULLNAME = 'kps';
export const PROMETHEUS_PORT = 9090;
/** The label and value Grafana's dashboard sidecar watches for. */
export const DASHBOARD_LABEL = { grafana_dashboard: '1' } as const;

const DEFAULTS = { retention: '15d', storageSize: '50Gi' } as const;

/** The settings with every default applied and checked. */
export function monitoringSettings(s: MonitoringSettings) {
  const chartVersion = s.chartVersion ?? KUBE_PROMETHEUS_STACK.version;
  if (!/^\d+\.\d+\.\d+$/.test(chartVersion)) throw new ComponentArgsError('monitoring.chartVersion', 'expected an exact chart version such as 77.5.0 (no ranges)', chartVersion);
  const repoUrl = s.repoUrl ?? KUBE_PROMETHEUS_STACK.repoUrl;
  if (!/^https:\/\//.test(repoUrl)) throw new ComponentArgsError('monitoring.repoUrl', 'expected an https:// Helm repository URL', repoUrl);
  const retention = s.retention ?? DEFAULTS.retention;
  if (!/^\d+(h|d|w|y)$/.test(retention)) throw new ComponentArgsError('monitoring.retention', 'expected a Prometheus duration such as 15d', retention);
  return { chartVersion, repoUrl, retention, storageSize: s.storageSize ?? DEFAULTS.storageSize, storageClass: s.storageClass };
}
export type ResolvedMonitoring = ReturnType<typeof monitoringSettings>;

/**
 * kube-prometheus-stack values: every selector open (our PodMonitors and PrometheusRule carry no release
 * label), Grafana with the Prometheus datasource provisioned and the dashboard sidecar on, credentials and
 * the Alertmanager config from Secrets by name (so no secret is in the Helm values).
 */
export function kubePrometheusStackValues(a: {
  settings: ResolvedMonitoring; grafanaAdminSecret: string; alertmanagerConfigSecret?: string; alertmanagerSecrets: string[];
}) {
  const s = a.settings;
  const claim = (size: string) => ({
    spec: { accessModes: ['ReadWriteOnce'], ...(s.storageClass ? { storageClassName: s.storageClass } : {}), resources: { requests: { storage: size } } },
  });
  return {
    fullnameOverride: KPS_FULLNAME,
    prometheus: {
      prometheusSpec: {
        retention: s.retention,
        ruleSelectorNilUsesHelmValues: false,
        serviceMonitorSelectorNilUsesHelmValues: false,
        podMonitorSelectorNilUsesHelmValues: false,
        probeSelectorNilUsesHelmValues: false,
        storageSpec: { volumeClaimTemplate: claim(s.storageSize) },
        resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '2', memory: '4Gi' } },
      },
    },
    alertmanager: {
      alertmanagerSpec: {
        ...(a.alertmanagerConfigSecret ? { useExistingSecret: true, configSecret: a.alertmanagerConfigSecret } : {}),
        secrets: a.alertmanagerSecrets,
        storage: { volumeClaimTemplate: claim('2Gi') },
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
      },
    },
    grafana: {
      fullnameOverride: `${KPS_FULLNAME}-grafana`,
      admin: { existingSecret: a.grafanaAdminSecret, userKey: 'admin-user', passwordKey: 'admin-password' },
      persistence: { enabled: true, size: '5Gi', ...(s.storageClass ? { storageClassName: s.storageClass } : {}) },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
      sidecar: {
        datasources: { enabled: true, defaultDatasourceEnabled: true, uid: 'prometheus', isDefaultDatasource: true },
        dashboards: {
          enabled: true,
          label: Object.keys(DASHBOARD_LABEL)[0],
          labelValue: Object.values(DASHBOARD_LABEL)[0],
          searchNamespace: 'ALL',
          folderAnnotation: 'grafana_folder',
          provider: { foldersFromFilesStructure: true },
        },
      },
    },
  };
}

/** One ConfigMap's worth per dashboard: `{ name, fileName, json }`, names made DNS-safe. */
export function dashboardConfigMapEntries(dashboards: Record<string, object>) {
  return Object.entries(dashboards).map(([fileName, model]) => {
    const file = fileName.endsWith('.json') ? fileName : `${fileName}.json`;
    const name = `dashboard-${file.replace(/\.json$/, '').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '')}`.slice(0, 63).replace(/-+$/, '');
    return { name, file, json: `${JSON.stringify(model, null, 2)}\n` };
  });
}

/** The pod label whose value becomes the scrape's `job` (the operator's default would be `<namespace>/<PodMonitor>`). */
export const SCRAPE_JOB_LABEL = 'app.kubernetes.io/name';

/** The PodMonitor spec for a scrape target; `job` is the pods' `app.kubernetes.io/name`, so alerts can name it. */
export function podMonitorSpec(t: Omit<ScrapeTarget, 'namespace' | 'name'>, namespace: string) {
  return {
    jobLabel: SCRAPE_JOB_LABEL,
    namespaceSelector: { matchNames: [namespace] },
    selector: { matchLabels: t.matchLabels },
    podMetricsEndpoints: [{ port: t.port, path: t.path ?? '/metrics', interval: '30s', ...(t.honorLabels ? { honorLabels: true } : {}) }],
  };
}

/**
 * kube-prometheus-stack (Prometheus, Alertmanager, Grafana) plus our dashboards, rules, Alertmanager config
 * and PodMonitors.
 */
export class Monitoring extends pulumi.ComponentResource {
  /** In-cluster Prometheus URL (the operator-managed `prometheus-operated` Service), as ModelRollout specs name it. */
  readonly prometheusUrl: pulumi.Output<string>;
  readonly releaseName: pulumi.Output<string>;
  /** In-cluster Grafana URL. */
  readonly grafanaUrl: pulumi.Output<string>;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super('gogooku3:components:Monitoring', name, {}, opts);
    const s = monitoringSettings(args);
    const labels = appLabels(name, 'monitoring', args.labels);
    const parent = { parent: this };
    const meta = (n: string, extra: Record<string, string> = {}) => ({ name: n, namespace: args.namespace, labels: { ...labels, ...extra } });

    const grafanaAdmin = new k8s.core.v1.Secret(`${name}-grafana-admin`, {
      metadata: meta(`${name}-grafana-admin`),
      type: 'Opaque',
      stringData: { 'admin-user': 'admin', 'admin-password': pulumi.secret(args.grafanaAdminPassword) },
    }, parent);
    const secrets: pulumi.Resource[] = [grafanaAdmin];
    let alertmanagerConfigSecret: string | undefined;
    if (args.alertmanagerConfig !== undefined) {
      alertmanagerConfigSecret = `${name}-alertmanager-config`;
      secrets.push(new k8s.core.v1.Secret(alertmanagerConfigSecret, {
        metadata: meta(alertmanagerConfigSecret),
        type: 'Opaque',
        stringData: { 'alertmanager.yaml': pulumi.secret(pulumi.output(args.alertmanagerConfig).apply((c) => stringify(c, { lineWidth: 0 }))) },
      }, parent));
    }
    const alertmanagerSecrets = Object.keys(args.alertmanagerSecrets ?? {});
    for (const [secretName, data] of Object.entries(args.alertmanagerSecrets ?? {})) {
      secrets.push(new k8s.core.v1.Secret(secretName, {
        metadata: meta(secretName),
        type: 'Opaque',
        stringData: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, pulumi.secret(v)])),
      }, parent));
    }

    const release = new k8s.helm.v3.Release(name, {
      name,
      chart: KUBE_PROMETHEUS_STACK.chart,
      version: s.chartVersion,
      repositoryOpts: { repo: s.repoUrl },
      namespace: args.namespace,
      values: kubePrometheusStackValues({ settings: s, grafanaAdminSecret: `${name}-grafana-admin`, alertmanagerConfigSecret, alertmanagerSecrets }),
      atomic: true,
      timeout: 900,
    }, { parent: this, dependsOn: secrets });

    for (const d of dashboardConfigMapEntries(args.dashboards ?? {})) {
      new k8s.core.v1.ConfigMap(d.name, {
        metadata: { ...meta(d.name, DASHBOARD_LABEL), annotations: { grafana_folder: 'gogooku3' } },
        data: { [d.file]: d.json },
      }, parent);
    }
    if (args.ruleGroups && args.ruleGroups.length > 0) {
      new k8s.apiextensions.CustomResource(`${name}-gogooku3-rules`, {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PrometheusRule',
        metadata: meta(`${name}-gogooku3-rules`),
        spec: { groups: args.ruleGroups },
      }, { parent: this, dependsOn: [release] });
    }
    for (const t of args.scrapeTargets ?? []) {
      new k8s.apiextensions.CustomResource(t.name, {
        apiVersion: 'monitoring.coreos.com/v1',
        kind: 'PodMonitor',
        metadata: { name: t.name, namespace: t.namespace, labels },
        spec: pulumi.output(t.namespace).apply((ns) => podMonitorSpec(t, ns)),
      }, { parent: this, dependsOn: [release] });
    }

    this.releaseName = release.name.apply((n) => n ?? name);
    this.prometheusUrl = pulumi.interpolate`http://prometheus-operated.${args.namespace}.svc:${PROMETHEUS_PORT}`;
    this.grafanaUrl = pulumi.interpolate`http://${KPS_FULLNAME}-grafana.${args.namespace}.svc.cluster.local`;
    this.registerOutputs({ prometheusUrl: this.prometheusUrl, grafanaUrl: this.grafanaUrl, releaseName: this.releaseName });
  }
}
