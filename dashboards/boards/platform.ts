/** Training (duration SLO), GPUs (dcgm-exporter) and the Kubernetes operator's runtime. */
import type * as dashboard from '@grafana/grafana-foundation-sdk/dashboard';
import { DCGM, RUNTIME, TRAINING } from '../metric-names';
import { buildDashboard, datasourceVariable, labelVariable, lowerLimits, statPanel, timeSeries, upperLimits } from '../panels';
import { GPU_UTILISATION_TARGET_PERCENT, TRAINING_TARGET_SECONDS, finishedWithin } from '../rules/slo';

/** Per-run series (one Pushgateway group per training run): count the runs finished in a window. */
const trainingRuns = (series: string, seconds: number) => finishedWithin(series, `${TRAINING.runTimestamp}{run_id!=""}`, seconds);

export function trainingDashboard(): dashboard.Dashboard {
  return buildDashboard({
    uid: 'gogooku3-training',
    title: 'gogooku3 / Training & GPUs',
    description: 'Training run durations against the 120-minute objective, run outcomes, and GPU utilisation, memory and power from dcgm-exporter.',
    tags: ['training', 'gpu'],
    variables: [datasourceVariable(), labelVariable('model', 'model', `${TRAINING.duration}_count`, 'Model')],
    sections: [
      {
        title: 'Training',
        panels: [
          timeSeries({
            title: 'Training duration p95 (7 d)',
            description: `p95 wall time of training runs; objective <= ${TRAINING_TARGET_SECONDS / 60} min.`,
            queries: [{ expr: `histogram_quantile(0.95, sum by (model, le) (${trainingRuns(`${TRAINING.duration}_bucket{run_id!="",model=~"$model"}`, 7 * 86_400)}))`, legend: '{{model}}' }],
            unit: 's',
            thresholds: upperLimits(TRAINING_TARGET_SECONDS * 0.8, TRAINING_TARGET_SECONDS),
            min: 0,
          }),
          timeSeries({
            title: 'Training runs',
            description: 'Runs finished in the last day, by outcome.',
            queries: [{ expr: `sum by (model, status) (${trainingRuns(`${TRAINING.runs}{run_id!="",model=~"$model"}`, 86_400)})`, legend: '{{model}} {{status}}' }],
            unit: 'short',
            min: 0,
          }),
        ],
      },
      {
        title: 'GPUs',
        panels: [
          timeSeries({
            title: 'GPU utilisation',
            description: `Per GPU; while allocated to a pod the objective is >= ${GPU_UTILISATION_TARGET_PERCENT} %.`,
            queries: [{ expr: `avg by (Hostname, gpu, pod) (${DCGM.utilisation})`, legend: '{{Hostname}} gpu{{gpu}} {{pod}}' }],
            unit: 'percent',
            thresholds: lowerLimits(GPU_UTILISATION_TARGET_PERCENT * 0.8, GPU_UTILISATION_TARGET_PERCENT),
            min: 0,
            max: 100,
            width: 8,
          }),
          timeSeries({
            title: 'GPU memory used',
            description: 'Framebuffer in use per GPU.',
            queries: [{ expr: `avg by (Hostname, gpu) (${DCGM.framebufferUsed})`, legend: '{{Hostname}} gpu{{gpu}}' }],
            unit: 'decmbytes',
            min: 0,
            width: 8,
          }),
          timeSeries({
            title: 'GPU power',
            description: 'Board power draw per GPU.',
            queries: [{ expr: `avg by (Hostname, gpu) (${DCGM.power})`, legend: '{{Hostname}} gpu{{gpu}}' }],
            unit: 'watt',
            min: 0,
            width: 8,
          }),
        ],
      },
    ],
  });
}

export function operatorDashboard(): dashboard.Dashboard {
  const C = '{controller=~"$controller"}';
  return buildDashboard({
    uid: 'gogooku3-operator',
    title: 'gogooku3 / Operator',
    description: 'The FeatureSet and ModelRollout controllers: reconcile outcomes, errors, latency, work queue and watches, leader election.',
    tags: ['operator'],
    variables: [datasourceVariable(), labelVariable('controller', 'controller', RUNTIME.reconcileTotal, 'Controller')],
    sections: [
      {
        title: 'Reconciles',
        panels: [
          statPanel({
            title: 'Leader',
            description: 'Replicas holding the leader Lease (must be exactly 1).',
            queries: [{ expr: `sum(${RUNTIME.leader})`, instant: true }],
            unit: 'short',
            thresholds: lowerLimits(1, 1),
            width: 6,
          }),
          statPanel({
            title: 'Reconcile error ratio (15 m)',
            description: 'Failed reconciles / all reconciles; the OperatorReconcileErrors alert fires above 10 %.',
            queries: [{ expr: `sum(rate(${RUNTIME.reconcileErrors}${C}[15m])) / (sum(rate(${RUNTIME.reconcileTotal}${C}[15m])) > 0)`, instant: true }],
            unit: 'percentunit',
            thresholds: upperLimits(0.01, 0.1),
            width: 6,
          }),
          timeSeries({
            title: 'Reconciles by result',
            description: 'success, error, conflict, terminal, requeue per second.',
            queries: [{ expr: `sum by (controller, result) (rate(${RUNTIME.reconcileTotal}${C}[5m]))`, legend: '{{controller}} {{result}}' }],
            unit: 'ops',
            min: 0,
          }),
          timeSeries({
            title: 'Reconcile duration p95',
            description: 'p95 time of one reconcile per controller.',
            queries: [{ expr: `histogram_quantile(0.95, sum by (controller, le) (rate(${RUNTIME.reconcileDuration}_bucket${C}[5m])))`, legend: '{{controller}}' }],
            unit: 's',
            min: 0,
          }),
          timeSeries({
            title: 'Work queue depth',
            description: 'Keys waiting per controller; a growing queue means reconciles cannot keep up.',
            queries: [{ expr: `max by (controller) (${RUNTIME.queueDepth}${C})`, legend: '{{controller}}' }],
            unit: 'short',
            min: 0,
          }),
          timeSeries({
            title: 'Watch restarts',
            description: 'Informer watch restarts per hour by resource and reason (gone = 410, relist).',
            queries: [{ expr: `sum by (resource, reason) (increase(${RUNTIME.watchRestarts}[1h]))`, legend: '{{resource}} {{reason}}' }],
            unit: 'short',
            min: 0,
          }),
        ],
      },
    ],
  });
}
