/**
 * The metric names dashboards and rules query, in one place. Names of series this repository exports are
 * checked against the real prom-client registries by metric-names.test.ts; everything else must be in
 * EXTERNAL_METRICS with the reason it is allowed.
 */
import { ROLLOUT_METRICS } from '../operator/rollout/metrics';
import { RUNTIME_METRICS } from '../operator/runtime/types';

export const PIPELINE = {
  freshness: 'data_freshness_minutes',
  runs: 'pipeline_runs_total',
  /** Per run (run_id in the Pushgateway grouping key): when it finished; places the run in the SLO windows. */
  runTimestamp: 'pipeline_run_timestamp_seconds',
  /** Set by a successful daily run from the TSE calendar: when the next success is due. */
  nextSuccessDeadline: 'pipeline_next_success_deadline_timestamp_seconds',
  stepDuration: 'pipeline_step_duration_seconds',
  contractViolations: 'contract_violations_total',
  parityPsi: 'feature_parity_psi',
  parityExactMatch: 'feature_parity_exact_match_ratio',
  parityPass: 'feature_parity_pass',
} as const;

export const SERVING = {
  duration: 'inference_request_duration_seconds',
  requests: 'inference_requests_total',
  errors: 'inference_errors_total',
  predictionMean: 'inference_prediction_mean',
  predictionStd: 'inference_prediction_std',
} as const;

export const RUNTIME = RUNTIME_METRICS;

/** The ModelRollout controller's series; labels {rollout}, {rollout,event}, {rollout,phase}. */
export const ROLLOUT = ROLLOUT_METRICS;

/**
 * `gogooku3 train` pushes one group per run: a histogram {model} with a 7200 s bucket, a counter
 * {model,status=succeeded|failed} and the run's finish time {model,status}.
 */
export const TRAINING = {
  duration: 'training_duration_seconds',
  runs: 'training_runs_total',
  runTimestamp: 'training_run_timestamp_seconds',
} as const;

/** NVIDIA dcgm-exporter; with the kubelet pod-resources mapping each GPU in use carries pod/namespace labels. */
export const DCGM = {
  utilisation: 'DCGM_FI_DEV_GPU_UTIL',
  framebufferUsed: 'DCGM_FI_DEV_FB_USED',
  power: 'DCGM_FI_DEV_POWER_USAGE',
} as const;

export interface AllowedMetric {
  /** An exact name, or a prefix ending in `*`. */
  name: string;
  /** external: another exporter serves it; pending: this repository must still export it. */
  status: 'external' | 'pending';
  reason: string;
}

export const EXTERNAL_METRICS: readonly AllowedMetric[] = [
  { name: 'DCGM_*', status: 'external', reason: 'NVIDIA dcgm-exporter DaemonSet on GPU nodes (GPU utilisation, framebuffer, power)' },
  { name: 'kube_*', status: 'external', reason: 'kube-state-metrics, shipped with kube-prometheus-stack' },
  { name: 'up', status: 'external', reason: 'synthesised by Prometheus for every scrape target' },
];
