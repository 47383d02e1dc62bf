/**
 * Observability as code: Grafana dashboards, Prometheus rule groups and the Alertmanager configuration, as
 * pure functions the Pulumi Monitoring component and dashboards/build.ts both use.
 */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { alertmanagerConfig, alertmanagerYaml, type AlertmanagerConfig, type AlertmanagerOptions } from './alertmanager';
import { pipelineDashboard } from './boards/pipeline';
import { operatorDashboard, trainingDashboard } from './boards/platform';
import { servingDashboard } from './boards/serving';
import { sloDashboard } from './boards/slo';
import { prometheusRuleGroups, ruleFiles, type RuleGroup, type RuleOptions } from './rules';
import { promtoolTestFiles } from './rules/promtool-tests';

export { alertmanagerConfig, prometheusRuleGroups, pipelineDashboard, servingDashboard, trainingDashboard, operatorDashboard, sloDashboard };
export type { AlertmanagerConfig, AlertmanagerOptions, RuleGroup, RuleOptions };

export function dashboards(): dashboard.Dashboard[] {
  return [pipelineDashboard(), servingDashboard(), trainingDashboard(), operatorDashboard(), sloDashboard()];
}

/** Dashboard JSON models by file name (`<uid>.json`): the shape MonitoringArgs.dashboards takes. */
export function dashboardFiles(): Record<string, dashboard.Dashboard> {
  return Object.fromEntries(dashboards().map((d) => [`${d.uid}.json`, d]));
}

export interface DashboardConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; namespace?: string; labels: Record<string, string>; annotations?: Record<string, string> };
  data: Record<string, string>;
}

/**
 * One ConfigMap per dashboard for the Grafana sidecar, which loads every ConfigMap labelled
 * `grafana_dashboard: "1"`; the `grafana_folder` annotation files them together when the sidecar's
 * folderAnnotation is set to it.
 */
export function dashboardConfigMaps(options: { namespace?: string; folder?: string } = {}): DashboardConfigMap[] {
  return dashboards().map((d) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: `dashboard-${d.uid}`,
      ...(options.namespace ? { namespace: options.namespace } : {}),
      labels: { grafana_dashboard: '1', 'app.kubernetes.io/part-of': 'gogooku3' },
      annotations: { grafana_folder: options.folder ?? 'gogooku3' },
    },
    data: { [`${d.uid}.json`]: `${JSON.stringify(d, null, 2)}\n` },
  }));
}

/** Everything committed under dashboards/generated/, by path relative to it. */
export function generatedFiles(options: { rules?: RuleOptions; alertmanager?: AlertmanagerOptions } = {}): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, text] of Object.entries(ruleFiles(options.rules))) files[`rules/${name}`] = text;
  for (const [name, text] of Object.entries(promtoolTestFiles(prometheusRuleGroups(options.rules), '../rules'))) files[`tests/${name}`] = text;
  files['alertmanager.yaml'] = alertmanagerYaml(options.alertmanager);
  return files;
}
