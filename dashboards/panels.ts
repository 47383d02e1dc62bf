/**
 * The few panel shapes every dashboard here uses, over the Grafana Foundation SDK builders. Every query goes
 * to the `${datasource}` template variable, so one JSON works against any Prometheus the sidecar provisions.
 */
import * as common from '@grafana/grafana-foundation-sdk/common';
import * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

export const DATASOURCE: common.DataSourceRef = { type: 'prometheus', uid: '${datasource}' };

export interface Query {
  expr: string;
  legend?: string;
  /** Evaluate once at the end of the range (stat panels of "now" values). */
  instant?: boolean;
}

export interface Threshold {
  value: number | null;
  color: string;
}

/** Green below the first limit, then each colour from its value up ("at or above" is Grafana's semantics). */
export function thresholds(steps: Threshold[]): dashboard.ThresholdsConfigBuilder {
  return new dashboard.ThresholdsConfigBuilder().mode(dashboard.ThresholdsMode.Absolute).steps(steps);
}

/** Lower is better: green, then amber at `warn`, red at `bad`. */
export function upperLimits(warn: number, bad: number): dashboard.ThresholdsConfigBuilder {
  return thresholds([{ value: null, color: 'green' }, { value: warn, color: 'orange' }, { value: bad, color: 'red' }]);
}

/** Higher is better: red below `bad`, amber below `warn`, green from `warn` up. */
export function lowerLimits(bad: number, warn: number): dashboard.ThresholdsConfigBuilder {
  return thresholds([{ value: null, color: 'red' }, { value: bad, color: 'orange' }, { value: warn, color: 'green' }]);
}

function target(query: Query, index: number): prometheus.DataqueryBuilder {
  const builder = new prometheus.DataqueryBuilder()
    .datasource(DATASOURCE)
    .expr(query.expr)
    .refId(String.fromCharCode(65 + index))
    .legendFormat(query.legend ?? '__auto');
  return query.instant ? builder.instant() : builder.range();
}

export interface PanelSpec {
  title: string;
  description: string;
  queries: Query[];
  /** A Grafana unit id: 's', 'm', 'percentunit', 'reqps', 'short', 'decmbytes', 'watt', … */
  unit: string;
  thresholds?: dashboard.ThresholdsConfigBuilder;
  min?: number;
  max?: number;
  /** Grid width out of 24 (height is fixed per kind). */
  width?: number;
}

export function timeSeries(spec: PanelSpec): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .height(8)
    .span(spec.width ?? 12)
    .lineWidth(1)
    .fillOpacity(10)
    .legend(new common.VizLegendOptionsBuilder().displayMode(common.LegendDisplayMode.Table).placement(common.LegendPlacement.Bottom).showLegend(true).calcs(['lastNotNull', 'max']))
    .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending));
  spec.queries.forEach((q, i) => panel.withTarget(target(q, i)));
  if (spec.thresholds) {
    panel.thresholds(spec.thresholds).thresholdsStyle(new common.GraphThresholdsStyleConfigBuilder().mode(common.GraphThresholdsStyleMode.Line));
  }
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  return panel;
}

export function statPanel(spec: PanelSpec): stat.PanelBuilder {
  const panel = new stat.PanelBuilder()
    .title(spec.title)
    .description(spec.description)
    .datasource(DATASOURCE)
    .unit(spec.unit)
    .height(4)
    .span(spec.width ?? 6)
    .colorMode(common.BigValueColorMode.Background)
    .graphMode(common.BigValueGraphMode.None)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false));
  spec.queries.forEach((q, i) => panel.withTarget(target(q, i)));
  if (spec.thresholds) panel.thresholds(spec.thresholds);
  if (spec.min !== undefined) panel.min(spec.min);
  if (spec.max !== undefined) panel.max(spec.max);
  return panel;
}

export function datasourceVariable(): dashboard.DatasourceVariableBuilder {
  return new dashboard.DatasourceVariableBuilder('datasource').label('Prometheus').type('prometheus');
}

/** A multi-select label filter fed by `label_values(metric, label)`, "All" matching everything (`.*`). */
export function labelVariable(name: string, label: string, metric: string, title: string): dashboard.QueryVariableBuilder {
  return new dashboard.QueryVariableBuilder(name)
    .label(title)
    .datasource(DATASOURCE)
    .query({ qryType: 1, query: `label_values(${metric}, ${label})`, refId: 'PrometheusVariableQueryEditor-VariableQuery' })
    .definition(`label_values(${metric}, ${label})`)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue('.*');
}

export interface Section {
  title: string;
  panels: Array<timeseries.PanelBuilder | stat.PanelBuilder>;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  variables: Array<dashboard.DatasourceVariableBuilder | dashboard.QueryVariableBuilder>;
  sections: Section[];
}

/**
 * Rows are expanded (panels laid out after each row header) so the dashboard reads top to bottom without
 * clicks; panel ids are assigned in order, which keeps the JSON stable between builds.
 */
export function buildDashboard(spec: DashboardSpec): dashboard.Dashboard {
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['gogooku3', ...spec.tags])
    .editable()
    .timezone('browser')
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .tooltip(dashboard.DashboardCursorSync.Crosshair);
  for (const v of spec.variables) builder.withVariable(v);
  let id = 1;
  for (const section of spec.sections) {
    builder.withRow(new dashboard.RowBuilder(section.title).id(id++));
    for (const panel of section.panels) builder.withPanel(panel.id(id++));
  }
  return builder.build();
}
