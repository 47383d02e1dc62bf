/**
 * The platform namespace's NetworkPolicies, as data: deny everything in and out, then allow exactly the
 * flows the platform needs. Pure, so the allowed/denied flows are table-tested without a cluster.
 */
import { selectorLabels } from './common';

/** Tunables of the NetworkPolicies. */
export interface NetworkPolicySettings {
  /** CIDRs the operator may reach the Kubernetes API server at (ports 443 and 6443). Default: `['0.0.0.0/0']`. */
  apiServerCidrs?: string[];
  /** Namespaces (by `kubernetes.io/metadata.name`) whose pods may call the router. Default: every namespace. */
  routerClientNamespaces?: string[];
}

/** Names (the `app.kubernetes.io/name` label) and ports of the workloads the policies connect. */
export interface NetworkPolicyTopology {
  namespace: string;
  monitoringNamespace: string;
  objectStore: { name: string; port: number };
  warehouse: { name: string; httpPort: number; metricsPort: number };
  onlineStore: { name: string; port: number };
  modelServer: { name: string; httpPort: number; grpcPort: number; metricsPort: number };
  router: { name: string; port: number };
  operator: { name: string; port: number };
  /** The batch runs' Pushgateway; absent when the platform deploys none. */
  pushgateway?: { name: string; port: number };
}

/** One NetworkPolicy: its name and spec (networking.k8s.io/v1). */
export interface NetworkPolicyDef { name: string; spec: Record<string, any> }

/** Pods the operator creates for a FeatureSet (daily, backfill, train): labelled by operator/featureset/children.ts. */
export const PIPELINE_POD_LABELS = { 'app.kubernetes.io/managed-by': 'gogooku3-operator' } as const;
/** Our own one-off Jobs. */
export const STORAGE_INIT_LABELS = { 'gogooku3.io/role': 'storage-init' } as const;
export const OBJECT_STORE_INIT_LABELS = { 'gogooku3.io/role': 'object-store-init' } as const;
/** The Pushgateway's daily prune CronJob (components/pushgateway.ts). */
export const METRICS_PRUNE_POD_LABELS = { 'gogooku3.io/role': 'metrics-prune' } as const;
/** Prometheus pods of kube-prometheus-stack. */
export const PROMETHEUS_POD_LABELS = { 'app.kubernetes.io/name': 'prometheus' } as const;
/** Where J-Quants is: the internet, so anything but the private ranges. */
const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16', '100.64.0.0/10'];

const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port }));
const pods = (matchLabels: Record<string, string>) => ({ podSelector: { matchLabels } });
const nsPods = (namespace: string, matchLabels: Record<string, string>) => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
  podSelector: { matchLabels },
});

/** The policies: default-deny, DNS for all, then one policy per workload naming its peers and ports. */
export function networkPolicies(t: NetworkPolicyTopology, settings: NetworkPolicySettings = {}): NetworkPolicyDef[] {
  const apiServerCidrs = settings.apiServerCidrs ?? ['0.0.0.0/0'];
  const prometheus = nsPods(t.monitoringNamespace, PROMETHEUS_POD_LABELS);
  const sel = (name: string) => selectorLabels(name);
  const router = pods(sel(t.router.name));
  const triton = pods(sel(t.modelServer.name));
  const pipeline = pods(PIPELINE_POD_LABELS);
  const storageInit = pods(STORAGE_INIT_LABELS);
  const objectStoreInit = pods(OBJECT_STORE_INIT_LABELS);
  const toMinio = { to: [pods(sel(t.objectStore.name))], ports: tcp(t.objectStore.port) };
  const toClickhouse = { to: [pods(sel(t.warehouse.name))], ports: tcp(t.warehouse.httpPort) };
  const toRedis = { to: [pods(sel(t.onlineStore.name))], ports: tcp(t.onlineStore.port) };
  const toPushgateway = t.pushgateway ? [{ to: [pods(sel(t.pushgateway.name))], ports: tcp(t.pushgateway.port) }] : [];
  const routerClients = settings.routerClientNamespaces
    ? settings.routerClientNamespaces.map((ns) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } }))
    : [{ namespaceSelector: {} }];

  const policy = (name: string, podSelector: Record<string, unknown>, rules: { ingress?: unknown[]; egress?: unknown[] }): NetworkPolicyDef => ({
    name,
    spec: {
      podSelector,
      policyTypes: [...(rules.ingress ? ['Ingress'] : []), ...(rules.egress ? ['Egress'] : [])],
      ...rules,
    },
  });
  const byName = (name: string) => ({ matchLabels: sel(name) });

  return [
    // An empty rule list under a policy type denies that direction for every pod the policy selects.
    policy('default-deny-all', {}, { ingress: [], egress: [] }),
    policy('allow-dns', {}, {
      egress: [{
        to: [nsPods('kube-system', { 'k8s-app': 'kube-dns' })],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      }],
    }),
    policy(`${t.router.name}`, byName(t.router.name), {
      ingress: [{ from: routerClients, ports: tcp(t.router.port) }, { from: [prometheus], ports: tcp(t.router.port) }],
      // The router reads the model registry from the object store and vectors from Redis, and calls Triton.
      egress: [toRedis, { to: [triton], ports: tcp(t.modelServer.httpPort, t.modelServer.grpcPort) }, toMinio],
    }),
    policy(`${t.modelServer.name}`, byName(t.modelServer.name), {
      ingress: [{ from: [router], ports: tcp(t.modelServer.httpPort, t.modelServer.grpcPort) }, { from: [prometheus], ports: tcp(t.modelServer.metricsPort) }],
      egress: [toMinio],
    }),
    policy(`${t.objectStore.name}`, byName(t.objectStore.name), {
      ingress: [
        { from: [router, triton, pipeline, storageInit, objectStoreInit], ports: tcp(t.objectStore.port) },
        { from: [prometheus], ports: tcp(t.objectStore.port) },
      ],
    }),
    policy(`${t.warehouse.name}`, byName(t.warehouse.name), {
      ingress: [{ from: [pipeline, storageInit], ports: tcp(t.warehouse.httpPort) }, { from: [prometheus], ports: tcp(t.warehouse.metricsPort) }],
    }),
    policy(`${t.onlineStore.name}`, byName(t.onlineStore.name), {
      ingress: [{ from: [router, pipeline, storageInit], ports: tcp(t.onlineStore.port) }],
    }),
    policy('pipeline-jobs', { matchLabels: PIPELINE_POD_LABELS }, {
      egress: [toMinio, toClickhouse, toRedis, ...toPushgateway, { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: PRIVATE_RANGES } }], ports: tcp(443) }],
    }),
    ...(t.pushgateway ? [
      // Batch pods push their run's group; the prune job lists and deletes old groups; Prometheus scrapes.
      policy(`${t.pushgateway.name}`, byName(t.pushgateway.name), {
        ingress: [{ from: [pipeline, pods(METRICS_PRUNE_POD_LABELS)], ports: tcp(t.pushgateway.port) }, { from: [prometheus], ports: tcp(t.pushgateway.port) }],
      }),
      policy('metrics-prune', { matchLabels: METRICS_PRUNE_POD_LABELS }, { egress: toPushgateway }),
    ] : []),
    policy('storage-init', { matchLabels: STORAGE_INIT_LABELS }, { egress: [toMinio, toClickhouse, toRedis] }),
    policy('object-store-init', { matchLabels: OBJECT_STORE_INIT_LABELS }, { egress: [toMinio] }),
    policy(`${t.operator.name}`, byName(t.operator.name), {
      ingress: [{ from: [prometheus], ports: tcp(t.operator.port) }],
      egress: [
        { to: apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } })), ports: tcp(443, 6443) },
        // Rollout analysis queries Prometheus.
        { to: [prometheus], ports: tcp(9090) },
      ],
    }),
  ];
}
