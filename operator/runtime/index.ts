/** The controller runtime's public surface; controllers import the contract from ./types directly. */
export * from './types';
export { createManager, DEFAULT_FIELD_MANAGER, type Manager, type ManagerOptions } from './manager';
export { createKubeClient, createKubeClientFromApi, KubeApiError, RawObjectApi, toKubeError } from './kube-client';
export { createWatchSource } from './watch-source';
export { keepAliveAgents } from './agent-pool';
export { Informer, type InformerHandlers, type InformerOptions, type WatchEventType, type WatchHandle, type WatchSource } from './informer';
export { ObjectCache } from './cache';
export { WorkQueue, type QueueClock, type WorkQueueOptions } from './workqueue';
export { backoffDelay, QUEUE_BACKOFF, WATCH_BACKOFF, type BackoffPolicy } from './backoff';
export { Controller, type ControllerOptions, type ReconcileOutcome } from './controller';
export { ownerKey, shouldEnqueueOnUpdate, VERB_ANNOTATION_PREFIX } from './predicates';
export { buildEvent, createEventRecorder, EVENT_SOURCE_COMPONENT } from './events';
export { decideLease, microTime, releasedLease, type LeaseDecision, type LeaseSpec } from './lease';
export { LeaderElector, type LeaderCallbacks, type LeaderElectionConfig } from './leader-election';
export { startHealthServer, type HealthServer, type Readiness } from './health';
export { runtimeMetrics, type RuntimeMetrics } from './metrics';
