import { RolloutMetrics } from '../operator/rollout/metrics';
import { PipelineMetrics, TRAINING_DURATION_BUCKETS_SECONDS } from '../pipelines/metrics';
import { RouterMetrics } from '../pipelines/serve/metrics';
import { dashboards, prometheusRuleGroups } from './index';
import { EXTERNAL_METRICS, PIPELINE, RUNTIME, TRAINING } from './metric-names';
import { SLOS } from './rules/slo';
import { allowedBy, familyOf, metricNames } from './promql-names';
import { isAlert } from './rules/types';

/** Every exported family with its type, from the real registries (and the runtime's declared names). */
async function exported(): Promise<Map<string, string>> {
  const families = new Map<string, string>();
  for (const registry of [new PipelineMetrics().registry, new RouterMetrics().registry, new RolloutMetrics().registry]) {
    for (const m of await registry.getMetricsAsJSON()) families.set(m.name, String(m.type));
  }
  for (const name of Object.values(RUNTIME)) families.set(name, name.endsWith('_seconds') ? 'histogram' : 'other');
  return families;
}

function queried(): Array<{ where: string; expr: string }> {
  const out: Array<{ where: string; expr: string }> = [];
  for (const d of dashboards()) {
    for (const panel of d.panels ?? []) {
      for (const t of ('targets' in panel ? panel.targets : undefined) ?? []) out.push({ where: `${d.uid} / ${panel.title}`, expr: String((t as { expr?: string }).expr) });
    }
    for (const v of d.templating?.list ?? []) {
      const def = typeof v.definition === 'string' ? /^label_values\(([^,]+),/.exec(v.definition) : null;
      if (def) out.push({ where: `${d.uid} / $${v.name}`, expr: def[1] });
    }
  }
  for (const g of prometheusRuleGroups()) for (const r of g.rules) out.push({ where: `${g.name} / ${isAlert(r) ? r.alert : r.record}`, expr: r.expr });
  return out;
}

describe('metric names in dashboards and rules', () => {
  const recorded = new Set(prometheusRuleGroups().flatMap((g) => g.rules.flatMap((r) => (isAlert(r) ? [] : [r.record]))));

  it('queries a reasonable number of expressions (the collector finds them)', () => {
    const q = queried();
    expect(q.filter((x) => x.where.startsWith('gogooku3-')).length).toBeGreaterThan(40);
    expect(q.every((x) => x.expr && x.expr !== 'undefined')).toBe(true);
  });

  it('reads only metrics the code exports, recording rules defined here, or allowlisted external/pending ones', async () => {
    const families = await exported();
    const histograms = new Set([...families].filter(([, type]) => type === 'histogram' || type === 'summary').map(([name]) => name));
    const unknown: string[] = [];
    for (const { where, expr } of queried()) {
      for (const name of metricNames(expr)) {
        if (recorded.has(name) || families.has(familyOf(name, histograms))) continue;
        const family = name.replace(/_(bucket|sum|count)$/, '');
        if (allowedBy(name, EXTERNAL_METRICS) || allowedBy(family, EXTERNAL_METRICS)) continue;
        unknown.push(`${where}: ${name}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('never rates a per-run family: each batch run pushes its own group, so its counters never move', () => {
    const perRun = [PIPELINE.runs, PIPELINE.freshness, PIPELINE.stepDuration, PIPELINE.contractViolations, TRAINING.runs, TRAINING.duration];
    const rated = new RegExp(`\\b(rate|irate|increase|delta|resets)\\(\\s*(${perRun.join('|')})(_bucket|_sum|_count)?\\b`);
    expect(queried().filter((q) => rated.test(q.expr)).map((q) => q.where)).toEqual([]);
    expect(rated.test(`increase(${PIPELINE.runs}{pipeline="daily"}[1d])`)).toBe(true);
  });

  it('counts SLO runs only from pushed per-run series (run_id!=""), never a textfile copy of the same run', () => {
    const runSlis = SLOS.flatMap((slo) => (slo.sli.kind === 'runs' ? [slo.sli] : []));
    expect(runSlis.length).toBe(3);
    for (const sli of runSlis) for (const sel of Object.values(sli).filter((v) => v !== 'runs')) expect(sel).toContain('run_id!=""');
  });

  it('gives every allowlist entry a reason', () => {
    for (const e of EXTERNAL_METRICS) expect(e.reason.length).toBeGreaterThan(10);
  });

  it('the training SLO\'s histogram has a bucket edge at its threshold', () => {
    expect(TRAINING_DURATION_BUCKETS_SECONDS).toContain(7200);
  });

  it('allowlists nothing the code already exports', async () => {
    const families = await exported();
    expect(EXTERNAL_METRICS.filter((e) => families.has(e.name)).map((e) => e.name)).toEqual([]);
  });

  it('counts a histogram only through its _bucket/_sum/_count series', async () => {
    const families = await exported();
    expect(families.get('data_freshness_minutes')).toBe('histogram');
    expect(families.get('inference_request_duration_seconds')).toBe('histogram');
  });
});
