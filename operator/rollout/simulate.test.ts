import { simulate } from './simulate';
import { parseRolloutSpec } from './spec';
import type { MetricsInterval, MetricsSample } from './state-machine';

const spec = parseRolloutSpec({ model: 'm', champion: { version: 'v1' }, challenger: { version: 'v2' }, analysis: { inconclusiveLimit: 2 } });
const sample = (over: Partial<MetricsSample> = {}): MetricsSample => ({ p95_ms: 100, error_rate: 0.001, requests: 500, ...over });
const iv = (challenger: Partial<MetricsSample> = {}): MetricsInterval => ({ champion: sample({ requests: 4000 }), challenger: sample(challenger) });
const ok = iv();
const slow = iv({ p95_ms: 400 });

describe('simulate', () => {
  it.each<[string, Array<MetricsInterval | null>, Array<[number, string]>, { phase: string; challengerWeight: number }]>([
    ['promotes and ignores intervals after the stop', [ok, ok, ok, slow, slow], [[25, 'Progressing'], [100, 'Progressing'], [100, 'Promoted']], { phase: 'Promoted', challengerWeight: 100 }],
    ['rolls back at weight 0', [slow, slow, slow, ok], [[10, 'Progressing'], [10, 'Progressing'], [0, 'RolledBack']], { phase: 'RolledBack', challengerWeight: 0 }],
    ['pauses on missing data and stops there', [ok, null, iv({ requests: Number.NaN }), ok], [[25, 'Progressing'], [25, 'Progressing'], [25, 'Paused']], { phase: 'Paused', challengerWeight: 25 }],
    ['ends mid-rollout when the intervals run out', [ok], [[25, 'Progressing']], { phase: 'Progressing', challengerWeight: 25 }],
    ['no intervals: started at the first step', [], [], { phase: 'Progressing', challengerWeight: 10 }],
  ])('%s', (_name, intervals, rows, final) => {
    const result = simulate(spec, { intervals });
    expect(result.timeline.map((r) => [r.challengerWeight, r.phase])).toEqual(rows);
    expect(result.timeline.map((r) => r.interval)).toEqual(rows.map((_, i) => i));
    expect(result.final).toEqual(final);
    for (const row of result.timeline) expect(row.reason.length).toBeGreaterThan(0);
  });
});
