import type { StructuralSchema } from '../../operator/crds/generate';

/**
 * Checks a value against a CRD's structural schema (the apiextensions.k8s.io/v1 subset operator/crds emits)
 * the way the API server does with strict field validation: a field the schema does not declare is an error
 * unless the node preserves unknown fields. Covers the keywords toStructural() passes through; `format` and
 * `default` are not checked (the server defaults, and our schemas use format only for dates).
 */

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeOk(type: StructuralSchema['type'], v: unknown): boolean {
  switch (type) {
    case undefined: return true;
    case 'object': return isObject(v);
    case 'array': return Array.isArray(v);
    case 'string': return typeof v === 'string';
    case 'integer': return Number.isInteger(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'boolean': return typeof v === 'boolean';
  }
}

const child = (path: string, key: string | number) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);

function numberProblems(s: StructuralSchema, v: number): string[] {
  const out: string[] = [];
  const min = s.minimum as number | undefined;
  const max = s.maximum as number | undefined;
  // OpenAPI 3.0 states exclusivity as a boolean beside minimum/maximum; JSON schema 2019+ as the bound itself.
  const exMin = typeof s.exclusiveMinimum === 'number' ? s.exclusiveMinimum : s.exclusiveMinimum === true ? min : undefined;
  const exMax = typeof s.exclusiveMaximum === 'number' ? s.exclusiveMaximum : s.exclusiveMaximum === true ? max : undefined;
  if (exMin !== undefined && !(v > exMin)) out.push(`must be > ${exMin}`);
  else if (min !== undefined && v < min) out.push(`must be >= ${min}`);
  if (exMax !== undefined && !(v < exMax)) out.push(`must be < ${exMax}`);
  else if (max !== undefined && v > max) out.push(`must be <= ${max}`);
  return out;
}

function stringProblems(s: StructuralSchema, v: string): string[] {
  const out: string[] = [];
  if (typeof s.minLength === 'number' && v.length < s.minLength) out.push(`must be at least ${s.minLength} characters`);
  if (typeof s.maxLength === 'number' && v.length > s.maxLength) out.push(`must be at most ${s.maxLength} characters`);
  if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(v)) out.push(`must match ${s.pattern}`);
  return out;
}

/** Problems as `path: message` (path dotted, array items as [i]); empty when the value conforms. */
export function checkStructural(value: unknown, schema: StructuralSchema, path = ''): string[] {
  const at = (msg: string) => `${path || '(root)'}: ${msg}`;
  if (value === null) return schema.nullable === true ? [] : [at(`must not be null (expected ${schema.type ?? 'a value'})`)];
  if (schema['x-kubernetes-int-or-string'] === true) {
    return Number.isInteger(value) || typeof value === 'string' ? [] : [at('must be an integer or a string')];
  }
  if (!typeOk(schema.type, value)) return [at(`must be ${schema.type}, got ${Array.isArray(value) ? 'array' : typeof value} ${JSON.stringify(value)}`)];
  const out: string[] = [];
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => e === value)) out.push(at(`must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}, got ${JSON.stringify(value)}`));
  if (typeof value === 'number') out.push(...numberProblems(schema, value).map(at));
  if (typeof value === 'string') out.push(...stringProblems(schema, value).map(at));
  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) out.push(at(`must have at least ${schema.minItems} items`));
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) out.push(at(`must have at most ${schema.maxItems} items`));
    if (schema.items) value.forEach((v, i) => out.push(...checkStructural(v, schema.items!, child(path, i))));
  }
  if (isObject(value)) out.push(...objectProblems(value, schema, path));
  return out;
}

function objectProblems(value: Obj, schema: StructuralSchema, path: string): string[] {
  const out: string[] = [];
  const props = schema.properties ?? {};
  for (const r of schema.required ?? []) if (value[r] === undefined) out.push(`${child(path, r)}: is required`);
  if (Array.isArray(schema.oneOf)) {
    const matching = schema.oneOf.filter((b) => b.required.every((r) => value[r] !== undefined)).length;
    if (matching !== 1) out.push(`${path || '(root)'}: must have exactly one of ${schema.oneOf.map((b) => `{${b.required.join(', ')}}`).join(' | ')} (matched ${matching})`);
  }
  const extra = schema.additionalProperties as StructuralSchema | boolean | undefined;
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    const s = props[k] ?? (typeof extra === 'object' ? extra : undefined);
    if (s) out.push(...checkStructural(v, s, child(path, k)));
    else if (!(preserve || extra === true)) out.push(`${child(path, k)}: unknown field (the schema declares ${Object.keys(props).join(', ') || 'no fields'})`);
  }
  return out;
}
