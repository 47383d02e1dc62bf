import type { Logger } from '../../pipelines/log';
import type { Reconciler } from '../runtime/types';
import { FEATURESET_OWNS, FEATURESET_TYPE, reconcileFeatureSet } from './reconcile';

/** The FeatureSet controller: watches FeatureSets and the ServiceAccounts, ConfigMaps, CronJobs and Jobs they own. */
export function featureSetReconciler(deps: { logger?: Logger } = {}): Reconciler {
  return {
    name: 'featureset',
    primary: FEATURESET_TYPE,
    owns: FEATURESET_OWNS,
    reconcile: (key, ctx) => reconcileFeatureSet(key, ctx, deps),
  };
}
