import { networkPolicies, PIPELINE_POD_LABELS, STORAGE_INIT_LABELS, OBJECT_STORE_INIT_LABELS, METRICS_PRUNE_POD_LABELS, type NetworkPolicyDef } from './network-policies';
import { platformTopology } from './platform';
import { selectorLabels } from './common';

/** A pod (namespace, labels, IP) or an address outside the cluster (ip only). */
interface Endpoint { ns?: string; labels?: Record<string, string>; ip: string }

const ipToInt = (ip: string) => ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipToInt(ip) / size) === Math.floor(ipToInt(base) / size);
}
const matches = (selector: any, labels: Record<string, string> = {}) => Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

function peerMatches(peer: any, policyNs: string, e: Endpoint): boolean {
  if (peer.ipBlock) return inCidr(e.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c: string) => inCidr(e.ip, c));
  if (e.ns === undefined) return false;
  const nsOk = peer.namespaceSelector ? matches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': e.ns }) : e.ns === policyNs;
  return nsOk && (peer.podSelector ? matches(peer.podSelector, e.labels) : true);
}

/** NetworkPolicy semantics for one direction: isolated only if some policy of that type selects the pod. */
function allowedOneWay(policies: NetworkPolicyDef[], policyNs: string, self: Endpoint, peer: Endpoint, port: number, protocol: string, type: 'Ingress' | 'Egress'): boolean {
  if (self.ns !== policyNs) return true;
  const selecting = policies.filter((p) => p.spec.policyTypes.includes(type) && matches(p.spec.podSelector, self.labels));
  if (selecting.length === 0) return true;
  return selecting.some((p) => (type === 'Ingress' ? p.spec.ingress : p.spec.egress).some((rule: any) => {
    const peers = type === 'Ingress' ? rule.from : rule.to;
    const portOk = !rule.ports || rule.ports.some((pp: any) => pp.port === port && (pp.protocol ?? 'TCP') === protocol);
    return portOk && (!peers || peers.some((pe: any) => peerMatches(pe, policyNs, peer)));
  }));
}

const NS = 'gogooku3-dev';
const policies = networkPolicies(platformTopology(NS, 'monitoring', 8081));
const allowed = (from: Endpoint, to: Endpoint, port: number, protocol = 'TCP') =>
  allowedOneWay(policies, NS, from, to, port, protocol, 'Egress') && allowedOneWay(policies, NS, to, from, port, protocol, 'Ingress');

const app = (name: string): Endpoint => ({ ns: NS, labels: { ...selectorLabels(name), 'app.kubernetes.io/component': 'x' }, ip: '10.1.0.5' });
const P = {
  router: app('router'), triton: app('triton'), minio: app('minio'), clickhouse: app('clickhouse'), redis: app('redis'), operator: app('gogooku3-operator'), pushgateway: app('pushgateway'),
  prune: { ns: NS, labels: { ...METRICS_PRUNE_POD_LABELS }, ip: '10.1.0.13' },
  pipeline: { ns: NS, labels: { ...PIPELINE_POD_LABELS, 'app.kubernetes.io/name': 'gogooku3', 'app.kubernetes.io/component': 'daily' }, ip: '10.1.0.9' },
  storageInit: { ns: NS, labels: { ...STORAGE_INIT_LABELS }, ip: '10.1.0.10' },
  minioInit: { ns: NS, labels: { ...OBJECT_STORE_INIT_LABELS }, ip: '10.1.0.11' },
  stray: { ns: NS, labels: { app: 'debug' }, ip: '10.1.0.12' },
  prometheus: { ns: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' }, ip: '10.2.0.3' },
  grafana: { ns: 'monitoring', labels: { 'app.kubernetes.io/name': 'grafana' }, ip: '10.2.0.4' },
  client: { ns: 'frontend', labels: { app: 'web' }, ip: '10.3.0.1' },
  dns: { ns: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: '10.0.0.10' },
  jquants: { ip: '52.68.10.20' },
  apiserver: { ip: '172.20.0.1' },
} satisfies Record<string, Endpoint>;

describe('networkPolicies', () => {
  it.each([
    ['router', 'redis', 6379], ['router', 'triton', 8000], ['router', 'triton', 8001], ['router', 'minio', 9000],
    ['triton', 'minio', 9000],
    ['pipeline', 'minio', 9000], ['pipeline', 'clickhouse', 8123], ['pipeline', 'redis', 6379], ['pipeline', 'jquants', 443],
    ['storageInit', 'clickhouse', 8123], ['minioInit', 'minio', 9000],
    ['prometheus', 'router', 8080], ['prometheus', 'triton', 8002], ['prometheus', 'operator', 8081], ['prometheus', 'clickhouse', 9363], ['prometheus', 'minio', 9000],
    ['operator', 'apiserver', 443], ['operator', 'apiserver', 6443], ['operator', 'prometheus', 9090],
    ['client', 'router', 8080],
    ['pipeline', 'pushgateway', 9091], ['prune', 'pushgateway', 9091], ['prometheus', 'pushgateway', 9091],
  ] as const)('allows %s → %s:%d', (from, to, port) => {
    expect(allowed(P[from], P[to], port)).toBe(true);
  });

  it.each([
    ['router', 'clickhouse', 8123], ['router', 'jquants', 443], ['triton', 'redis', 6379], ['triton', 'jquants', 443],
    ['pipeline', 'triton', 8000], ['pipeline', 'jquants', 80], ['pipeline', 'apiserver', 443],
    ['stray', 'redis', 6379], ['stray', 'minio', 9000], ['stray', 'jquants', 443],
    ['prometheus', 'triton', 8000], ['prometheus', 'redis', 6379], ['grafana', 'triton', 8002],
    ['client', 'triton', 8000], ['client', 'redis', 6379],
    ['minioInit', 'clickhouse', 8123], ['operator', 'minio', 9000], ['operator', 'jquants', 80],
    ['router', 'pushgateway', 9091], ['stray', 'pushgateway', 9091], ['client', 'pushgateway', 9091], ['prune', 'redis', 6379], ['prune', 'jquants', 443],
  ] as const)('denies %s → %s:%d', (from, to, port) => {
    expect(allowed(P[from], P[to], port)).toBe(false);
  });

  it('without a Pushgateway: no policy for it and no egress to port 9091', () => {
    const without = networkPolicies(platformTopology(NS, 'monitoring', 8081, false));
    expect(without.map((p) => p.name)).toEqual(policies.map((p) => p.name).filter((n) => n !== 'pushgateway' && n !== 'metrics-prune'));
    expect(JSON.stringify(without)).not.toContain('9091');
  });

  it('lets every pod resolve names through kube-dns and nothing else on 53', () => {
    for (const pod of [P.router, P.pipeline, P.stray, P.operator]) {
      expect(allowed(pod, P.dns, 53, 'UDP')).toBe(true);
      expect(allowed(pod, P.dns, 53, 'TCP')).toBe(true);
      expect(allowed(pod, P.jquants, 53, 'UDP')).toBe(false);
    }
  });

  it('starts from default-deny in both directions', () => {
    expect(policies[0]).toEqual({ name: 'default-deny-all', spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: [] } });
  });

  it('narrows router clients and the API server when told to', () => {
    const narrow = networkPolicies(platformTopology(NS, 'monitoring', 8081), { routerClientNamespaces: ['ingress-nginx'], apiServerCidrs: ['172.20.0.1/32'] });
    const check = (from: Endpoint, to: Endpoint, port: number) =>
      allowedOneWay(narrow, NS, from, to, port, 'TCP', 'Egress') && allowedOneWay(narrow, NS, to, from, port, 'TCP', 'Ingress');
    expect(check(P.client, P.router, 8080)).toBe(false);
    expect(check({ ns: 'ingress-nginx', ip: '10.4.0.1' }, P.router, 8080)).toBe(true);
    expect(check(P.operator, P.apiserver, 443)).toBe(true);
    expect(check(P.operator, { ip: '172.20.0.2' }, 443)).toBe(false);
  });

  it('gives every policy a unique DNS-safe name', () => {
    const names = policies.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});

describe('networkPolicies manifest', () => {
  it('matches the reviewed snapshot', () => {
    expect(policies).toMatchSnapshot();
  });
});
