import { stringify } from 'yaml';
import { isSecretValue, type CapturedResource } from './capture';

/**
 * Turns captured `kubernetes:*` registrations into GitOps manifests: one YAML file per component, objects
 * ordered by kind (install order) then namespace/name, keys in a canonical order, so the same program and
 * config give byte-equal files. Secrets never appear as values: a `Secret` becomes an External Secrets
 * Operator `ExternalSecret` naming the keys it needs; a secret value anywhere else is refused. Helm releases
 * become Flux `HelmRepository` + `HelmRelease` with the pinned chart version and values.
 */

export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}

export interface RenderOptions {
  /** Environment name (remote secret keys are `gogooku3/<env>/<secret>`). */
  env: string;
  /** ClusterSecretStore the ExternalSecrets read from. Default `gogooku3`. */
  secretStore?: string;
  /** Namespace of the Flux sources. Default `flux-system`. */
  fluxNamespace?: string;
}

export interface Rendered {
  /** File name → content, including kustomization.yaml. */
  files: Map<string, string>;
  /** Non-Kubernetes resources the render has no manifest for (e.g. image builds), as `type name`. */
  skipped: string[];
}

type Obj = Record<string, unknown>;

export const KIND_ORDER = [
  'Namespace', 'CustomResourceDefinition', 'PriorityClass', 'StorageClass', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding',
  'Role', 'RoleBinding', 'ConfigMap', 'ExternalSecret', 'Secret', 'PersistentVolumeClaim', 'Service', 'Deployment', 'StatefulSet',
  'DaemonSet', 'Job', 'CronJob', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy', 'HelmRepository', 'HelmRelease',
  'ServiceMonitor', 'PodMonitor', 'PrometheusRule', 'Ingress',
];

const kindRank = (kind: string) => {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? KIND_ORDER.length : i;
};

const TOP_KEYS = ['apiVersion', 'kind', 'metadata', 'type', 'spec', 'data', 'stringData', 'rules', 'roleRef', 'subjects'];

/** Sorted keys with `name` first (and the top-level keys in manifest order) so diffs read naturally. */
function canonical(value: unknown, top = false): unknown {
  if (Array.isArray(value)) return value.map((v) => canonical(v));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value as Obj).filter((k) => (value as Obj)[k] !== undefined);
  const rank = (k: string) => (top ? (TOP_KEYS.indexOf(k) === -1 ? TOP_KEYS.length : TOP_KEYS.indexOf(k)) : k === 'name' ? -1 : 0);
  keys.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, canonical((value as Obj)[k])]));
}

/** Copies a value with secret wrappers refused: a secret belongs in a Secret, not in a spec or a chart value. */
function plain(value: unknown, where: string): unknown {
  if (isSecretValue(value)) throw new RenderError(`${where}: a secret value outside a Secret; reference a Secret instead (the render never writes secret values)`);
  if (Array.isArray(value)) return value.map((v, i) => plain(v, `${where}[${i}]`));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value as Obj).map(([k, v]) => [k, plain(v, `${where}.${k}`)]));
}

const unwrap = (v: unknown) => (isSecretValue(v) ? v.value : v);

function apiVersionOf(type: string): { apiVersion: string; kind: string } | undefined {
  const m = /^kubernetes:([^:]+):([^:]+)$/.exec(type);
  if (!m || m[1].startsWith('helm.sh') || m[1].startsWith('yaml') || m[1].startsWith('kustomize')) return undefined;
  const [group, version] = m[1].split('/');
  return { apiVersion: group === 'core' ? version : `${group}/${version}`, kind: m[2] };
}

function externalSecret(r: CapturedResource, meta: Obj, opts: RenderOptions): Obj {
  const keys = new Set<string>();
  for (const field of ['data', 'stringData']) {
    const v = unwrap(r.inputs[field]);
    if (v && typeof v === 'object') for (const k of Object.keys(v as Obj)) keys.add(k);
  }
  const name = String(meta.name);
  const templateMeta: Obj = {};
  if (meta.labels) templateMeta.labels = meta.labels;
  if (meta.annotations) templateMeta.annotations = meta.annotations;
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: meta,
    spec: {
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: opts.secretStore ?? 'gogooku3' },
      target: { name, creationPolicy: 'Owner', template: { type: unwrap(r.inputs.type) ?? 'Opaque', metadata: templateMeta } },
      data: [...keys].sort().map((k) => ({ secretKey: k, remoteRef: { key: `gogooku3/${opts.env}/${name}`, property: k } })),
    },
  };
}

function helmRelease(r: CapturedResource, opts: RenderOptions): Obj[] {
  const i = r.inputs;
  const where = `${r.type} ${r.name}`;
  const repo = (i.repositoryOpts as Obj | undefined)?.repo as string | undefined;
  const chart = String(i.chart ?? '');
  if (!chart || !i.version) throw new RenderError(`${where}: a chart reference needs chart and a pinned version`);
  const oci = chart.startsWith('oci://');
  const repoName = oci ? chart.replace(/^oci:\/\//, '').split('/').slice(0, -1).join('-').replace(/[^a-z0-9-]/g, '-') : (repo ?? '').replace(/^https?:\/\//, '').replace(/[^a-z0-9-]/gi, '-').toLowerCase().replace(/-+$/, '');
  if (!oci && !repo) throw new RenderError(`${where}: a chart reference needs repositoryOpts.repo or an oci:// chart`);
  const fluxNs = opts.fluxNamespace ?? 'flux-system';
  const name = String(i.name ?? r.name);
  const namespace = i.namespace === undefined ? undefined : String(i.namespace);
  const source: Obj = {
    apiVersion: 'source.toolkit.fluxcd.io/v1', kind: 'HelmRepository',
    metadata: { name: repoName, namespace: fluxNs },
    spec: oci ? { type: 'oci', interval: '1h', url: chart.slice(0, chart.lastIndexOf('/')) } : { interval: '1h', url: repo },
  };
  const release: Obj = {
    apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease',
    metadata: { name, namespace: fluxNs },
    spec: {
      interval: '10m',
      releaseName: name,
      targetNamespace: namespace,
      install: { createNamespace: Boolean(i.createNamespace) },
      chart: { spec: { chart: oci ? chart.slice(chart.lastIndexOf('/') + 1) : chart, version: String(i.version), sourceRef: { kind: 'HelmRepository', name: repoName, namespace: fluxNs } } },
      values: plain(i.values ?? {}, `${where} values`),
    },
  };
  return [source, release];
}

/** The component a resource belongs to: the ancestor just below the top-level component (file name stem). */
function groupOf(r: CapturedResource, byUrn: Map<string, CapturedResource>): string {
  const chain: CapturedResource[] = [];
  for (let p = byUrn.get(r.parent); p; p = byUrn.get(p.parent)) chain.unshift(p);
  const components = chain.filter((c) => !c.custom && !c.type.startsWith('pulumi:'));
  const pick = components.length >= 2 ? components[1] : components[0];
  if (!pick) return 'platform';
  if (components.length === 1) return 'platform';
  return kebab(pick.type.split(':').pop() ?? pick.name);
}

const kebab = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

function objectsOf(r: CapturedResource, opts: RenderOptions): Obj[] {
  if (r.type === 'kubernetes:helm.sh/v3:Release' || r.type === 'kubernetes:helm.sh/v4:Chart') return helmRelease(r, opts);
  const av = apiVersionOf(r.type);
  if (!av) return [];
  const where = `${av.kind} ${r.name}`;
  const rawMeta = unwrap(r.inputs.metadata);
  const meta = { ...(plain(rawMeta ?? {}, `${where} metadata`) as Obj) };
  meta.name ??= r.name;
  if (av.kind === 'Secret') return [externalSecret(r, meta, opts)];
  const body: Obj = { apiVersion: av.apiVersion, kind: av.kind };
  for (const [k, v] of Object.entries(r.inputs)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
    body[k] = plain(v, `${where} ${k}`);
  }
  body.metadata = meta;
  return [body];
}

const sortKey = (o: Obj) => {
  const m = o.metadata as Obj;
  return `${String(kindRank(String(o.kind))).padStart(3, '0')}\u0000${String(o.kind)}\u0000${String(m.namespace ?? '')}\u0000${String(m.name)}`;
};

export function renderManifests(resources: readonly CapturedResource[], opts: RenderOptions): Rendered {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const groups = new Map<string, Obj[]>();
  const skipped: string[] = [];
  for (const r of resources) {
    if (!r.type.startsWith('kubernetes:')) {
      if (r.custom && !r.type.startsWith('pulumi:providers:')) skipped.push(`${r.type} ${r.name}`);
      continue;
    }
    const objs = objectsOf(r, opts);
    if (objs.length === 0) {
      skipped.push(`${r.type} ${r.name}`);
      continue;
    }
    const g = groupOf(r, byUrn);
    groups.set(g, [...(groups.get(g) ?? []), ...objs]);
  }
  const files = new Map<string, string>();
  const seen = new Set<string>();
  const names = [...groups.keys()].sort((a, b) => (a === 'platform' ? -1 : b === 'platform' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  for (const g of names) {
    const objs = groups.get(g)!.map((o) => canonical(o, true) as Obj).sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    const docs: string[] = [];
    for (const o of objs) {
      const id = sortKey(o);
      if (seen.has(id)) {
        // Flux sources are shared by releases; everything else must be unique.
        if (o.kind === 'HelmRepository') continue;
        throw new RenderError(`${String(o.kind)} ${String((o.metadata as Obj).name)} is declared twice`);
      }
      seen.add(id);
      docs.push(stringify(o, { lineWidth: 0, sortMapEntries: false, aliasDuplicateObjects: false }));
    }
    files.set(`${g}.yaml`, `# Rendered by \`gogooku3 stack render --stack ${opts.env}\`; do not edit — change components/ or stacks/ and re-render.\n${docs.map((d) => `---\n${d}`).join('')}`);
  }
  const kustomization = { apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [...files.keys()] };
  files.set('kustomization.yaml', stringify(kustomization, { lineWidth: 0 }));
  return { files, skipped: skipped.sort() };
}
