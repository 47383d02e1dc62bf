/**
 * The model registry's decisions, free of I/O: where things live (a Triton model repository), what config.pbtxt
 * says, which metadata.json is well-formed, which versions hold a stage, what a promotion rewrites, and whether
 * a candidate reproduces its predecessor's golden metrics.
 */
import { z } from 'zod';
import { STAGES, type EvalMetrics, type ModelVersionMetadata, type Stage } from './types';

export const DEFAULT_ROOT = 'models';
export const CONFIG_FILE = 'config.pbtxt';
export const ONNX_FILE = 'model.onnx';
/** Written last: a version directory without it does not exist as far as the registry is concerned. */
export const METADATA_FILE = 'metadata.json';
export const MAX_BATCH_SIZE = 8192;
export const MODEL_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const METRIC_KEYS: ReadonlyArray<keyof EvalMetrics> = ['ic', 'rank_ic', 'icir', 'rmse', 'sharpe', 'jpx_sharpe'];

/** A name, version, stage or registration input the registry cannot accept (a caller's mistake). */
export class RegistryInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryInputError';
  }
}

export class ModelNotFoundError extends Error {
  constructor(readonly model: string) {
    super(`model ${JSON.stringify(model)} is not in the registry`);
    this.name = 'ModelNotFoundError';
  }
}

export class VersionNotFoundError extends Error {
  constructor(readonly model: string, readonly version: number | Stage, detail?: string) {
    super(typeof version === 'number' ? `model ${model} has no version ${version}${detail ? ` (${detail})` : ''}` : `model ${model} has no ${version} version${detail ? ` (${detail})` : ''}`);
    this.name = 'VersionNotFoundError';
  }
}

/** What the store holds contradicts itself: unreadable metadata, a missing model.onnx, a sha256 mismatch. */
export class RegistryIntegrityError extends Error {
  constructor(readonly key: string, problem: string, options?: { cause?: unknown }) {
    super(`registry integrity: ${key}: ${problem}`, options);
    this.name = 'RegistryIntegrityError';
  }
}

/** The candidate's feature list contradicts the model's latest version under the same featureSetVersion. */
export class FeatureSetMismatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureSetMismatchError';
  }
}

/** The candidate does not reproduce the baseline's golden metrics. */
export class RegressionError extends Error {
  constructor(readonly baseline: { model: string; version: number }, readonly metrics: string[], readonly reasons: string[]) {
    super(`regression check against ${baseline.model} version ${baseline.version} failed: ${reasons.join('; ')}`);
    this.name = 'RegressionError';
  }
}

export function validateModelName(name: string): void {
  if (typeof name !== 'string' || !MODEL_NAME_PATTERN.test(name)) {
    throw new RegistryInputError(`model name ${JSON.stringify(name)}: expected 1-64 characters of a-z, 0-9, _ and -, starting with a letter or digit`);
  }
}

export function validateVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1) throw new RegistryInputError(`version ${JSON.stringify(version)}: expected a whole number >= 1`);
}

export function validateStage(stage: string): asserts stage is Stage {
  if (!(STAGES as readonly string[]).includes(stage)) throw new RegistryInputError(`stage ${JSON.stringify(stage)}: expected one of ${STAGES.join(', ')}`);
}

/** Normalises the root prefix (no leading or trailing slashes); `a/b` is fine, `..` or empty segments are not. */
export function normaliseRoot(root: string): string {
  const trimmed = root.replace(/\/+$/, '');
  if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(trimmed) || trimmed.split('/').some((s) => s === '.' || s === '..')) {
    throw new RegistryInputError(`registry root ${JSON.stringify(root)}: expected a relative key prefix such as "models"`);
  }
  return trimmed;
}

export const configKey = (root: string, name: string) => `${root}/${name}/${CONFIG_FILE}`;
export const versionKey = (root: string, name: string, version: number, file: typeof ONNX_FILE | typeof METADATA_FILE) => `${root}/${name}/${version}/${file}`;

/** `<root>/<name>/<version>/<file>` → its parts; anything else (config.pbtxt, stray files) → undefined. */
export function parseVersionKey(root: string, key: string): { name: string; version: number; file: string } | undefined {
  if (!key.startsWith(`${root}/`)) return undefined;
  const parts = key.slice(root.length + 1).split('/');
  if (parts.length !== 3 || !MODEL_NAME_PATTERN.test(parts[0]) || !/^[1-9]\d{0,14}$/.test(parts[1])) return undefined;
  return { name: parts[0], version: Number(parts[1]), file: parts[2] };
}

/**
 * Triton's config for a model directory. `versions` narrows the policy to the listed versions: needed once the
 * feature count changed, since Triton refuses to load a version whose input shape contradicts the config.
 */
export function renderConfigPbtxt(options: { name: string; featureCount: number; maxBatchSize?: number; versions?: readonly number[] }): string {
  const policy = options.versions ? `specific { versions: [ ${options.versions.join(', ')} ] }` : 'all { }';
  return [
    `name: "${options.name}"`,
    'platform: "onnxruntime_onnx"',
    `max_batch_size: ${options.maxBatchSize ?? MAX_BATCH_SIZE}`,
    'input [',
    '  {',
    '    name: "features"',
    '    data_type: TYPE_FP32',
    `    dims: [ ${options.featureCount} ]`,
    '  }',
    ']',
    'output [',
    '  {',
    '    name: "prediction"',
    '    data_type: TYPE_FP32',
    '    dims: [ 1 ]',
    '  }',
    ']',
    `version_policy: { ${policy} }`,
    '',
  ].join('\n');
}

/** The input width a config.pbtxt declares, or undefined when it declares none this registry could have written. */
export function configFeatureCount(text: string): number | undefined {
  const m = /input\s*\[\s*\{[^}]*?\bdims\s*:\s*\[\s*(\d+)\s*\]/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Versions Triton may serve under the current width: all, or (after a width change) those of that width. */
export function servableVersions(committed: readonly ModelVersionMetadata[], featureCount: number): number[] | undefined {
  if (committed.every((m) => m.features.length === featureCount)) return undefined;
  return committed.filter((m) => m.features.length === featureCount).map((m) => m.version).sort((a, b) => a - b);
}

/**
 * Refuses a candidate whose features contradict the latest version (or the config's width) under the same
 * featureSetVersion; a new featureSetVersion may change them, and then the config is rewritten.
 */
export function checkFeatureConsistency(name: string, latest: ModelVersionMetadata | undefined, configCount: number | undefined, candidate: { features: readonly string[]; featureSetVersion: string }): void {
  if (!latest || latest.featureSetVersion !== candidate.featureSetVersion) return;
  const F = candidate.features.length;
  const where = `model ${name} (featureSetVersion ${candidate.featureSetVersion} unchanged since version ${latest.version})`;
  for (const [what, count] of [['version ' + latest.version, latest.features.length], [CONFIG_FILE, configCount]] as const) {
    if (count !== undefined && count !== F) throw new FeatureSetMismatchError(`${where}: ${what} has ${count} features, the candidate ${F}; bump featureSetVersion to change the inputs`);
  }
  const at = latest.features.findIndex((f, i) => f !== candidate.features[i]);
  if (at >= 0) throw new FeatureSetMismatchError(`${where}: feature ${at} is ${JSON.stringify(latest.features[at])} in version ${latest.version}, ${JSON.stringify(candidate.features[at])} in the candidate`);
}

export const nextVersion = (committed: readonly ModelVersionMetadata[]): number => committed.reduce((max, m) => Math.max(max, m.version), 0) + 1;

/**
 * The version holding a stage. Should an interrupted promotion have left two holders, the highest wins until the
 * next promotion of that stage demotes the other.
 */
export function resolveStage(versions: readonly ModelVersionMetadata[], stage: Exclude<Stage, 'none'>): ModelVersionMetadata | undefined {
  return versions.filter((m) => m.stage === stage).sort((a, b) => b.version - a.version)[0];
}

/**
 * The metadata to rewrite for a promotion, target first: written in this order, a crash in between leaves two
 * holders (resolved by resolveStage) rather than none — a model never loses its production version midway.
 */
export function planPromotion(versions: readonly ModelVersionMetadata[], version: number, stage: Stage): ModelVersionMetadata[] {
  const target = versions.find((m) => m.version === version);
  if (!target) throw new VersionNotFoundError(versions[0]?.model ?? '?', version);
  const writes: ModelVersionMetadata[] = target.stage === stage ? [] : [{ ...target, stage }];
  if (stage !== 'none') for (const m of versions) if (m.version !== version && m.stage === stage) writes.push({ ...m, stage: 'none' });
  return writes;
}

const same = (a: number | null, b: number | null, epsilon: number) => (a === null || b === null ? a === b : Math.abs(a - b) <= epsilon);
const show = (v: number | null) => (v === null ? 'null' : String(v));

/**
 * Whether the candidate reproduces the previous version's golden-set metrics within ±epsilon. Only comparable
 * runs are checked: a new featureSetVersion, or golden metrics missing on either side, passes with the reason.
 */
export function checkRegression(previous: ModelVersionMetadata, candidate: ModelVersionMetadata, epsilon = 1e-6): { ok: boolean; reasons: string[]; metrics: string[] } {
  if (previous.featureSetVersion !== candidate.featureSetVersion) {
    return { ok: true, reasons: [`featureSetVersion changed (${previous.featureSetVersion} → ${candidate.featureSetVersion}): regression check skipped`], metrics: [] };
  }
  const missing = [['version ' + previous.version, previous.goldenMetrics], ['the candidate', candidate.goldenMetrics]].filter(([, g]) => !g).map(([who]) => who);
  if (missing.length) return { ok: true, reasons: [`no goldenMetrics on ${missing.join(' and ')}: regression check skipped`], metrics: [] };
  const reasons: string[] = [];
  const metrics: string[] = [];
  for (const key of METRIC_KEYS) {
    const [a, b] = [previous.goldenMetrics![key], candidate.goldenMetrics![key]];
    if (same(a, b, epsilon)) continue;
    metrics.push(key);
    reasons.push(`${key}: ${show(a)} → ${show(b)}${a !== null && b !== null ? ` (|Δ| ${Math.abs(a - b).toExponential(2)} > ${epsilon.toExponential()})` : ''}`);
  }
  return { ok: reasons.length === 0, reasons, metrics };
}

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');
const metricsSchema = z.object(Object.fromEntries(METRIC_KEYS.map((k) => [k, z.number().nullable()])) as Record<keyof EvalMetrics, z.ZodNullable<z.ZodNumber>>);

/** What a registration supplies beyond the spec (the rest of ModelVersionMetadata the registry derives). */
export const registrationSchema = z.object({
  featureSet: z.string().min(1),
  featureSetVersion: z.string().min(1),
  target: z.string().min(1),
  trainingRange: z.object({ from: isoDate, to: isoDate }).refine((r) => r.from <= r.to, 'from must not be after to'),
  metrics: metricsSchema,
  goldenMetrics: metricsSchema.optional(),
  gitSha: z.string().min(1).nullable(),
  seed: z.number().int(),
});

// Loose: fields a later registry adds survive a promotion's rewrite by this one.
const metadataSchema = z.looseObject({
  ...registrationSchema.shape,
  model: z.string().regex(MODEL_NAME_PATTERN),
  version: z.number().int().positive(),
  kind: z.enum(['ridge', 'mlp', 'external']),
  features: z.array(z.string().min(1)).min(1),
  inputMean: z.array(z.number()),
  onnxMaxAbsDiff: z.number().nonnegative(),
  stage: z.enum(STAGES),
  createdAt: z.string().min(1),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export function formatIssues(error: z.ZodError, prefix = ''): string {
  return error.issues.map((i) => `${prefix}${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Parses a stored metadata.json, checking it describes the version its key says. */
export function parseMetadata(key: string, bytes: Uint8Array, expected: { model: string; version: number }): ModelVersionMetadata {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new RegistryIntegrityError(key, 'not JSON', { cause: error });
  }
  const parsed = metadataSchema.safeParse(json);
  if (!parsed.success) throw new RegistryIntegrityError(key, formatIssues(parsed.error));
  const meta = parsed.data as ModelVersionMetadata;
  if (meta.model !== expected.model || meta.version !== expected.version) {
    throw new RegistryIntegrityError(key, `describes ${meta.model} version ${meta.version}, expected ${expected.model} version ${expected.version}`);
  }
  if (meta.inputMean.length !== meta.features.length) throw new RegistryIntegrityError(key, `inputMean has ${meta.inputMean.length} values for ${meta.features.length} features`);
  return meta;
}
