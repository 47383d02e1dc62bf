import type { Registry } from 'prom-client';
import type { Logger } from '../pipelines/log';
import { featureSetReconciler } from './featureset/controller';
import { modelRolloutReconciler, type ModelRolloutControllerDeps } from './rollout/controller';
import { RolloutMetrics } from './rollout/metrics';
import type { Reconciler } from './runtime/types';

export interface OperatorDeps {
  logger?: Logger;
  /** The operator's metrics registry (its /metrics endpoint); the rollout metrics are registered on it. */
  registry?: Registry;
  prometheus?: ModelRolloutControllerDeps['prometheus'];
  triton?: ModelRolloutControllerDeps['triton'];
}

/** Every controller the operator runs, for the runtime manager. */
export function operatorReconcilers(deps: OperatorDeps = {}): Reconciler[] {
  const logger = deps.logger;
  return [
    featureSetReconciler({ logger: logger?.child({ controller: 'featureset' }) }),
    modelRolloutReconciler({
      logger: logger?.child({ controller: 'modelrollout' }),
      metrics: new RolloutMetrics(deps.registry),
      prometheus: deps.prometheus,
      triton: deps.triton,
    }),
  ];
}
