import type { Logger } from '../../pipelines/log';
import type { Reconciler } from '../runtime/types';
import type { RolloutMetrics } from './metrics';
import type { PrometheusClient } from './prometheus';
import { reconcileModelRollout, ROLLOUT_TYPE } from './reconcile';
import type { ModelRolloutSpec } from './spec';
import type { TritonRepository } from './triton';

export interface ModelRolloutControllerDeps {
  logger?: Logger;
  metrics?: RolloutMetrics;
  /** Default: the HTTP client of spec.prometheus (url, timeout). */
  prometheus?: (spec: ModelRolloutSpec['prometheus']) => PrometheusClient;
  /** Default: the HTTP model-repository client of spec.triton.url. */
  triton?: (url: string) => TritonRepository;
}

/**
 * The ModelRollout controller. It owns nothing: the weights ConfigMap and the HTTPRoute are shared with
 * other models and routes, so they are written, never owned; the analysis is driven by requeueAfter.
 */
export function modelRolloutReconciler(deps: ModelRolloutControllerDeps = {}): Reconciler {
  return {
    name: 'modelrollout',
    primary: ROLLOUT_TYPE,
    owns: [],
    reconcile: (key, ctx) => reconcileModelRollout(key, ctx, deps),
  };
}
