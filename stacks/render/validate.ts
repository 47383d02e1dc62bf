// kubernetes-models is ESM-only and publishes its modules through package.json "exports", which the project's
// moduleResolution node10 does not read; these file paths exist on disk, so tsc finds the .d.ts beside each
// file. jest maps them (and the package's own bare imports) to the same files: see moduleNameMapper in
// package.json. Plain node/tsx cannot require this module (the package exports its files to `import` only),
// so it serves the tests; a CLI use would need an `await import()` loader.
import { validate as validateObjectMeta } from '@kubernetes-models/apimachinery/_schemas/IoK8sApimachineryPkgApisMetaV1ObjectMeta.js';
import { CustomResourceDefinition } from 'kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition.js';
import { DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet.js';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment.js';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet.js';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler.js';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob.js';
import { Job } from 'kubernetes-models/batch/v1/Job.js';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress.js';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy.js';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget.js';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole.js';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding.js';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role.js';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding.js';
import { PriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass.js';
import { StorageClass } from 'kubernetes-models/storage.k8s.io/v1/StorageClass.js';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap.js';
import { Namespace } from 'kubernetes-models/v1/Namespace.js';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim.js';
import { Secret } from 'kubernetes-models/v1/Secret.js';
import { Service } from 'kubernetes-models/v1/Service.js';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount.js';
import { operatorCrds, type StructuralSchema } from '../../operator/crds/generate';
import { checkStructural } from './structural';
import { rootTypeName, unknownFields } from './unknown-fields';

/**
 * Validates each rendered object against the schema of its apiVersion/kind: built-in kinds through the
 * kubernetes-models validators (compiled from the Kubernetes OpenAPI spec: types, required fields, enums; that
 * spec does not forbid unknown fields, so unknown-fields.ts adds that check), our own custom resources against the openAPIV3Schema of operator/crds
 * (unknown fields included), and third-party CRD kinds whose model packages are not installed by a structural
 * check of the fields they need plus their metadata. A kind in none of these is a problem, never a pass.
 */

type Obj = Record<string, unknown>;
interface ModelClass { apiVersion: string; kind: string; new (data: never): { validate(): void } }

const MODELS: ModelClass[] = [
  Namespace, ConfigMap, Secret, Service, ServiceAccount, PersistentVolumeClaim,
  Deployment, StatefulSet, DaemonSet, Job, CronJob, HorizontalPodAutoscaler, PodDisruptionBudget,
  NetworkPolicy, Ingress, ClusterRole, ClusterRoleBinding, Role, RoleBinding,
  PriorityClass, StorageClass, CustomResourceDefinition,
] as unknown as ModelClass[];

interface StructuralOnly { reason: string; required: string[] }
const PROM_OP = 'prometheus-operator CRD; its model package @kubernetes-models/prometheus-operator is not installed';
const FLUX = 'Flux CRD; its model package @kubernetes-models/flux-cd is not installed';
/** Third-party kinds: the dotted paths are fields their CRDs require or without which the object does nothing. */
export const STRUCTURAL_ONLY: Readonly<Record<string, StructuralOnly>> = {
  'monitoring.coreos.com/v1/PodMonitor': { reason: PROM_OP, required: ['spec.selector', 'spec.podMetricsEndpoints'] },
  'monitoring.coreos.com/v1/ServiceMonitor': { reason: PROM_OP, required: ['spec.selector', 'spec.endpoints'] },
  'monitoring.coreos.com/v1/PrometheusRule': { reason: PROM_OP, required: ['spec.groups'] },
  'source.toolkit.fluxcd.io/v1/HelmRepository': { reason: FLUX, required: ['spec.url'] },
  'helm.toolkit.fluxcd.io/v2/HelmRelease': { reason: FLUX, required: ['spec.interval', 'spec.chart.spec.chart', 'spec.chart.spec.sourceRef.kind', 'spec.chart.spec.sourceRef.name'] },
  'external-secrets.io/v1/ExternalSecret': { reason: 'External Secrets Operator CRD; its model package @kubernetes-models/external-secrets is not installed', required: ['spec.secretStoreRef.name'] },
};

const keyOf = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;
const modelByKey = new Map(MODELS.map((m) => [keyOf(m.apiVersion, m.kind), m]));

let crdSchemas: Map<string, StructuralSchema> | undefined;
/** Our CRDs' schemas by apiVersion/kind, built once (operatorCrds() converts zod schemas). */
function ownSchemas(): Map<string, StructuralSchema> {
  crdSchemas ??= new Map(operatorCrds().flatMap((c) => c.spec.versions.map((v) => [keyOf(`${c.spec.group}/${v.name}`, c.spec.names.kind), v.schema.openAPIV3Schema as StructuralSchema] as const)));
  return crdSchemas;
}

export type ValidationMethod = 'kubernetes-models' | 'crd-schema' | 'structural-only';

/** Every apiVersion/kind validateManifest accepts, with how it is validated. */
export function knownKinds(): Map<string, ValidationMethod> {
  return new Map<string, ValidationMethod>([
    ...[...modelByKey.keys()].map((k) => [k, 'kubernetes-models'] as const),
    ...[...ownSchemas().keys()].map((k) => [k, 'crd-schema'] as const),
    ...Object.keys(STRUCTURAL_ONLY).map((k) => [k, 'structural-only'] as const),
  ]);
}
export const KNOWN_KINDS: ReadonlyMap<string, ValidationMethod> = knownKinds();

/** `/spec/template/spec/containers/0` → `spec.template.spec.containers[0]`. */
const dotted = (pointer: string) => pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
  .reduce((acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '');

interface AjvError { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }
/** The ajv standalone validators kubernetes-models ships leave their errors on the function. */
type ValidateFunc = ((data: unknown) => boolean) & { errors?: AjvError[] | null };
function explain(e: AjvError, prefix = ''): string {
  const rel = dotted(e.instancePath);
  const base = prefix && rel ? `${prefix}${rel.startsWith('[') ? '' : '.'}${rel}` : prefix || rel;
  if (e.keyword === 'required') return `${base ? `${base}.` : ''}${String(e.params.missingProperty)}: is required`;
  const detail = e.keyword === 'enum' ? `must be one of ${JSON.stringify(e.params.allowedValues)}` : e.keyword === 'type' ? `must be ${String(e.params.type)}` : (e.message ?? `${e.keyword} ${JSON.stringify(e.params)}`);
  return `${base || '(root)'}: ${detail}`;
}

function metadataProblems(meta: unknown): string[] {
  const fn = validateObjectMeta as ValidateFunc;
  const out = fn(meta) ? [] : (fn.errors ?? []).map((e) => explain(e, 'metadata'));
  if (typeof (meta as Obj | undefined)?.name !== 'string') out.push('metadata.name: is required');
  return [...out, ...unknownFields(meta, 'V1ObjectMeta', 'metadata')];
}

function pathValue(obj: unknown, dottedPath: string): unknown {
  return dottedPath.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Obj)[k] : undefined), obj);
}

/** Problems with one manifest as `<kind>/<name>: <field>: <message>`; empty when it validates. */
export function validateManifest(obj: unknown): string[] {
  if (!obj || typeof obj !== 'object' || Array.isArray(obj)) return [`(document): must be an object, got ${JSON.stringify(obj)}`];
  const o = obj as Obj;
  const { apiVersion, kind } = o;
  const id = `${String(kind)}/${String((o.metadata as Obj | undefined)?.name)}`;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return [`${id}: apiVersion and kind: must be strings`];
  const key = keyOf(apiVersion, kind);
  const label = (ps: string[]) => ps.map((p) => `${id}: ${p}`);
  const model = modelByKey.get(key);
  if (model) {
    const problems: string[] = [];
    try {
      new model(o as never).validate();
    } catch (err) {
      const errors = (err as { errors?: AjvError[] }).errors;
      if (!Array.isArray(errors)) throw new Error(`validating ${id} with kubernetes-models failed unexpectedly`, { cause: err });
      problems.push(...errors.map((e) => explain(e)));
    }
    if (typeof (o.metadata as Obj | undefined)?.name !== 'string') problems.push('metadata.name: is required');
    const root = rootTypeName(apiVersion, kind);
    problems.push(...(root ? unknownFields(o, root) : [`(root): no @kubernetes/client-node model ${key} for the unknown-field check`]));
    return label(problems);
  }
  const own = ownSchemas().get(key);
  if (own) {
    // metadata is the API server's ObjectMeta, not part of the CRD's schema (which only says `type: object`).
    const { metadata, ...rest } = o;
    const { metadata: _m, ...props } = own.properties ?? {};
    return label([...metadataProblems(metadata), ...checkStructural(rest, { ...own, properties: props })]);
  }
  const structural = STRUCTURAL_ONLY[key];
  if (structural) {
    const missing = structural.required.filter((p) => pathValue(o, p) === undefined || pathValue(o, p) === null).map((p) => `${p}: is required`);
    return label([...metadataProblems(o.metadata), ...missing]);
  }
  return [`${id}: unknown apiVersion/kind ${key}: no schema known (add a model, our CRD, or a structural-only entry in stacks/render/validate.ts)`];
}
