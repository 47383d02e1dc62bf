import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { alertmanagerConfig, alertmanagerConfigSchema, alertmanagerProblems } from './alertmanager';
import { dashboardConfigMaps, dashboards, generatedFiles, prometheusRuleGroups } from './index';
import { expandTemplate, RuleTestError } from './rules/promtool-tests';
import { BURN_RATE_WINDOWS, errorBudget, SLOS } from './rules/slo';
import { TEST_SUITES } from './rules/test-cases';
import { isAlert } from './rules/types';

const GENERATED = path.join(__dirname, 'generated');

describe('dashboards', () => {
  it.each(dashboards().map((d) => [d.uid, d] as const))('%s matches its snapshot', (_, d) => {
    expect(d).toMatchSnapshot();
  });

  it('have unique uids and panel ids, a datasource variable, and every query on it', () => {
    const all = dashboards();
    expect(new Set(all.map((d) => d.uid)).size).toBe(all.length);
    for (const d of all) {
      const ids = (d.panels ?? []).map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(d.templating?.list?.map((v) => v.name)).toContain('datasource');
      for (const p of d.panels ?? []) {
        if (p.type === 'row') continue;
        expect({ panel: p.title, ds: p.datasource }).toEqual({ panel: p.title, ds: { type: 'prometheus', uid: '${datasource}' } });
        expect({ panel: p.title, unit: 'fieldConfig' in p ? p.fieldConfig?.defaults?.unit : undefined }).toEqual({ panel: p.title, unit: expect.any(String) });
      }
    }
  });

  it('serving dashboard filters by model and variant', () => {
    const serving = dashboards().find((d) => d.uid === 'gogooku3-serving')!;
    expect(serving.templating?.list?.map((v) => v.name)).toEqual(['datasource', 'model', 'variant']);
  });

  it('become sidecar ConfigMaps labelled grafana_dashboard=1 holding parseable JSON', () => {
    const maps = dashboardConfigMaps({ namespace: 'monitoring' });
    expect(maps).toHaveLength(dashboards().length);
    for (const cm of maps) {
      expect(cm.metadata.labels.grafana_dashboard).toBe('1');
      expect(cm.metadata.namespace).toBe('monitoring');
      const [file, json] = Object.entries(cm.data)[0];
      expect(JSON.parse(json).uid).toBe(file.replace(/\.json$/, ''));
    }
  });
});

describe('committed dashboards/generated', () => {
  it.each(Object.entries(generatedFiles()))('%s equals the generator output (regenerate: node --import tsx dashboards/build.ts --generated dashboards/generated)', (file, text) => {
    expect(fs.readFileSync(path.join(GENERATED, file), 'utf8')).toBe(text);
  });

  it('holds no file the generator no longer writes', () => {
    const listed = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listed(path.join(dir, e.name)) : [path.relative(GENERATED, path.join(dir, e.name))]));
    expect(listed(GENERATED).sort()).toEqual(Object.keys(generatedFiles()).sort());
  });
});

describe('rules', () => {
  const alerts = prometheusRuleGroups().flatMap((g) => g.rules).filter(isAlert);

  it('label every alert page or ticket with summary, description and runbook_url', () => {
    for (const a of alerts) {
      expect(['page', 'ticket']).toContain(a.labels.severity);
      expect(a.annotations.runbook_url).toBe(`https://github.com/gogooku3/gogooku3/blob/main/docs/runbooks/${a.alert}.md`);
      expect(a.annotations.summary.length * a.annotations.description.length).toBeGreaterThan(0);
    }
  });

  it('burn-rate thresholds follow the workbook table', () => {
    expect(BURN_RATE_WINDOWS.map((w) => [w.severity, w.long, w.short, w.burnRate])).toEqual([
      ['page', '1h', '5m', 14.4], ['page', '6h', '30m', 6], ['ticket', '3d', '6h', 1],
    ]);
    expect(SLOS.map((s) => [s.name, errorBudget(s)])).toEqual([
      ['data-freshness', 0.05], ['pipeline-success', 0.005], ['training-duration', 0.05], ['gpu-utilisation', 0.1],
    ]);
    const success = alerts.find((a) => a.alert === 'PipelineSuccessBudgetBurn' && a.labels.severity === 'page')!;
    expect(success.expr).toContain('slo:sli_error:ratio_rate1h{slo="pipeline-success"} > (14.4 * 0.005)');
    expect(success.expr).toContain('slo:sli_error:ratio_rate30m{slo="pipeline-success"} <= (6 * 0.005)');
  });

  it('guard every event ratio against a zero denominator', () => {
    const records = prometheusRuleGroups().flatMap((g) => g.rules).filter((r) => !isAlert(r) && r.record.startsWith('slo:sli_error:'));
    for (const r of records) if (r.expr.includes('rate(')) expect(r.expr).toMatch(/> 0\)$/);
  });

  it('have promtool scenarios where every alert (per severity) fires and where it must not', () => {
    const checks = TEST_SUITES.flatMap((s) => s.scenarios.flatMap((sc) => sc.checks.map((c) => ({ ...c, zeroTraffic: sc.zeroTraffic ?? false }))));
    for (const a of alerts) {
      const mine = checks.filter((c) => c.alert === a.alert);
      expect({ alert: a.alert, severity: a.labels.severity, fires: mine.some((c) => c.firing.some((l) => l.severity === a.labels.severity)) }).toEqual({ alert: a.alert, severity: a.labels.severity, fires: true });
      expect({ alert: a.alert, silent: mine.some((c) => c.firing.length === 0) }).toEqual({ alert: a.alert, silent: true });
    }
    for (const slo of SLOS) {
      expect({ slo: slo.name, zeroTraffic: checks.some((c) => c.alert === slo.alert && c.zeroTraffic && c.firing.length === 0) }).toEqual({ slo: slo.name, zeroTraffic: true });
    }
  });

  it('expands annotation templates strictly', () => {
    expect(expandTemplate('p={{ $labels.pipeline }}', { pipeline: 'daily' }, 'x')).toBe('p=daily');
    expect(() => expandTemplate('{{ $labels.pipline }}', { pipeline: 'daily' }, 'x')).toThrow(RuleTestError);
    expect(() => expandTemplate('{{ $value }}', {}, 'x')).toThrow(RuleTestError);
  });
});

describe('alertmanager config', () => {
  const config = alertmanagerConfig();

  it('is consistent and has the strict shape (no inline secrets)', () => {
    expect(alertmanagerConfigSchema.safeParse(config).success).toBe(true);
    expect(alertmanagerProblems(config)).toEqual([]);
    const withInline = { ...config, receivers: [{ name: 'pagerduty', pagerduty_configs: [{ ...config.receivers[0].pagerduty_configs![0], routing_key: 'abc' }] }] };
    expect(alertmanagerConfigSchema.safeParse(withInline).success).toBe(false);
  });

  it('routes pages to PagerDuty and tickets to Slack, reading secrets from mounted files', () => {
    expect(config.route.routes.map((r) => [r.matchers, r.receiver])).toEqual([[['severity="page"'], 'pagerduty'], [['severity="ticket"'], 'slack-tickets']]);
    const custom = alertmanagerConfig({ secretsDir: '/secrets/', pagerDutySecret: 'pd', slackSecret: 'sl' });
    expect(custom.receivers[0].pagerduty_configs![0].routing_key_file).toBe('/secrets/pd/routing-key');
    expect(custom.receivers[1].slack_configs![0].api_url_file).toBe('/secrets/sl/webhook-url');
  });

  it('lets a page inhibit the ticket of the same alert and SLO breakdown', () => {
    expect(config.inhibit_rules).toEqual([{ source_matchers: ['severity="page"'], target_matchers: ['severity="ticket"'], equal: ['alertname', 'slo', 'feature_set', 'model', 'pipeline'] }]);
  });

  it('reports a route to an undefined receiver', () => {
    const broken = { ...config, route: { ...config.route, routes: [{ receiver: 'nobody', matchers: ['severity="page"'] }] } };
    expect(alertmanagerProblems(broken)).toEqual(['route receiver nobody is not defined (receivers: pagerduty, slack-tickets)']);
  });

  it('the committed YAML parses back to the config', () => {
    expect(parse(fs.readFileSync(path.join(GENERATED, 'alertmanager.yaml'), 'utf8'))).toEqual(config);
  });
});
