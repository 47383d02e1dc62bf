import * as k8s from '@kubernetes/client-node';

/**
 * Unknown-field check for built-in kinds. The Kubernetes OpenAPI spec (and so kubernetes-models' validators)
 * never forbids extra properties, yet the API server drops them silently or, under kubectl's default
 * `--validate=strict`, refuses them: a typo such as `replica: 2` would pass a schema check and change
 * nothing. @kubernetes/client-node (already a dependency) carries the field list of every built-in type in
 * its generated models' attributeTypeMap; this walks an object along those types.
 */

type Obj = Record<string, unknown>;
interface Attribute { name: string; baseName: string; type: string }
interface ModelType { getAttributeTypeMap(): Attribute[] }

const models = k8s as unknown as Record<string, ModelType | undefined>;
const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const child = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** client-node's class for a top-level kind: apps/v1 Deployment → V1Deployment, autoscaling/v2 → V2... */
export function rootTypeName(apiVersion: string, kind: string): string | undefined {
  const version = apiVersion.split('/').pop() ?? '';
  const name = `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
  return typeof models[name]?.getAttributeTypeMap === 'function' ? name : undefined;
}

/** `path: unknown field` for every key the type (recursively) does not declare; wrong types are not reported here. */
export function unknownFields(value: unknown, typeName: string, path = ''): string[] {
  const array = /^Array<(.+)>$/.exec(typeName);
  if (array) return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(v, array[1], `${path}[${i}]`)) : [];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(typeName);
  if (map) return isObject(value) ? Object.entries(value).flatMap(([k, v]) => unknownFields(v, map[1], child(path, k))) : [];
  const model = models[typeName];
  // Primitives, IntOrString, `any` and `object` (free-form fields such as CRD defaults) end the walk.
  if (typeof model?.getAttributeTypeMap !== 'function' || !isObject(value)) return [];
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  return Object.entries(value).flatMap(([k, v]) => {
    const type = attributes.get(k);
    if (type === undefined) return [`${child(path, k)}: unknown field (${typeName.replace(/^V\d+((alpha|beta)\d+)?/, '')} has ${[...attributes.keys()].join(', ')})`];
    return unknownFields(v, type, child(path, k));
  });
}
