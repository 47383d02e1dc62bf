import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { RUNTIME_METRICS } from './types';

export interface RuntimeMetrics {
  reconcileTotal: Counter<'controller' | 'result'>;
  reconcileErrors: Counter<'controller'>;
  reconcileDuration: Histogram<'controller'>;
  queueDepth: Gauge<'controller'>;
  watchRestarts: Counter<'resource' | 'reason'>;
  leader: Gauge<string>;
}

const byRegistry = new WeakMap<Registry, RuntimeMetrics>();

/** The runtime's metrics on `registry`, created once per registry (prom-client refuses duplicate names). */
export function runtimeMetrics(registry: Registry): RuntimeMetrics {
  const existing = byRegistry.get(registry);
  if (existing) return existing;
  const registers = [registry];
  const metrics: RuntimeMetrics = {
    reconcileTotal: new Counter({ name: RUNTIME_METRICS.reconcileTotal, help: 'Reconciles by controller and result', labelNames: ['controller', 'result'], registers }),
    reconcileErrors: new Counter({ name: RUNTIME_METRICS.reconcileErrors, help: 'Reconciles that failed (error, conflict or terminal)', labelNames: ['controller'], registers }),
    reconcileDuration: new Histogram({
      name: RUNTIME_METRICS.reconcileDuration, help: 'Reconcile duration', labelNames: ['controller'], registers,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    }),
    queueDepth: new Gauge({ name: RUNTIME_METRICS.queueDepth, help: 'Keys waiting in the work queue', labelNames: ['controller'], registers }),
    watchRestarts: new Counter({ name: RUNTIME_METRICS.watchRestarts, help: 'Watch restarts by resource and reason (gone, error, closed)', labelNames: ['resource', 'reason'], registers }),
    leader: new Gauge({ name: RUNTIME_METRICS.leader, help: '1 while this replica holds the leader Lease', registers }),
  };
  byRegistry.set(registry, metrics);
  return metrics;
}
