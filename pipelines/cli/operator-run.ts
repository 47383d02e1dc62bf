import os from 'node:os';
import { Option } from 'commander';
import type * as k8s from '@kubernetes/client-node';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { operatorReconcilers } from '../../operator/controllers';
import { loadClusterConnection, type ClusterConnection } from '../../operator/runtime/cluster-connection';
import { createManager } from '../../operator/runtime/manager';
import { action, CliError, intArg, subcommand, untilSignal, type CliContext } from './context';

interface RunOpts {
  kubeconfig?: string;
  namespace?: string;
  healthPort: number;
  healthHost: string;
  leaderElection: boolean;
  leaseName: string;
  leaseNamespace?: string;
  identity?: string;
  workers: number;
}

/** In a pod the namespace comes from the downward API (POD_NAMESPACE) or the service account's mount. */
function podNamespace(): string | undefined {
  if (process.env.POD_NAMESPACE) return process.env.POD_NAMESPACE;
  try {
    return require('node:fs').readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The cluster to reconcile. The common cases (in-cluster service account, token or certificate kubeconfigs)
 * take the light HTTP path; exec plugins, auth providers and merged kubeconfigs load client-node (~100 MB more).
 */
function loadCluster(file: string | undefined): { connection: ClusterConnection } | { kubeConfig: k8s.KubeConfig } {
  const what = file ?? 'the default kubeconfig';
  let connection: ClusterConnection | undefined;
  try {
    connection = loadClusterConnection(file);
  } catch (error) {
    if (/no current cluster/.test((error as Error).message)) throw new CliError(`--kubeconfig: ${what} has no current cluster`, 66);
    throw new CliError(`--kubeconfig: cannot load ${what}: ${(error as Error).message}`, 66);
  }
  if (connection) return { connection };
  const { KubeConfig } = require('@kubernetes/client-node') as typeof k8s;
  const kc = new KubeConfig();
  try {
    if (file) kc.loadFromFile(file);
    else kc.loadFromDefault();
  } catch (error) {
    throw new CliError(`--kubeconfig: cannot load ${what}: ${(error as Error).message}`, 66);
  }
  if (!kc.getCurrentCluster()) throw new CliError(`--kubeconfig: ${what} has no current cluster`, 66);
  return { kubeConfig: kc };
}

/**
 * `gogooku3 operator run`: the FeatureSet and ModelRollout controllers on the controller runtime, until SIGTERM
 * (graceful: in-flight reconciles finish, the Lease is released so a standby takes over at once).
 */
export function operatorRunCommand(ctx: CliContext) {
  return subcommand('run', 'Run the operator: reconcile FeatureSets (→ CronJobs, Jobs, status) and ModelRollouts (→ traffic weights from Prometheus analysis) until SIGTERM')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, ~/.kube/config, or the in-cluster service account)')
    .option('--namespace <ns>', 'watch only this namespace (default: all namespaces)')
    .option('--health-port <n>', 'port of /healthz, /readyz and /metrics', intArg('--health-port', 0, 65535), 8081)
    .option('--health-host <host>', 'address the health server binds', '0.0.0.0')
    .option('--no-leader-election', 'reconcile without a Lease (one replica only)')
    .option('--lease-name <name>', 'name of the leader-election Lease', 'gogooku3-operator')
    .addOption(new Option('--lease-namespace <ns>', 'namespace of the Lease (default: $POD_NAMESPACE, the pod\'s namespace, else gogooku3-system)'))
    .option('--identity <id>', 'this replica\'s identity in the Lease (default: $POD_NAME, else the hostname)')
    .option('--workers <n>', 'concurrent reconciles per controller', intArg('--workers', 1, 64), 4)
    .action(action(ctx, async (opts: RunOpts) => {
      const logger = ctx.logger().child({ component: 'operator' });
      const cluster = loadCluster(opts.kubeconfig);
      const registry = new Registry();
      collectDefaultMetrics({ register: registry });
      const identity = opts.identity ?? process.env.POD_NAME ?? os.hostname();
      const manager = createManager({
        ...cluster,
        reconcilers: operatorReconcilers({ logger, registry }),
        namespace: opts.namespace,
        leaderElection: opts.leaderElection
          ? { name: opts.leaseName, namespace: opts.leaseNamespace ?? podNamespace() ?? 'gogooku3-system', identity }
          : false,
        healthPort: opts.healthPort,
        healthHost: opts.healthHost,
        registry,
        logger,
        workers: opts.workers,
      });
      const stopped = untilSignal();
      const started = manager.start();
      // start() resolves once the caches synced; a signal before that still stops cleanly.
      const first = await Promise.race([started.then(() => 'started' as const), stopped]);
      if (first === 'started') {
        ctx.out(`operator running (health on port ${manager.healthPort()}, identity ${identity})\n`);
        logger.info({ identity, namespace: opts.namespace ?? '(all)', leaderElection: opts.leaderElection }, 'operator started');
        const signal = await stopped;
        logger.info({ signal }, 'operator stopping');
      }
      await manager.stop();
      await started.catch(() => undefined);
      logger.info('operator stopped');
      return 0;
    }));
}
