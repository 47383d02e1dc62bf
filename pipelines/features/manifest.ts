/**
 * Loads manifest.yaml: YAML → zod-checked document → checks against the kernel registry. Every problem
 * names the entry and field (`features.active[1] (rsi_14).warmup`), so the file is fixed from the message.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { FEATURE_DTYPES, FEATURE_SOURCES, FEATURES, type FeatureDtype, type FeatureParams, type FeatureSource } from './registry';

export const DEFAULT_MANIFEST_PATH = path.join(__dirname, 'manifest.yaml');

export const FEATURE_STATUSES = ['active', 'experimental', 'deprecated'] as const;
export type FeatureStatus = (typeof FEATURE_STATUSES)[number];

export interface ManifestFeature {
  name: string;
  status: FeatureStatus;
  description: string;
  dtype: FeatureDtype;
  importance: number | null;
  source: FeatureSource;
  warmup: number;
  params: FeatureParams;
  /** Deprecated entries only. */
  reason?: string;
  deprecatedOn?: string;
}

export interface FeatureManifest {
  version: string;
  lookbackSessions: number;
  /** Active, then experimental, then deprecated, each in file order. */
  features: ManifestFeature[];
}

export interface ManifestProblem {
  path: string;
  message: string;
}

export class ManifestError extends Error {
  constructor(readonly source: string, readonly problems: ManifestProblem[]) {
    super(problems.length === 1 && problems[0].path === '(file)'
      ? `${source}: ${problems[0].message}`
      : `${source}: invalid feature manifest:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ManifestError';
  }
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/;
const isoDate = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);

const entryShape = {
  name: z.string().regex(/^[a-z][a-z0-9_]*$/, { error: 'must be snake_case: a lowercase letter, then [a-z0-9_]' }),
  description: z.string().min(1).refine((s) => !/[\r\n]/.test(s), { error: 'must be one line (the formula)' }),
  dtype: z.enum(FEATURE_DTYPES),
  importance: z.number().nullable(),
  source: z.enum(FEATURE_SOURCES),
  warmup: z.int().nonnegative(),
  params: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
};
const EntrySchema = z.strictObject(entryShape);
const DeprecatedSchema = z.strictObject({
  ...entryShape,
  reason: z.string().min(1),
  deprecated_on: z.string().refine(isoDate, { error: 'must be a date YYYY-MM-DD' }),
});
const ManifestSchema = z.strictObject({
  version: z.string().regex(SEMVER, { error: 'must be a semantic version MAJOR.MINOR.PATCH' }),
  lookback_sessions: z.int().positive(),
  features: z.strictObject({
    active: z.array(EntrySchema),
    experimental: z.array(EntrySchema).default([]),
    deprecated: z.array(DeprecatedSchema).default([]),
  }),
});

const ALLOWED_KEYS: Record<string, string[]> = {
  '': Object.keys(ManifestSchema.shape),
  features: [...FEATURE_STATUSES],
  'features.active': Object.keys(entryShape),
  'features.experimental': Object.keys(entryShape),
  'features.deprecated': Object.keys(DeprecatedSchema.shape),
};

/** `features.active[1] (rsi_14).warmup`: the entry's name is added so it can be found in a long file. */
function formatPath(keys: ReadonlyArray<PropertyKey>, raw: unknown): string {
  if (keys.length === 0) return '(root)';
  let out = '';
  let node: unknown = raw;
  for (const k of keys) {
    out += typeof k === 'number' ? `[${k}]` : `${out ? '.' : ''}${String(k)}`;
    node = node && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[k as never] : undefined;
    if (typeof k === 'number' && node && typeof node === 'object' && typeof (node as { name?: unknown }).name === 'string') {
      out += ` (${(node as { name: string }).name})`;
    }
  }
  return out;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function problemFromZod(issue: z.core.$ZodIssue, raw: unknown): ManifestProblem {
  const where = formatPath(issue.path, raw);
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = ALLOWED_KEYS[issue.path.filter((k) => typeof k === 'string').join('.')];
      return { path: where, message: `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}${allowed ? ` (allowed: ${allowed.join(', ')})` : ''}` };
    }
    case 'invalid_value':
      return { path: where, message: `${input === undefined ? 'is required' : `invalid value ${JSON.stringify(input)}`}; allowed: ${issue.values.map(String).join(', ')}` };
    case 'invalid_type':
      return { path: where, message: input === undefined ? `is required (${issue.expected})` : `expected ${issue.expected}, got ${describe(input)}` };
    case 'too_small':
      return { path: where, message: `must be ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}, got ${describe(input)}` };
    default:
      return { path: where, message: issue.message };
  }
}

const sameParams = (a: FeatureParams, b: FeatureParams) =>
  Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => Object.hasOwn(b, k) && a[k] === b[k]);

/** Duplicates, registration and agreement with the registry; the document has passed the schema. */
function crossCheck(doc: z.infer<typeof ManifestSchema>, raw: unknown): ManifestProblem[] {
  const problems: ManifestProblem[] = [];
  const firstSeen = new Map<string, string>();
  let maxWarmup = 0;
  for (const status of FEATURE_STATUSES) {
    doc.features[status].forEach((entry, i) => {
      const at = (field: string) => formatPath(['features', status, i, field], raw);
      const previous = firstSeen.get(entry.name);
      if (previous) {
        // One message per mistake: the copy's other fields would only repeat it.
        problems.push({ path: at('name'), message: `${entry.name} is also listed at ${previous}` });
        return;
      }
      firstSeen.set(entry.name, formatPath(['features', status, i], raw));
      const def = FEATURES.get(entry.name);
      if (!def) {
        // A deprecated feature's kernel may already be gone: deprecation is the step before deletion.
        if (status !== 'deprecated') {
          const near = nearestNames(entry.name, [...FEATURES.keys()]);
          problems.push({ path: at('name'), message: `no kernel is registered for ${entry.name}${near.length > 0 ? ` (did you mean ${near.join(', ')}?)` : ''}` });
        }
        return;
      }
      if (status !== 'deprecated') maxWarmup = Math.max(maxWarmup, entry.warmup);
      for (const field of ['dtype', 'source', 'warmup'] as const) {
        if (entry[field] !== def[field]) problems.push({ path: at(field), message: `is ${JSON.stringify(entry[field])} but the ${entry.name} kernel's is ${JSON.stringify(def[field])}` });
      }
      if (!sameParams(entry.params, def.params)) {
        problems.push({ path: at('params'), message: `are ${JSON.stringify(entry.params)} but the ${entry.name} kernel's are ${JSON.stringify(def.params)}` });
      }
    });
  }
  if (doc.lookback_sessions < maxWarmup) {
    problems.push({ path: 'lookback_sessions', message: `is ${doc.lookback_sessions}, less than the largest warmup of a computed feature (${maxWarmup})` });
  }
  return problems;
}

/** Parses and checks manifest text; `source` names it in errors. */
export function parseManifest(yamlText: string, source: string): FeatureManifest {
  const yamlDoc = parseDocument(yamlText, { prettyErrors: true, uniqueKeys: true });
  if (yamlDoc.errors.length > 0) {
    throw new ManifestError(source, yamlDoc.errors.map((e) => ({ path: '(yaml)', message: e.message.split('\n')[0] })));
  }
  const raw: unknown = yamlDoc.toJS();
  const parsed = ManifestSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) throw new ManifestError(source, parsed.error.issues.map((i) => problemFromZod(i, raw)));
  const problems = crossCheck(parsed.data, raw);
  if (problems.length > 0) throw new ManifestError(source, problems);
  const doc = parsed.data;
  const features = FEATURE_STATUSES.flatMap((status) => doc.features[status].map((e): ManifestFeature => {
    const { deprecated_on: deprecatedOn, reason, ...rest } = e as z.infer<typeof DeprecatedSchema>;
    return { ...rest, status, ...(reason !== undefined ? { reason, deprecatedOn } : {}) };
  }));
  return { version: doc.version, lookbackSessions: doc.lookback_sessions, features };
}

export function loadManifest(file: string = DEFAULT_MANIFEST_PATH): FeatureManifest {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new ManifestError(file, [{ path: '(file)', message: `cannot read: ${e.code === 'ENOENT' ? 'no such file' : e.message}` }]);
  }
  return parseManifest(text, file);
}

export class FeatureSelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureSelectionError';
  }
}

/**
 * The features to compute: all active ones (plus experimental when asked), or the names given, which must
 * be active, or experimental when `experimental` is set. Deprecated and unknown names are errors that list
 * what may be asked for.
 */
export function selectFeatures(manifest: FeatureManifest, options: { names?: readonly string[]; experimental?: boolean } = {}): string[] {
  const allowed = manifest.features.filter((f) => f.status === 'active' || (options.experimental && f.status === 'experimental'));
  if (!options.names) return allowed.map((f) => f.name);
  const byName = new Map(manifest.features.map((f) => [f.name, f]));
  const allowedNames = allowedList(allowed.map((f) => f.name));
  for (const name of options.names) {
    const f = byName.get(name);
    if (f?.status === 'deprecated') throw new FeatureSelectionError(`feature ${name} was deprecated on ${f.deprecatedOn} (${f.reason}); allowed: ${allowedNames}`);
    if (f?.status === 'experimental' && !options.experimental) throw new FeatureSelectionError(`feature ${name} is experimental and experimental features are off (--experimental); allowed: ${allowedNames}`);
    if (!f) {
      const near = nearestNames(name, allowed.map((a) => a.name));
      throw new FeatureSelectionError(`unknown feature ${JSON.stringify(name)}${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''}; allowed: ${allowedNames}`);
    }
  }
  const repeated = options.names.find((n, i) => options.names!.indexOf(n) !== i);
  if (repeated) throw new FeatureSelectionError(`feature ${repeated} is listed twice`);
  return [...options.names];
}

/** Up to 12 names in full; a longer list is summarised (the manifest has well over a hundred). */
function allowedList(names: readonly string[]): string {
  return names.length <= 12 ? names.join(', ') : `${names.slice(0, 8).join(', ')} and ${names.length - 8} more (gogooku3 features list)`;
}

/** Names within edit distance 2 of `name`, closest first, at most 3. */
export function nearestNames(name: string, names: readonly string[]): string[] {
  return names
    .map((n) => ({ n, d: editDistance(name, n) }))
    .filter((x) => x.d <= 2)
    .sort((a, b) => a.d - b.d || (a.n < b.n ? -1 : 1))
    .slice(0, 3)
    .map((x) => x.n);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}
