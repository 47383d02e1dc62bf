import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type * as k8s from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { silentLogger } from '../../pipelines/log';
import type { BackoffPolicy } from './backoff';
import { Controller } from './controller';
import { createEventRecorder } from './events';
import { startHealthServer, type HealthServer, type Readiness } from './health';
import { Informer, type WatchSource } from './informer';
import type { ClusterConnection } from './cluster-connection';
import { createHttpKubeClient, createHttpWatchSource, discovery } from './http-client';
import { LeaderElector, type LeaderElectionConfig } from './leader-election';
import { runtimeMetrics } from './metrics';
import { typeKey, type KubeClient, type Reconciler, type ResourceType } from './types';

export const DEFAULT_FIELD_MANAGER = 'gogooku3-operator';

export interface ManagerOptions {
  /** Where the cluster is, over plain HTTP (the light path `operator run` takes: no client-node loaded). */
  connection?: ClusterConnection;
  /** Where the cluster is, through client-node; alternatively pass `client` and `watchSource` (tests, other transports). */
  kubeConfig?: k8s.KubeConfig;
  client?: KubeClient;
  watchSource?: WatchSource;
  reconcilers: Reconciler[];
  /** Watch only this namespace (default: all namespaces). */
  namespace?: string;
  /** Off unless given. name defaults to "gogooku3-operator", namespace to `namespace` or "default", identity to host + random. */
  leaderElection?: (Partial<LeaderElectionConfig>) | false;
  /** Serve /healthz, /readyz, /metrics on this port (0 = any free port); no server when omitted. */
  healthPort?: number;
  healthHost?: string;
  registry?: Registry;
  logger?: Logger;
  /** Workers per controller (default 4). */
  workers?: number;
  /** Informer resync period (default 10 min; 0 = off). */
  resyncMs?: number;
  fieldManager?: string;
  /** How long stop() waits for in-flight reconciles (default 30 s). */
  shutdownTimeoutMs?: number;
  queueBackoff?: BackoffPolicy;
  watchBackoff?: BackoffPolicy;
}

export interface Manager {
  /** Starts informers, the health server and leader election (or the controllers); resolves once caches synced. */
  start(): Promise<void>;
  /** Graceful: stops informers and workers, waits for in-flight reconciles (bounded), releases the Lease, closes the server. */
  stop(): Promise<void>;
  readiness(): Readiness;
  isLeader(): boolean;
  /** The port the health server listens on, once started. */
  healthPort(): number | undefined;
  informer(type: ResourceType): Informer | undefined;
  readonly client: KubeClient;
  readonly registry: Registry;
}

export function createManager(options: ManagerOptions): Manager {
  if (!options.client && !options.kubeConfig && !options.connection) throw new Error('createManager: pass connection, kubeConfig, or client together with watchSource');
  if (!options.kubeConfig && !options.connection && !options.watchSource) throw new Error('createManager: a client without kubeConfig needs a watchSource');
  const names = options.reconcilers.map((r) => r.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`createManager: two reconcilers are named ${JSON.stringify(duplicate)}; names label metrics and must be unique`);

  const logger = options.logger ?? silentLogger;
  const registry = options.registry ?? new Registry();
  const metrics = runtimeMetrics(registry);
  const fieldManager = options.fieldManager ?? DEFAULT_FIELD_MANAGER;
  let client: KubeClient;
  let source: WatchSource;
  if (options.connection) {
    const pathOf = discovery(options.connection);
    client = options.client ?? createHttpKubeClient(options.connection, { fieldManager }, pathOf);
    source = options.watchSource ?? createHttpWatchSource(options.connection, client, pathOf);
  } else {
    // Required here, not imported: client-node costs ~100 MB of RSS, which the connection path never pays.
    const { createKubeClient } = require('./kube-client') as typeof import('./kube-client');
    const { createWatchSource } = require('./watch-source') as typeof import('./watch-source');
    client = options.client ?? createKubeClient(options.kubeConfig!, { fieldManager });
    source = options.watchSource ?? createWatchSource(options.kubeConfig!, client);
  }
  const le = options.leaderElection ? options.leaderElection : undefined;
  const identity = le?.identity ?? `${os.hostname()}_${randomUUID().slice(0, 8)}`;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 30_000;

  // One informer per type, shared by every controller that reads it.
  const informers = new Map<string, Informer>();
  for (const r of options.reconcilers) {
    for (const type of [r.primary, ...r.owns]) {
      const key = typeKey(type);
      if (informers.has(key)) continue;
      informers.set(key, new Informer({
        type, source, namespace: options.namespace, resyncMs: options.resyncMs ?? 10 * 60_000,
        backoff: options.watchBackoff, logger: logger.child({ resource: key }), metrics,
      }));
    }
  }
  const informerFor = (type: ResourceType): Informer => informers.get(typeKey(type))!;
  const recordEvent = createEventRecorder({ client, logger, host: identity });
  const controllers = options.reconcilers.map((reconciler) => new Controller({
    reconciler, client, informerFor, recordEvent, metrics, logger: logger.child({ controller: reconciler.name }),
    workers: options.workers, backoff: options.queueBackoff,
  }));

  let health: HealthServer | undefined;
  let elector: LeaderElector | undefined;
  let controllersRunning: Promise<unknown> | undefined;
  const stopping = new AbortController();
  let state: 'new' | 'started' | 'stopped' = 'new';

  const startControllers = () => {
    controllersRunning = Promise.all(controllers.map((c) => c.start())).catch((err) => {
      if (!stopping.signal.aborted) logger.error({ err }, 'controllers failed to start');
    });
    return controllersRunning;
  };
  const stopControllers = async () => {
    const results = await Promise.all(controllers.map((c) => c.stop(shutdownTimeoutMs)));
    await controllersRunning;
    if (results.includes(false)) logger.warn({ shutdownTimeoutMs }, 'some reconciles did not finish before the deadline');
  };

  const readiness = (): Readiness => {
    const checks: Readiness['checks'] = {};
    let ready = state === 'started';
    for (const [key, informer] of informers) {
      checks[`informer:${key}`] = informer.hasSynced();
      ready &&= informer.hasSynced();
    }
    if (elector) {
      // A healthy standby is ready: it serves /metrics and takes over when the leader goes.
      checks.leaderElection = !elector.healthy() ? 'unhealthy' : elector.isLeader() ? 'leading' : `standby (leader ${elector.leader() ?? 'unknown'})`;
      ready &&= elector.healthy();
    }
    return { ready, checks };
  };

  return {
    client,
    registry,
    readiness,
    isLeader: () => (elector ? elector.isLeader() : state === 'started'),
    healthPort: () => health?.port,
    informer: (type) => informers.get(typeKey(type)),

    async start() {
      if (state !== 'new') throw new Error(`manager already ${state}`);
      state = 'started';
      if (options.healthPort !== undefined) {
        health = await startHealthServer({ port: options.healthPort, host: options.healthHost, registry, readiness });
      }
      for (const informer of informers.values()) informer.start();
      if (le) {
        elector = new LeaderElector(client, {
          ...le,
          name: le.name ?? 'gogooku3-operator',
          namespace: le.namespace ?? options.namespace ?? 'default',
          identity,
        }, { onStartedLeading: () => { void startControllers(); }, onStoppedLeading: stopControllers }, logger, metrics);
        elector.start();
      } else {
        // Without election this replica is the only one running controllers: it leads (OperatorNoLeader reads this).
        metrics.leader.set(1);
        void startControllers();
      }
      await Promise.all([...informers.values()].map((i) => i.waitForSync(stopping.signal)));
      logger.info({ informers: [...informers.keys()], identity, leaderElection: Boolean(le) }, 'manager started');
    },

    async stop() {
      if (state !== 'started') {
        state = 'stopped';
        return;
      }
      state = 'stopped';
      stopping.abort();
      await Promise.all([...informers.values()].map((i) => i.stop()));
      if (elector) await elector.stop(); // stops the controllers through onStoppedLeading, then releases the Lease
      else {
        metrics.leader.set(0);
        await stopControllers();
      }
      await health?.close();
      logger.info('manager stopped');
    },
  };
}
