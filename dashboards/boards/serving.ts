/** The model router per model/variant (latency, traffic, errors, prediction drift) and the rollouts driving it. */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { ROLLOUT, SERVING } from '../metric-names';
import { buildDashboard, datasourceVariable, labelVariable, lowerLimits, statPanel, timeSeries, upperLimits } from '../panels';

const SEL = 'model=~"$model",variant=~"$variant"';

export function servingDashboard(): dashboard.Dashboard {
  const requests = `sum by (model, variant) (rate(${SERVING.requests}{${SEL}}[5m]))`;
  return buildDashboard({
    uid: 'gogooku3-serving',
    title: 'gogooku3 / Serving & rollouts',
    description: 'Inference latency, traffic, errors and prediction statistics per model version and variant; ModelRollout weights and phases.',
    tags: ['serving', 'rollout'],
    variables: [
      datasourceVariable(),
      labelVariable('model', 'model', SERVING.requests, 'Model'),
      labelVariable('variant', 'variant', SERVING.requests, 'Variant'),
    ],
    sections: [
      {
        title: 'Latency and traffic per variant',
        panels: [
          ...[0.5, 0.95, 0.99].map((q) => timeSeries({
            title: `Latency p${q * 100}`,
            description: `p${q * 100} request duration per model version and variant (5 m windows).`,
            queries: [{ expr: `histogram_quantile(${q}, sum by (model, version, variant, le) (rate(${SERVING.duration}_bucket{${SEL}}[5m])))`, legend: '{{model}} {{version}} {{variant}}' }],
            unit: 's',
            thresholds: upperLimits(0.05, 0.25),
            min: 0,
            width: 8,
          })),
          timeSeries({
            title: 'Requests',
            description: 'Requests per second by variant and HTTP status code.',
            queries: [{ expr: `sum by (model, variant, code) (rate(${SERVING.requests}{${SEL}}[5m]))`, legend: '{{model}} {{variant}} {{code}}' }],
            unit: 'reqps',
            min: 0,
          }),
          timeSeries({
            title: 'Error ratio',
            description: 'Failed requests / all requests per variant; by reason in the next panel.',
            queries: [{ expr: `sum by (model, variant) (rate(${SERVING.errors}{${SEL}}[5m])) / (${requests} > 0)`, legend: '{{model}} {{variant}}' }],
            unit: 'percentunit',
            thresholds: upperLimits(0.001, 0.01),
            min: 0,
          }),
          timeSeries({
            title: 'Errors by reason',
            description: 'bad_request, timeout, backend_error, … per second.',
            queries: [{ expr: `sum by (variant, reason) (rate(${SERVING.errors}{${SEL}}[5m]))`, legend: '{{variant}} {{reason}}' }],
            unit: 'reqps',
            min: 0,
          }),
          timeSeries({
            title: 'Traffic share',
            description: 'Share of requests each variant receives (compare with the rollout weight).',
            queries: [{ expr: `${requests} / ignoring(variant) group_left sum by (model) (rate(${SERVING.requests}{model=~"$model"}[5m]))`, legend: '{{model}} {{variant}}' }],
            unit: 'percentunit',
            min: 0,
            max: 1,
          }),
        ],
      },
      {
        title: 'Predictions',
        panels: [
          timeSeries({
            title: 'Prediction mean',
            description: 'Mean of the last predictions per variant: a challenger far from the champion is suspect.',
            queries: [{ expr: `${SERVING.predictionMean}{${SEL}}`, legend: '{{model}} {{version}} {{variant}}' }],
            unit: 'short',
          }),
          timeSeries({
            title: 'Prediction std',
            description: 'Standard deviation of the last predictions; a collapse towards 0 means a constant model.',
            queries: [{ expr: `${SERVING.predictionStd}{${SEL}}`, legend: '{{model}} {{version}} {{variant}}' }],
            unit: 'short',
            min: 0,
          }),
        ],
      },
      {
        title: 'Rollouts',
        panels: [
          timeSeries({
            title: 'Challenger weight',
            description: 'Percent of traffic the rollout sends to the challenger.',
            queries: [{ expr: `max by (rollout) (${ROLLOUT.challengerWeight})`, legend: '{{rollout}}' }],
            unit: 'percent',
            min: 0,
            max: 100,
            width: 8,
          }),
          statPanel({
            title: 'Phase',
            description: 'Current phase of each rollout (Paused needs a human: retry, promote or abort).',
            queries: [{ expr: `max by (rollout, phase) (${ROLLOUT.phase}) == 1`, legend: '{{rollout}}: {{phase}}', instant: true }],
            unit: 'none',
            thresholds: lowerLimits(1, 1),
            width: 8,
          }),
          timeSeries({
            title: 'Transitions',
            description: 'Rollout events (Started, Promoted, Paused, RolledBack, …) per hour.',
            queries: [{ expr: `sum by (rollout, event) (increase(${ROLLOUT.transitions}[1h]))`, legend: '{{rollout}} {{event}}' }],
            unit: 'short',
            min: 0,
            width: 8,
          }),
        ],
      },
    ],
  });
}
