import { z } from 'zod';
import { featureSetSpecSchema, FEATURESET_GROUP, FEATURESET_KIND } from '../featureset/spec';
import { modelRolloutSpecSchema, ROLLOUT_GROUP, ROLLOUT_KIND } from '../rollout/spec';
import { PHASES } from '../rollout/state-machine';

/**
 * The operator's CustomResourceDefinitions, built from the same zod schemas the controllers parse specs
 * with, so the API server's validation and defaulting cannot drift from the operator's.
 */
export const CRD_GROUP = 'gogooku3.io';
export const CRD_VERSION = 'v1alpha1';

/** A JSON schema node in the structural subset Kubernetes accepts (apiextensions.k8s.io/v1 JSONSchemaProps). */
export interface StructuralSchema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, StructuralSchema>;
  items?: StructuralSchema;
  required?: string[];
  oneOf?: Array<{ required: string[] }>;
  [key: string]: unknown;
}

/** The zod schema uses a JSON-schema form this converter does not map onto a structural schema. */
export class UnstructuralSchemaError extends Error {
  constructor(readonly path: string, detail: string) {
    super(`${path || '(root)'}: ${detail}`);
    this.name = 'UnstructuralSchemaError';
  }
}

// Kept as they are; anything else zod emits is refused so a new construct in a spec schema fails the tests.
const PASSTHROUGH = new Set(['type', 'required', 'default', 'description', 'enum', 'pattern', 'format', 'minimum', 'maximum',
  'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'nullable', 'x-kubernetes-int-or-string']);
// zod states the safe-integer range on every z.int(); Kubernetes has no use for it.
const SAFE_INT_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

type Json = Record<string, unknown>;

function mergeBranches(path: string, branches: Json[]): Json {
  const types = branches.map((b) => b.type);
  if (types.length === 2 && types.includes('null')) {
    return { ...branches.find((b) => b.type !== 'null'), nullable: true };
  }
  if (branches.every((b) => b.type === 'object')) {
    // Structural schemas forbid types inside anyOf/oneOf, so the branches become one object holding every
    // property, with oneOf over their required lists standing in for "exactly one of these shapes".
    const properties: Json = {};
    for (const b of branches) Object.assign(properties, b.properties as Json);
    return { type: 'object', properties, oneOf: branches.map((b) => ({ required: (b.required as string[] | undefined) ?? [] })) };
  }
  if (types.length === 2 && types.includes('integer') && types.includes('string')) return { 'x-kubernetes-int-or-string': true };
  if (new Set(types).size === 1 && branches.every((b) => Array.isArray(b.enum))) {
    return { type: types[0], enum: branches.flatMap((b) => b.enum as unknown[]) };
  }
  throw new UnstructuralSchemaError(path, `a union of ${JSON.stringify(types)} has no structural form`);
}

/** Converts a zod JSON schema (OpenAPI 3.0 target, inlined) into the structural subset, recursively. */
export function toStructural(node: Json, path = ''): StructuralSchema {
  if ('$ref' in node) throw new UnstructuralSchemaError(path, '$ref is not allowed in a CRD schema');
  const union = (node.anyOf ?? node.oneOf) as Json[] | undefined;
  if (union) {
    const { anyOf: _a, oneOf: _o, ...rest } = node;
    const { oneOf: requiredOneOf, ...merged } = mergeBranches(path, union);
    const result = toStructural({ ...rest, ...merged }, path);
    if (requiredOneOf) result.oneOf = requiredOneOf as StructuralSchema['oneOf'];
    return result;
  }
  const out: StructuralSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || key === 'additionalProperties') continue;
    if (key === 'const') out.enum = [value];
    else if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Record<string, Json>).map(([k, v]) => [k, toStructural(v, path ? `${path}.${k}` : k)]));
    } else if (key === 'items') out.items = toStructural(value as Json, `${path}[]`);
    else if ((key === 'minimum' || key === 'maximum') && SAFE_INT_BOUNDS.has(value as number)) continue;
    else if (PASSTHROUGH.has(key)) out[key] = value;
    else throw new UnstructuralSchemaError(path, `JSON schema keyword ${JSON.stringify(key)} has no structural form`);
  }
  if (out['x-kubernetes-int-or-string'] === undefined && out.type === undefined) {
    if (out.properties) out.type = 'object';
    else throw new UnstructuralSchemaError(path, 'a node without a type (z.unknown / z.any) cannot be structural');
  }
  // An object given as a record (additionalProperties: schema, no properties) would need mapping; none exist yet.
  if (node.additionalProperties !== undefined && typeof node.additionalProperties === 'object' && !out.properties) {
    throw new UnstructuralSchemaError(path, 'maps (z.record) are not mapped yet');
  }
  return out;
}

/** The CRD schema of a zod spec schema: input form, so defaults appear and transforms are not required. */
export function specSchemaOf(schema: z.ZodType): StructuralSchema {
  return toStructural(z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', reused: 'inline', unrepresentable: 'throw' }) as Json);
}

// Written by the controller, not users, so the format is a hint for clients rather than a regex to enforce.
const timestamp = z.string().meta({ format: 'date-time' });

const conditionSchema = z.object({
  type: z.string(),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: timestamp.optional(),
  observedGeneration: z.int().min(0).optional(),
});
const conditions = z.array(conditionSchema);

/** The status the FeatureSet controller writes (all optional: a new resource has none). */
export const featureSetStatusSchema = z.object({
  observedGeneration: z.int().min(0),
  lastScheduleTime: timestamp,
  lastSuccessfulTime: timestamp,
  lastRunId: z.string(),
  freshnessMinutes: z.number(),
  backfillCompletedFrom: z.string(),
  conditions,
}).partial();

/** The status the ModelRollout controller writes; the state machine's bookkeeping sits beside these fields. */
export const modelRolloutStatusSchema = z.object({
  observedGeneration: z.int().min(0),
  phase: z.enum(PHASES),
  challengerWeight: z.number().min(0).max(100),
  stepIndex: z.int().min(0),
  // The rest of the state machine's RolloutState, persisted so a restarted operator resumes where it was.
  failures: z.int().min(0),
  inconclusive: z.int().min(0),
  baseline: z.object({ p95_ms: z.number(), rank_ic: z.number() }).partial(),
  history: z.array(z.object({ event: z.string(), phase: z.enum(PHASES), challengerWeight: z.number(), reason: z.string() })),
  lastAnalysisTime: timestamp,
  /** The challenger version this state belongs to: a new one restarts the analysis. */
  analysedChallenger: z.string(),
  /** The last handled gogooku3.io/action-nonce, so a verb runs once. */
  lastActionNonce: z.string(),
  conditions,
}).partial();

export interface PrinterColumn { name: string; type: 'string' | 'integer' | 'number' | 'boolean' | 'date'; jsonPath: string; description?: string }

interface CrdInput {
  kind: string;
  plural: string;
  shortName: string;
  spec: z.ZodType;
  status: z.ZodType;
  /** Status fields the controller adds later without a CRD change (the rollout's history and counters). */
  statusPreservesUnknown: boolean;
  columns: PrinterColumn[];
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const READY: PrinterColumn = { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' };

function crd(input: CrdInput) {
  const status = specSchemaOf(input.status);
  if (input.statusPreservesUnknown) status['x-kubernetes-preserve-unknown-fields'] = true;
  // Conditions are keyed by type (one Ready, one Progressing...), so server-side apply merges them by type.
  const conditionList = status.properties?.conditions;
  if (conditionList) Object.assign(conditionList, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${input.plural}.${CRD_GROUP}` },
    spec: {
      group: CRD_GROUP,
      scope: 'Namespaced',
      names: { kind: input.kind, listKind: `${input.kind}List`, plural: input.plural, singular: input.kind.toLowerCase(), shortNames: [input.shortName] },
      versions: [{
        name: CRD_VERSION,
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: input.columns,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string' },
              kind: { type: 'string' },
              metadata: { type: 'object' },
              spec: specSchemaOf(input.spec),
              status,
            },
          },
        },
      }],
    },
  };
}

export type CustomResourceDefinition = ReturnType<typeof crd>;

export function featureSetCrd(): CustomResourceDefinition {
  return crd({
    kind: FEATURESET_KIND, plural: 'featuresets', shortName: 'fs', spec: featureSetSpecSchema, status: featureSetStatusSchema, statusPreservesUnknown: false,
    columns: [
      { name: 'Schedule', type: 'integer', jsonPath: '.spec.schedule.afterCloseMinutes', description: 'minutes after the close the daily run starts' },
      { name: 'Last Run', type: 'date', jsonPath: '.status.lastScheduleTime' },
      { name: 'Last Success', type: 'date', jsonPath: '.status.lastSuccessfulTime' },
      { name: 'Freshness', type: 'number', jsonPath: '.status.freshnessMinutes', description: 'minutes since the last successful daily run finished' },
      READY,
      AGE,
    ],
  });
}

export function modelRolloutCrd(): CustomResourceDefinition {
  return crd({
    kind: ROLLOUT_KIND, plural: 'modelrollouts', shortName: 'mr', spec: modelRolloutSpecSchema, status: modelRolloutStatusSchema, statusPreservesUnknown: true,
    columns: [
      { name: 'Model', type: 'string', jsonPath: '.spec.model' },
      { name: 'Champion', type: 'string', jsonPath: '.spec.champion.version' },
      { name: 'Challenger', type: 'string', jsonPath: '.spec.challenger.version' },
      { name: 'Weight', type: 'number', jsonPath: '.status.challengerWeight' },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
      AGE,
    ],
  });
}

/** Both CRDs, FeatureSet first (the order `operator crds` prints them in). */
export function operatorCrds(): CustomResourceDefinition[] {
  if (FEATURESET_GROUP !== CRD_GROUP || ROLLOUT_GROUP !== CRD_GROUP) throw new Error(`spec modules disagree on the API group (${FEATURESET_GROUP}, ${ROLLOUT_GROUP})`);
  return [featureSetCrd(), modelRolloutCrd()];
}
