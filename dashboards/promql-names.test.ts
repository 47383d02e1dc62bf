import { allowedBy, familyOf, metricNames } from './promql-names';

describe('metricNames', () => {
  it.each([
    ['sum by (pipeline) (rate(pipeline_runs_total{status="failed"}[5m]))', ['pipeline_runs_total']],
    ['histogram_quantile(0.95, sum by (le) (increase(data_freshness_minutes_bucket[1d])))', ['data_freshness_minutes_bucket']],
    ['a_total / ignoring(variant) group_left sum by (model) (rate(b_total{model=~"$model"}[5m]))', ['a_total', 'b_total']],
    ['(max(operator_leader) < 1) or absent(operator_leader)', ['operator_leader']],
    ['slo:sli_error:ratio_rate1h{slo="x"} > (14.4 * 0.005) unless on(pipeline) slo:sli_error:ratio_rate5m <= 0.072', ['slo:sli_error:ratio_rate1h', 'slo:sli_error:ratio_rate5m']],
    ['DCGM_FI_DEV_GPU_UTIL{pod!=""} < bool 85', ['DCGM_FI_DEV_GPU_UTIL']],
    ['vector(0.95)', []],
    ['up offset 5m', ['up']],
    ['x{a="{b}"} + y', ['x', 'y']],
  ])('%s', (expr, names) => {
    expect(metricNames(expr)).toEqual(names);
  });
});

describe('familyOf', () => {
  const histograms = new Set(['h_seconds']);
  it.each([
    ['h_seconds_bucket', 'h_seconds'],
    ['h_seconds_count', 'h_seconds'],
    ['h_seconds_sum', 'h_seconds'],
    ['runs_count', 'runs_count'],
    ['plain', 'plain'],
  ])('%s -> %s', (name, family) => expect(familyOf(name, histograms)).toBe(family));
});

describe('allowedBy', () => {
  const entries = [{ name: 'DCGM_*' }, { name: 'up' }];
  it.each([
    ['DCGM_FI_DEV_GPU_UTIL', 'DCGM_*'],
    ['up', 'up'],
    ['upx', undefined],
    ['kube_pod_info', undefined],
  ])('%s', (name, entry) => expect(allowedBy(name, entries)?.name).toBe(entry));
});
