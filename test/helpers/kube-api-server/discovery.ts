/**
 * The resource types the server serves (built-ins, the operator's CRDs, CRDs created through the API) and the
 * discovery documents clients resolve kinds to plurals with (KubernetesObjectApi reads /api/v1 and /apis/{g}/{v}).
 */
import { operatorCrds } from '../../../operator/crds/generate';
import type { Obj } from './errors';

export interface ResourceDefinition { group: string; version: string; kind: string; plural: string; namespaced: boolean; statusSubresource: boolean; shortNames?: string[] }

export interface ResourceType extends ResourceDefinition {
  /** `v1` or `group/version`. */
  apiVersion: string;
  /** `group/version/plural`, the store's key. */
  key: string;
  listKind: string;
  /** Served from a CustomResourceDefinition: such types refuse strategic merge patch, as on a real server. */
  custom: boolean;
}

/** API groups compiled into kube-apiserver; any other group is served from a CRD (Gateway API included). */
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'coordination.k8s.io',
  'events.k8s.io', 'storage.k8s.io', 'apiextensions.k8s.io', 'admissionregistration.k8s.io', 'scheduling.k8s.io', 'node.k8s.io', 'discovery.k8s.io',
  'certificates.k8s.io', 'flowcontrol.apiserver.k8s.io', 'apiregistration.k8s.io', 'resource.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io']);

export function isBuiltinGroup(group: string): boolean {
  return BUILTIN_GROUPS.has(group);
}

const core = (kind: string, plural: string, namespaced: boolean, statusSubresource: boolean, shortNames?: string[]): ResourceDefinition =>
  ({ group: '', version: 'v1', kind, plural, namespaced, statusSubresource, shortNames });

/** Status subresources as the real apiserver has them (Namespace, Pod, Service, Deployment have one too). */
export const BUILTIN_RESOURCES: ResourceDefinition[] = [
  core('Namespace', 'namespaces', false, true, ['ns']),
  core('ConfigMap', 'configmaps', true, false, ['cm']),
  core('Secret', 'secrets', true, false),
  core('ServiceAccount', 'serviceaccounts', true, false, ['sa']),
  core('Service', 'services', true, true, ['svc']),
  core('Event', 'events', true, false, ['ev']),
  core('Pod', 'pods', true, true, ['po']),
  { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true, statusSubresource: true },
  { group: 'batch', version: 'v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true, statusSubresource: true, shortNames: ['cj'] },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, statusSubresource: true, shortNames: ['deploy'] },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true, statusSubresource: false },
  { group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true, statusSubresource: false, shortNames: ['ev'] },
  { group: 'gateway.networking.k8s.io', version: 'v1', kind: 'HTTPRoute', plural: 'httproutes', namespaced: true, statusSubresource: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'Role', plural: 'roles', namespaced: true, statusSubresource: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'RoleBinding', plural: 'rolebindings', namespaced: true, statusSubresource: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRole', plural: 'clusterroles', namespaced: false, statusSubresource: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', kind: 'ClusterRoleBinding', plural: 'clusterrolebindings', namespaced: false, statusSubresource: false },
  { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false, statusSubresource: true, shortNames: ['crd', 'crds'] },
];

/** The project's CRD objects, installed at start like `kubectl apply -f` of `operator crds` would. */
export function builtinCrdObjects(): Obj[] {
  return operatorCrds().map((crd) => JSON.parse(JSON.stringify(crd)) as Obj);
}

/** The served versions of a CRD object as resource definitions (what the apiextensions controller would serve). */
export function definitionsOfCrd(crd: Obj): ResourceDefinition[] {
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  const versions: Obj[] = Array.isArray(spec.versions) ? spec.versions : [];
  return versions.filter((v) => v.served !== false).map((v) => ({
    group: String(spec.group ?? ''),
    version: String(v.name),
    kind: String(names.kind ?? ''),
    plural: String(names.plural ?? ''),
    namespaced: spec.scope !== 'Cluster',
    statusSubresource: v.subresources?.status !== undefined,
    shortNames: Array.isArray(names.shortNames) ? names.shortNames.map(String) : undefined,
  }));
}

export function apiVersionOf(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

export class Registry {
  private readonly byKey = new Map<string, ResourceType>();
  private readonly byKind = new Map<string, ResourceType>();

  add(def: ResourceDefinition, custom = !isBuiltinGroup(def.group)): ResourceType {
    const apiVersion = apiVersionOf(def.group, def.version);
    const type: ResourceType = { ...def, apiVersion, key: `${apiVersion}/${def.plural}`, listKind: `${def.kind}List`, custom };
    const existing = this.byKey.get(type.key);
    // Re-registering (a CRD updated through the API) keeps the object identity the store indexes by.
    if (existing) return Object.assign(existing, type);
    this.byKey.set(type.key, type);
    this.byKind.set(`${apiVersion}/${def.kind}`, type);
    return type;
  }

  remove(type: ResourceType): void {
    this.byKey.delete(type.key);
    this.byKind.delete(`${type.apiVersion}/${type.kind}`);
  }

  byPath(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byKey.get(`${apiVersionOf(group, version)}/${plural}`);
  }

  byApiVersionKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.byKind.get(`${apiVersion}/${kind}`);
  }

  all(): ResourceType[] {
    return [...this.byKey.values()];
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.all().some((t) => t.group === group && t.version === version);
  }
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function versionInfo(): Obj {
  return { major: '1', minor: '31', gitVersion: 'v1.31.0-gogooku3-test', gitCommit: '0000000000000000000000000000000000000000', gitTreeState: 'clean', buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.22.0', compiler: 'gc', platform: 'linux/amd64' };
}

export function coreVersions(): Obj {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1:6443' }] };
}

function groupDocument(registry: Registry, group: string): Obj | undefined {
  const versions = [...new Set(registry.all().filter((t) => t.group === group).map((t) => t.version))].sort().reverse();
  if (versions.length === 0) return undefined;
  const entries = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: entries, preferredVersion: entries[0] };
}

export function groupList(registry: Registry): Obj {
  const groups = [...new Set(registry.all().map((t) => t.group).filter((g) => g !== ''))].sort();
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => groupDocument(registry, g)) };
}

export function group(registry: Registry, name: string): Obj | undefined {
  const doc = groupDocument(registry, name);
  return doc && { kind: 'APIGroup', apiVersion: 'v1', ...doc };
}

/** An APIResourceList; each main resource comes before its `/status` entry, as clients take the first kind match. */
export function resourceList(registry: Registry, groupName: string, version: string): Obj | undefined {
  if (!registry.hasGroupVersion(groupName, version)) return undefined;
  const resources: Obj[] = [];
  for (const t of registry.all().filter((r) => r.group === groupName && r.version === version)) {
    resources.push({ name: t.plural, singularName: t.kind.toLowerCase(), namespaced: t.namespaced, kind: t.kind, verbs: VERBS, ...(t.shortNames?.length ? { shortNames: t.shortNames } : {}), storageVersionHash: '' });
    if (t.statusSubresource) resources.push({ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(groupName, version), resources };
}
