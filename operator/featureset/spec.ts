import { z } from 'zod';
import { JQUANTS_PLANS } from '../../pipelines/config/config';
import { MODEL_NAME_PATTERN } from '../../pipelines/models/registry-support';

/**
 * The FeatureSet custom resource (gogooku3.io/v1alpha1): which features to compute for which universe, when
 * after the close, with which image, credentials and stores. This module only validates and defaults the
 * spec; the CRD's openAPIV3Schema is generated from the same schema (operator/crds/generate.ts).
 */
export const FEATURESET_GROUP = 'gogooku3.io';
export const FEATURESET_API_VERSION = `${FEATURESET_GROUP}/v1alpha1`;
export const FEATURESET_KIND = 'FeatureSet';

/** Invalid FeatureSet input; `problems` holds one "field: what is allowed, got what" line per issue. */
export class FeatureSetSpecError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid ${FEATURESET_KIND}: ${problems.join('; ')}`);
    this.name = 'FeatureSetSpecError';
  }
}

const NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
// Kubernetes quantities as users write them ("500m", "2", "1.5Gi"); exponent forms are left out on purpose.
const QUANTITY_RE = /^\d+(\.\d+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
// Five fields of the CronJob schedule syntax; the controller hands it to Kubernetes, which has the last word.
const CRON_RE = /^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\S+\s+){4}\S+)$/;

const text = (allowed: string) => z.string({ error: `expected ${allowed}` }).min(1, { error: `expected ${allowed}` });
const objectOf = <S extends z.core.$ZodLooseShape>(shape: S, allowed: string) => z.strictObject(shape, { error: `expected an object ${allowed}` });
// z.int with bounds (not a refine) so the CRD gets type integer with minimum/maximum.
const intIn = (min: number, max: number) => z.int({ error: `expected an integer ${min}..${max}` })
  .min(min, { error: `expected an integer ${min}..${max}` }).max(max, { error: `expected an integer ${min}..${max}` });
const resourceName = (what: string) => text(`the ${what} name (lowercase letters, digits, '-' and '.')`)
  .regex(NAME_RE, { error: `expected the ${what} name (lowercase letters, digits, '-' and '.')` });
const quantity = (example: string) => z.string({ error: `expected a Kubernetes quantity such as "${example}"` })
  .regex(QUANTITY_RE, { error: `expected a Kubernetes quantity such as "${example}" (suffixes m, k, M, G, Ki, Mi, Gi, ...)` });
const isoDate = z.string({ error: 'expected a date YYYY-MM-DD' }).regex(DATE_RE, { error: 'expected a date YYYY-MM-DD' })
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d, { error: 'expected a real calendar date YYYY-MM-DD' });
// Building an Intl.DateTimeFormat is costly (~1 ms) and every reconcile parses the spec: remember the zones seen valid.
const knownZones = new Set<string>();
const timeZone = z.string({ error: 'expected an IANA time zone such as "Asia/Tokyo"' }).refine((tz) => {
  if (knownZones.has(tz)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    if (knownZones.size < 1000) knownZones.add(tz);
    return true;
  } catch {
    return false;
  }
}, { error: 'expected an IANA time zone such as "Asia/Tokyo"' });
// The schemes the pipelines' config accepts for each store (pipelines/config/config.ts); a regex, not a refine,
// so the API server checks it too. The embedded online store is left out: CronJob pods share no memory.
const url = (what: string, schemes: string[]) => text(`the ${what} URL`)
  .regex(new RegExp(`^(${schemes.join('|')})://\\S+$`), { error: `expected the ${what} URL with scheme ${schemes.join(', ')}` });
const secretRef = objectOf({ name: resourceName('Secret') }, '{ name }');
// The registry's model names: a Triton model directory.
const modelName = z.string({ error: 'expected a model name such as "alpha"' })
  .regex(MODEL_NAME_PATTERN, { error: 'expected a model name such as "alpha" (1-64 of a-z, 0-9, _ and -, starting with a letter or digit)' });
const LABEL_RE = /^target_\d+_\d+$/;
const names = (what: string) => z.array(text(what), { error: `expected a list of ${what}s` });

const featureManifestSchema = z.union([
  objectOf({ name: text('the manifest name'), version: text('the manifest version, e.g. "2.0.0"') }, '{ name, version }'),
  objectOf({ configMapRef: objectOf({ name: resourceName('ConfigMap'), key: text('the ConfigMap key') }, '{ name, key }') }, '{ configMapRef }'),
], { error: 'expected { name, version } or { configMapRef: { name, key } }' });

const storeSchema = (what: string, schemes: string[]) => objectOf({ url: url(what, schemes), credentialsSecretRef: secretRef.optional() }, '{ url, credentialsSecretRef? }');

export const DEFAULT_RESOURCES = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } } as const;

const resourceListSchema = (defaults: { cpu: string; memory: string }) => objectOf({
  cpu: quantity('500m').default(defaults.cpu),
  memory: quantity('1Gi').default(defaults.memory),
}, '{ cpu, memory }');

export const featureSetSpecSchema = objectOf({
  featureManifest: featureManifestSchema,
  universe: objectOf({ markets: names('market name').optional(), sectors: names('sector code').optional(), codes: names('issue code').optional() }, '{ markets?, sectors?, codes? }').prefault({}),
  // prefault, not default: zod 4 would return a default object as is, without the field defaults inside it.
  schedule: objectOf({ afterCloseMinutes: intIn(0, 720).default(30), timeZone: timeZone.default('Asia/Tokyo') }, '{ afterCloseMinutes, timeZone }').prefault({}),
  pipelineImage: text('the pipeline container image, e.g. "ghcr.io/org/gogooku3:1.2.3"'),
  jquants: objectOf({
    credentialsSecretRef: secretRef,
    plan: z.enum(JQUANTS_PLANS, { error: `expected one of ${JQUANTS_PLANS.join(', ')}` }).default('light'),
  }, '{ credentialsSecretRef, plan }'),
  stores: objectOf({ objectStore: storeSchema('object store', ['s3', 'file']), dwh: storeSchema('warehouse', ['clickhouse', 'duckdb']), online: storeSchema('online store', ['redis', 'rediss']) }, '{ objectStore, dwh, online }'),
  // CronJob pods end before Prometheus could scrape them: each run pushes its metrics (a group per run) here.
  metrics: objectOf({ pushgatewayUrl: url('Pushgateway', ['http', 'https']).optional() }, '{ pushgatewayUrl? }').optional(),
  resources: objectOf({
    requests: resourceListSchema(DEFAULT_RESOURCES.requests).prefault({}),
    limits: resourceListSchema(DEFAULT_RESOURCES.limits).prefault({}),
  }, '{ requests, limits }').prefault({}),
  retries: intIn(0, 10).default(2),
  backfill: objectOf({ from: isoDate }, '{ from }').optional(),
  // Each run: `gogooku3 models contract` writes the G3_* variables (docs/training.md), the image's command runs
  // with them and writes to /out, then `gogooku3 models register --contract` puts the result in the registry.
  training: objectOf({
    image: text('the training container image'),
    command: z.array(text('a command word'), { error: 'expected the trainer\'s command as a list of words, e.g. ["python", "train.py"]' })
      .min(1, { error: 'expected the trainer\'s command as a list of words, e.g. ["python", "train.py"]' }),
    model: modelName.optional(),
    gpus: intIn(0, 8).default(1),
    schedule: z.string({ error: 'expected a cron schedule such as "0 20 * * 1-5"' }).regex(CRON_RE, { error: 'expected a cron schedule of five fields such as "0 20 * * 1-5"' }),
    maxConcurrentGpuJobs: intIn(1, 64).default(1),
    sessions: intIn(10, 10_000).default(750),
    target: z.string({ error: 'expected a label column such as "target_1_2"' }).regex(LABEL_RE, { error: 'expected a label column such as "target_1_2"' }).default('target_1_2'),
    folds: intIn(2, 50).default(5),
    seed: intIn(0, 2_147_483_647).default(42),
  }, '{ image, command, model?, gpus, schedule, maxConcurrentGpuJobs, sessions, target, folds, seed }').optional(),
  suspend: z.boolean({ error: 'expected true or false' }).default(false),
}, '{ featureManifest, pipelineImage, jquants, stores, ... }');

export type FeatureSetSpec = z.output<typeof featureSetSpecSchema>;
export type FeatureSetSpecInput = z.input<typeof featureSetSpecSchema>;

const featureSetSchema = z.strictObject({
  apiVersion: z.literal(FEATURESET_API_VERSION, { error: `expected ${JSON.stringify(FEATURESET_API_VERSION)}` }),
  kind: z.literal(FEATURESET_KIND, { error: `expected ${JSON.stringify(FEATURESET_KIND)}` }),
  metadata: z.looseObject({ name: z.string().min(1).optional() }, { error: 'expected an object' }).optional(),
  spec: featureSetSpecSchema,
  // A resource read back from the cluster carries the operator's status; it is not input.
  status: z.unknown().optional(),
}, { error: 'expected an object' });

/** Object keys a schema node accepts (all union branches'), looking through optional/default wrappers. */
export function keysOf(schema: z.core.$ZodType): string[] {
  const def = schema._zod.def as unknown as { type: string; innerType?: z.core.$ZodType; shape?: Record<string, unknown>; options?: z.core.$ZodType[]; in?: z.core.$ZodType };
  if (def.type === 'object') return Object.keys(def.shape ?? {});
  if (def.type === 'union') return [...new Set((def.options ?? []).flatMap(keysOf))];
  if (def.type === 'pipe' && def.in) return keysOf(def.in);
  return def.innerType ? keysOf(def.innerType) : [];
}

/** The schema node at `path` (object keys only; arrays are not walked since none of their items are objects). */
function nodeAt(schema: z.core.$ZodType, path: ReadonlyArray<PropertyKey>): z.core.$ZodType | undefined {
  let node: z.core.$ZodType | undefined = schema;
  for (const key of path) {
    const def = node?._zod.def as unknown as { type: string; innerType?: z.core.$ZodType; shape?: Record<string, z.core.$ZodType>; options?: z.core.$ZodType[] } | undefined;
    if (!def) return undefined;
    if (def.type === 'object') node = def.shape?.[String(key)];
    else if (def.type === 'union') node = def.options?.map((o) => nodeAt(o, [key])).find(Boolean);
    else if (def.innerType) node = nodeAt(def.innerType, [key]);
    else return undefined;
  }
  return node;
}

function valueAt(raw: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = raw;
  for (const key of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}

/** One "field: what is allowed, got what" line per issue, naming fields as the input spelled them. */
export function describeIssue(schema: z.core.$ZodType, issue: z.core.$ZodIssue, raw: unknown): string {
  const field = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const node = nodeAt(schema, issue.path);
    const allowed = node ? keysOf(node) : [];
    return issue.keys.map((k) => `${field ? `${field}.` : ''}${k}: unknown field; allowed: ${allowed.join(', ')}`).join('; ');
  }
  const got = valueAt(raw, issue.path);
  return `${field || '(root)'}: ${issue.message}, got ${got === undefined ? 'nothing' : JSON.stringify(got)}`;
}

/** Validates and defaults a FeatureSet: the whole resource (apiVersion, kind, metadata, spec) or the bare spec. */
export function parseFeatureSetSpec(raw: unknown): FeatureSetSpec {
  const isResource = raw !== null && typeof raw === 'object' && ('kind' in raw || 'apiVersion' in raw || 'spec' in raw);
  const schema: z.core.$ZodType = isResource ? featureSetSchema : featureSetSpecSchema;
  const parsed = isResource ? featureSetSchema.safeParse(raw) : featureSetSpecSchema.safeParse(raw);
  if (!parsed.success) throw new FeatureSetSpecError(parsed.error.issues.map((issue) => describeIssue(schema, issue, raw)));
  return isResource ? (parsed.data as z.output<typeof featureSetSchema>).spec : parsed.data as FeatureSetSpec;
}
