/** One row per SLO: error ratio per window against the burn-rate thresholds, read from the recording rules. */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { buildDashboard, datasourceVariable, lowerLimits, statPanel, timeSeries, upperLimits } from '../panels';
import { BURN_RATE_WINDOWS, RECORD, SLOS, SLO_PERIOD, errorBudget, type Slo } from '../rules/slo';

function legend(slo: Slo, suffix: string): string {
  return [...slo.by.map((l) => `{{${l}}}`), suffix].join(' ');
}

export function sloDashboard(slos: readonly Slo[] = SLOS): dashboard.Dashboard {
  return buildDashboard({
    uid: 'gogooku3-slo',
    title: 'gogooku3 / SLOs',
    description: 'Error ratios and burn rates of the pipeline, training and GPU SLOs (the series the burn-rate alerts read).',
    tags: ['slo'],
    variables: [datasourceVariable()],
    sections: slos.map((slo) => {
      const budget = errorBudget(slo);
      const sel = (w: string) => `${RECORD.errorRatio(w as never)}{slo="${slo.name}"}`;
      return {
        title: `${slo.name}: ${slo.objectiveText}`,
        panels: [
          statPanel({
            title: 'Burn rate (1 h)',
            description: `Error ratio over 1 h / error budget (${budget}); pages above 14.4.`,
            queries: [{ expr: `${sel('1h')} / ${budget}`, legend: legend(slo, ''), instant: true }],
            unit: 'short',
            thresholds: upperLimits(1, 6),
          }),
          statPanel({
            title: 'Burn rate (3 d)',
            description: `Error ratio over 3 d / error budget; a ticket above 1.`,
            queries: [{ expr: `${sel('3d')} / ${budget}`, legend: legend(slo, ''), instant: true }],
            unit: 'short',
            thresholds: upperLimits(1, 6),
          }),
          statPanel({
            title: 'Good ratio (30 d)',
            description: `1 - error ratio over the ${SLO_PERIOD} SLO period; objective ${slo.objective}.`,
            queries: [{ expr: `1 - ${sel(SLO_PERIOD)}`, legend: legend(slo, ''), instant: true }],
            unit: 'percentunit',
            thresholds: lowerLimits(slo.objective, 1 - budget / 2),
            width: 12,
          }),
          timeSeries({
            title: 'Burn rate per alert window',
            description: BURN_RATE_WINDOWS.map((w) => `${w.severity}: ${w.burnRate}x over ${w.long} and ${w.short}`).join('; '),
            queries: [...new Set(BURN_RATE_WINDOWS.flatMap((w) => [w.long, w.short]))].map((w) => ({ expr: `${sel(w)} / ${budget}`, legend: legend(slo, w) })),
            unit: 'short',
            thresholds: upperLimits(1, 14.4),
            min: 0,
            width: 24,
          }),
        ],
      };
    }),
  });
}
