import { parse } from 'yaml';
import { dashboardConfigMapEntries, kubePrometheusStackValues, KUBE_PROMETHEUS_STACK, Monitoring, monitoringSettings, podMonitorSpec } from './monitoring';
import { ComponentArgsError } from './common';
import { plaintextOccurrences, promiseOf, recordResources, reveal, settled } from './test-support';

const recorded = recordResources();
beforeEach(() => { recorded.length = 0; });

describe('monitoring helpers', () => {
  it('pins the chart version and repository', () => {
    expect(monitoringSettings({})).toMatchObject({ chartVersion: KUBE_PROMETHEUS_STACK.version, repoUrl: 'https://prometheus-community.github.io/helm-charts', retention: '15d', storageSize: '50Gi' });
    expect(KUBE_PROMETHEUS_STACK.version).toMatch(/^\d+\.\d+\.\d+$/);
  });
  it.each([
    [{ chartVersion: '^77.0.0' }, /^monitoring.chartVersion: /],
    [{ repoUrl: 'http://charts.example.com' }, /^monitoring.repoUrl: /],
    [{ retention: '15 days' }, /^monitoring.retention: /],
  ])('refuses %j', (s, message) => {
    expect(() => monitoringSettings(s)).toThrow(ComponentArgsError);
    expect(() => monitoringSettings(s)).toThrow(message);
  });
  it('provisions the Prometheus datasource, the dashboard sidecar, and takes credentials by Secret name', () => {
    const v = kubePrometheusStackValues({ settings: monitoringSettings({ storageClass: 'fast' }), grafanaAdminSecret: 'g', alertmanagerConfigSecret: 'am', alertmanagerSecrets: ['pd'] });
    expect(v.grafana.sidecar.datasources).toMatchObject({ enabled: true, defaultDatasourceEnabled: true });
    expect(v.grafana.sidecar.dashboards).toMatchObject({ enabled: true, label: 'grafana_dashboard', labelValue: '1', searchNamespace: 'ALL' });
    expect(v.grafana.admin).toEqual({ existingSecret: 'g', userKey: 'admin-user', passwordKey: 'admin-password' });
    expect(v.alertmanager.alertmanagerSpec).toMatchObject({ useExistingSecret: true, configSecret: 'am', secrets: ['pd'] });
    expect(v.prometheus.prometheusSpec).toMatchObject({ ruleSelectorNilUsesHelmValues: false, podMonitorSelectorNilUsesHelmValues: false });
    expect(v.prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.storageClassName).toBe('fast');
  });
  it('matches the reviewed values snapshot', () => {
    expect(kubePrometheusStackValues({ settings: monitoringSettings({}), grafanaAdminSecret: 'monitoring-grafana-admin', alertmanagerSecrets: [] })).toMatchSnapshot();
  });
  it('names dashboard ConfigMaps DNS-safely', () => {
    expect(dashboardConfigMapEntries({ 'Pipeline_Overview.json': { title: 'x' }, slo: {} }).map(({ name, file }) => [name, file])).toEqual([
      ['dashboard-pipeline-overview', 'Pipeline_Overview.json'],
      ['dashboard-slo', 'slo.json'],
    ]);
  });
  it('builds PodMonitors scoped to one namespace', () => {
    expect(podMonitorSpec({ matchLabels: { a: 'b' }, port: 'metrics' }, 'ns')).toEqual({
      jobLabel: 'app.kubernetes.io/name', namespaceSelector: { matchNames: ['ns'] }, selector: { matchLabels: { a: 'b' } }, podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
    });
  });
});

describe('Monitoring', () => {
  it('registers the pinned Release, dashboards, rules, Alertmanager Secret and PodMonitors; no plaintext secret', async () => {
    const m = new Monitoring('monitoring', {
      namespace: 'monitoring',
      grafanaAdminPassword: 'sentinel-grafana',
      dashboards: { 'a.json': { title: 'A' }, 'b.json': { title: 'B' } },
      ruleGroups: [{ name: 'g', rules: [{ record: 'x', expr: 'up' }] }],
      alertmanagerConfig: { route: { receiver: 'null' }, receivers: [{ name: 'null' }] },
      alertmanagerSecrets: { 'alertmanager-pagerduty': { 'routing-key': 'sentinel-pd' } },
      scrapeTargets: [{ name: 'router', namespace: 'app', matchLabels: { app: 'router' }, port: 'http' }],
    });
    expect(await promiseOf(m.prometheusUrl)).toBe('http://prometheus-operated.monitoring.svc:9090');
    await settled(recorded);
    const custom = recorded.filter((r) => r.custom && !r.type.startsWith('pulumi:providers'));
    expect(custom.map((r) => `${r.type} ${r.name}`).sort()).toEqual([
      'kubernetes:core/v1:ConfigMap dashboard-a',
      'kubernetes:core/v1:ConfigMap dashboard-b',
      'kubernetes:core/v1:Secret alertmanager-pagerduty',
      'kubernetes:core/v1:Secret monitoring-alertmanager-config',
      'kubernetes:core/v1:Secret monitoring-grafana-admin',
      'kubernetes:helm.sh/v3:Release monitoring',
      'kubernetes:monitoring.coreos.com/v1:PodMonitor router',
      'kubernetes:monitoring.coreos.com/v1:PrometheusRule monitoring-gogooku3-rules',
    ]);
    const release = custom.find((r) => r.type === 'kubernetes:helm.sh/v3:Release')!;
    expect(release.inputs).toMatchObject({ chart: 'kube-prometheus-stack', version: KUBE_PROMETHEUS_STACK.version, repositoryOpts: { repo: KUBE_PROMETHEUS_STACK.repoUrl } });
    expect(custom.flatMap((r) => plaintextOccurrences(r.inputs, ['sentinel-grafana', 'sentinel-pd']))).toEqual([]);
    const am = custom.find((r) => r.name === 'monitoring-alertmanager-config')!;
    expect(parse(reveal(am.inputs.stringData)['alertmanager.yaml'])).toEqual({ route: { receiver: 'null' }, receivers: [{ name: 'null' }] });
    const dash = custom.find((r) => r.name === 'dashboard-a')!;
    expect(dash.inputs.metadata.labels.grafana_dashboard).toBe('1');
    expect(JSON.parse(dash.inputs.data['a.json'])).toEqual({ title: 'A' });
  });
});
