import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { parseFeatureSetSpec } from '../featureset/spec';
import { parseRolloutSpec } from '../rollout/spec';
import { featureSetCrd, modelRolloutCrd, operatorCrds, specSchemaOf, UnstructuralSchemaError, type StructuralSchema } from './generate';

type Json = Record<string, unknown>;
const versionOf = (crd: ReturnType<typeof featureSetCrd>) => crd.spec.versions[0];
const rootOf = (crd: ReturnType<typeof featureSetCrd>) => versionOf(crd).schema.openAPIV3Schema as unknown as StructuralSchema;

/** Every schema node with its path, so each rule below can name where it is broken. */
function nodes(node: StructuralSchema, at = ''): Array<[string, StructuralSchema]> {
  const own: Array<[string, StructuralSchema]> = [[at || '(root)', node]];
  for (const [k, v] of Object.entries(node.properties ?? {})) own.push(...nodes(v, `${at}.${k}`));
  if (node.items) own.push(...nodes(node.items, `${at}[]`));
  return own;
}

/** Kubernetes' defaulting: top-down, a missing property with a default gets it, then its children are defaulted. */
function applyDefaults(value: unknown, schema: StructuralSchema): unknown {
  if (Array.isArray(value)) return schema.items ? value.map((v) => applyDefaults(v, schema.items!)) : value;
  if (value === null || typeof value !== 'object' || !schema.properties) return value;
  const out: Json = { ...(value as Json) };
  for (const [key, prop] of Object.entries(schema.properties)) {
    if (out[key] === undefined && prop.default !== undefined) out[key] = structuredClone(prop.default);
    if (out[key] !== undefined) out[key] = applyDefaults(out[key], prop);
  }
  return out;
}

/** The checks the API server makes with these keywords (type, required, enum, pattern, bounds, oneOf). */
function violations(value: unknown, schema: StructuralSchema, at = 'spec'): string[] {
  if (schema['x-kubernetes-int-or-string']) return Number.isInteger(value) || typeof value === 'string' ? [] : [`${at}: not int-or-string`];
  const actual = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (!(actual === schema.type || (schema.type === 'number' && actual === 'integer'))) return [`${at}: ${actual} is not ${schema.type}`];
  const found: string[] = [];
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) found.push(`${at}: not in enum`);
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern).test(value as string)) found.push(`${at}: does not match ${schema.pattern}`);
  if (typeof schema.minimum === 'number' && (value as number) < schema.minimum) found.push(`${at}: below minimum`);
  if (typeof schema.maximum === 'number' && (value as number) > schema.maximum) found.push(`${at}: above maximum`);
  if (Array.isArray(value)) value.forEach((v, i) => found.push(...violations(v, schema.items!, `${at}[${i}]`)));
  if (actual === 'object') {
    const obj = value as Json;
    for (const key of schema.required ?? []) if (obj[key] === undefined) found.push(`${at}.${key}: required`);
    for (const [key, v] of Object.entries(obj)) {
      if (schema.properties?.[key]) found.push(...violations(v, schema.properties[key], `${at}.${key}`));
      else found.push(`${at}.${key}: would be pruned`);
    }
    if (schema.oneOf && schema.oneOf.filter((b) => b.required.every((k) => obj[k] !== undefined)).length !== 1) found.push(`${at}: matches not exactly one of oneOf`);
  }
  return found;
}

const example = (name: string) => parse(readFileSync(path.join(__dirname, '..', 'examples', name), 'utf8')) as { spec: unknown };

const minimalFeatureSet = {
  featureManifest: { name: 'core', version: '2.0.0' },
  pipelineImage: 'pipelines:1',
  jquants: { credentialsSecretRef: { name: 'jquants' } },
  stores: { objectStore: { url: 'file:///data' }, dwh: { url: 'duckdb:///data/w.duckdb' }, online: { url: 'redis://r:6379' } },
};
const minimalRollout = { model: 'lgbm-daily', champion: { version: 'v3' }, challenger: { version: 'v4' } };

describe('operator CRDs', () => {
  it('match the snapshot (a change here is an API change: review it)', () => {
    expect(operatorCrds()).toMatchSnapshot();
  });

  it.each([
    ['FeatureSet', featureSetCrd(), 'featuresets', 'fs'],
    ['ModelRollout', modelRolloutCrd(), 'modelrollouts', 'mr'],
  ])('%s: names, scope, one served+storage version with a status subresource', (kind, crd, plural, short) => {
    expect(crd.metadata.name).toBe(`${plural}.gogooku3.io`);
    expect(crd.spec).toMatchObject({ group: 'gogooku3.io', scope: 'Namespaced', names: { kind, plural, shortNames: [short] } });
    expect(crd.spec.versions).toHaveLength(1);
    expect(versionOf(crd)).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
    // A list-map's key must be required in its items, or the API server refuses the CRD.
    const conditions = rootOf(crd).properties!.status.properties!.conditions;
    expect(conditions).toMatchObject({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });
    expect(conditions.items!.required).toContain('type');
  });

  it('has the printer columns the operator docs promise', () => {
    const columns = (crd: ReturnType<typeof featureSetCrd>) => versionOf(crd).additionalPrinterColumns.map((c) => `${c.name}=${c.jsonPath}`);
    expect(columns(featureSetCrd())).toEqual(['Schedule=.spec.schedule.afterCloseMinutes', 'Last Run=.status.lastScheduleTime', 'Last Success=.status.lastSuccessfulTime',
      'Freshness=.status.freshnessMinutes', 'Ready=.status.conditions[?(@.type=="Ready")].status', 'Age=.metadata.creationTimestamp']);
    expect(columns(modelRolloutCrd())).toEqual(['Model=.spec.model', 'Champion=.spec.champion.version', 'Challenger=.spec.challenger.version',
      'Weight=.status.challengerWeight', 'Phase=.status.phase', 'Age=.metadata.creationTimestamp']);
  });

  it.each(operatorCrds().map((crd) => [crd.spec.names.kind, crd] as const))('%s: every node is structural', (_kind, crd) => {
    const text = JSON.stringify(crd);
    expect(text).not.toMatch(/"\$ref"|"\$schema"|"anyOf"|"allOf"|"not"|"uniqueItems"|"const"/);
    for (const [at, node] of nodes(rootOf(crd))) {
      expect([at, node.type !== undefined || node['x-kubernetes-int-or-string'] === true]).toEqual([at, true]);
      expect([at, 'additionalProperties' in node]).toEqual([at, false]);
      if (node.properties) expect([at, node.type]).toEqual([at, 'object']);
      // Inside oneOf only value validations may appear, and only of properties declared outside it.
      for (const branch of node.oneOf ?? []) {
        expect(Object.keys(branch)).toEqual(['required']);
        for (const key of branch.required) expect(node.properties).toHaveProperty([key]);
      }
    }
  });

  it.each([
    ['FeatureSet', featureSetCrd(), minimalFeatureSet, parseFeatureSetSpec],
    ['ModelRollout', modelRolloutCrd(), minimalRollout, parseRolloutSpec],
  ] as const)('%s: the API server\'s defaulting of a minimal spec gives what the zod schema gives', (_kind, crd, minimal, parseSpec) => {
    const defaulted = applyDefaults(minimal, rootOf(crd).properties!.spec);
    expect(defaulted).toEqual(parseSpec(minimal));
    expect(violations(defaulted, rootOf(crd).properties!.spec)).toEqual([]);
  });

  it.each([
    ['featureset.yaml', featureSetCrd(), parseFeatureSetSpec],
    ['modelrollout.yaml', modelRolloutCrd(), parseRolloutSpec],
  ] as const)('examples/%s is valid for the zod schema and the CRD schema', (file, crd, parseResource) => {
    const resource = example(file);
    expect(() => parseResource(resource)).not.toThrow();
    expect(violations(resource.spec, rootOf(crd).properties!.spec)).toEqual([]);
  });

  it('the CRD schema refuses what the zod schema refuses where it can (wrong enum, both manifest forms, bad quantity)', () => {
    const spec = rootOf(featureSetCrd()).properties!.spec;
    const bad = { ...minimalFeatureSet, jquants: { credentialsSecretRef: { name: 'j' }, plan: 'gold' }, featureManifest: { name: 'a', version: '1', configMapRef: { name: 'm', key: 'k' } }, resources: { requests: { memory: '1 GB' } } };
    expect(violations(bad, spec)).toEqual(['spec.featureManifest: matches not exactly one of oneOf', 'spec.jquants.plan: not in enum', 'spec.resources.requests.memory: does not match ^\\d+(\\.\\d+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$']);
    expect(() => parseFeatureSetSpec(bad)).toThrow(/featureManifest.*jquants\.plan.*resources\.requests\.memory/);
  });

  it.each<[string, z.ZodType, RegExp]>([
    ['a map', z.object({ labels: z.record(z.string(), z.string()) }), /^labels: maps/],
    ['an untyped value', z.object({ any: z.unknown() }), /^any: a node without a type/],
    ['a string-or-boolean union', z.object({ flag: z.union([z.string(), z.boolean()]) }), /^flag: a union of \["string","boolean"\]/],
  ])('refuses to convert %s rather than emit a non-structural schema', (_name, schema, message) => {
    expect(() => specSchemaOf(schema)).toThrow(UnstructuralSchemaError);
    expect(() => specSchemaOf(schema)).toThrow(message);
  });

  it('converts nullable, literal unions and int-or-string', () => {
    expect(specSchemaOf(z.object({ a: z.string().nullable(), b: z.union([z.literal('x'), z.literal('y')]), c: z.union([z.int(), z.string()]) }))).toEqual({
      type: 'object',
      properties: { a: { type: 'string', nullable: true }, b: { type: 'string', enum: ['x', 'y'] }, c: { 'x-kubernetes-int-or-string': true } },
      required: ['a', 'b', 'c'],
    });
  });
});
