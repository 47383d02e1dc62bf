/**
 * The model registry on an ObjectStore, laid out as a Triton model repository:
 *
 *   <root>/<name>/config.pbtxt
 *   <root>/<name>/<version>/model.onnx
 *   <root>/<name>/<version>/metadata.json   ← written last; the version exists once it does
 *
 * One writer at a time per model: the store offers atomic puts per key but no compare-and-swap, so two
 * concurrent registrations of the same name could pick the same version number (load's sha256 check would
 * then refuse the loser's metadata rather than serve the wrong graph).
 */
import { createHash } from 'node:crypto';
import type { ObjectStore } from '../storage/types';
import { validateSpec } from './forward';
import { DEFAULT_TOLERANCE, exportOnnx, verifyOnnx } from './onnx-export';
import {
  checkFeatureConsistency, checkRegression, configFeatureCount, configKey, DEFAULT_ROOT, formatIssues, METADATA_FILE, ModelNotFoundError,
  nextVersion, normaliseRoot, ONNX_FILE, parseMetadata, parseVersionKey, planPromotion, registrationSchema, RegistryInputError,
  RegistryIntegrityError, RegressionError, renderConfigPbtxt, resolveStage, servableVersions, validateModelName, validateStage,
  validateVersion, VersionNotFoundError, versionKey,
} from './registry-support';
import type { ModelSpec, ModelVersionMetadata, Stage } from './types';

export { OnnxVerificationError } from './onnx-export';
export {
  checkRegression, FeatureSetMismatchError, ModelNotFoundError, RegistryInputError, RegistryIntegrityError, RegressionError, renderConfigPbtxt,
  VersionNotFoundError,
} from './registry-support';

export type RegistrationMetadata = Omit<ModelVersionMetadata, 'model' | 'version' | 'stage' | 'createdAt' | 'sha256' | 'onnxMaxAbsDiff' | 'kind' | 'features' | 'inputMean'>;

/** A graph trained elsewhere (docs/training.md): its input order and the imputation values it expects. */
export interface ExternalModel {
  features: string[];
  inputMean: number[];
}

export interface RegisterInput {
  name: string;
  /** The model as numbers (the reference trainer); or `external` with `onnx` for a graph trained elsewhere. */
  spec?: ModelSpec;
  external?: ExternalModel;
  /** The graph to register; default exportOnnx(spec). Verified against `verification` either way. */
  onnx?: Uint8Array;
  /** Inputs (rows × F, after imputation) and the trainer's own predictions for them. */
  verification: { x: Float64Array; rows: number; expected: Float64Array };
  metadata: RegistrationMetadata;
  /** `enforce` (default): refuse a candidate that does not reproduce the baseline's golden metrics. */
  regression?: 'enforce' | 'skip';
}

export interface ModelRegistryOptions {
  /** Key prefix of the repository (default `models`). */
  root?: string;
  /** Largest |ONNX − trainer| accepted at registration (default 1e-5). */
  tolerance?: number;
  /** ± allowed between golden metrics of consecutive versions (default 1e-6). */
  regressionEpsilon?: number;
  now?: () => Date;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const json = (meta: ModelVersionMetadata) => `${JSON.stringify(meta, null, 2)}\n`;

export class ModelRegistry {
  readonly root: string;
  private readonly tolerance: number;
  private readonly epsilon: number;
  private readonly now: () => Date;

  constructor(readonly store: ObjectStore, options: ModelRegistryOptions = {}) {
    this.root = normaliseRoot(options.root ?? DEFAULT_ROOT);
    this.tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
    this.epsilon = options.regressionEpsilon ?? 1e-6;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Verifies the graph with onnxruntime, checks the features against the model's history and the golden
   * metrics against its production (else latest) version, then writes model.onnx, config.pbtxt when it
   * changes, and metadata.json last. Nothing is written when any check fails.
   */
  async register(input: RegisterInput): Promise<ModelVersionMetadata> {
    validateModelName(input.name);
    const parsed = registrationSchema.safeParse(input.metadata);
    if (!parsed.success) throw new RegistryInputError(`registration of ${input.name}: ${formatIssues(parsed.error, 'metadata.')}`);
    if (input.regression !== undefined && input.regression !== 'enforce' && input.regression !== 'skip') {
      throw new RegistryInputError(`regression ${JSON.stringify(input.regression)}: expected one of enforce, skip`);
    }
    const { verification } = input;
    const model = describeModel(input);
    const F = model.features.length;
    if (!Number.isSafeInteger(verification.rows) || verification.rows < 1 || verification.x.length !== verification.rows * F || verification.expected.length !== verification.rows) {
      throw new RegistryInputError(`verification: expected rows >= 1, x of rows × ${F} values and one expected value per row; got rows ${verification.rows}, ${verification.x.length} x values, ${verification.expected.length} expected`);
    }
    const onnx = input.onnx ?? exportOnnx(input.spec!, { modelName: input.name });
    const { maxAbsDiff } = await verifyOnnx(onnx, model, verification.x, verification.rows, verification.expected, this.tolerance);

    const committed = await this.committed(input.name);
    const existingConfig = await this.store.get(configKey(this.root, input.name));
    const existingText = existingConfig && Buffer.from(existingConfig).toString('utf8');
    const latest = committed.at(-1);
    checkFeatureConsistency(input.name, latest, existingText === undefined ? undefined : configFeatureCount(existingText), { features: model.features, featureSetVersion: parsed.data.featureSetVersion });

    const meta: ModelVersionMetadata = {
      model: input.name,
      version: nextVersion(committed),
      kind: model.kind,
      ...parsed.data,
      features: [...model.features],
      inputMean: [...model.inputMean],
      onnxMaxAbsDiff: maxAbsDiff,
      stage: 'none',
      createdAt: this.now().toISOString(),
      sha256: sha256(onnx),
    };
    const baseline = resolveStage(committed, 'production') ?? latest;
    if (baseline && input.regression !== 'skip') {
      const check = checkRegression(baseline, meta, this.epsilon);
      if (!check.ok) throw new RegressionError({ model: baseline.model, version: baseline.version }, check.metrics, check.reasons);
    }

    await this.store.put(versionKey(this.root, input.name, meta.version, ONNX_FILE), onnx);
    const config = renderConfigPbtxt({ name: input.name, featureCount: meta.features.length, versions: servableVersions([...committed, meta], meta.features.length) });
    if (config !== existingText) await this.store.put(configKey(this.root, input.name), config);
    await this.store.put(versionKey(this.root, input.name, meta.version, METADATA_FILE), json(meta));
    return meta;
  }

  /** Committed versions, by model name then version; with a name, ModelNotFoundError when it has none. */
  async list(name?: string): Promise<ModelVersionMetadata[]> {
    if (name === undefined) return this.committed();
    validateModelName(name);
    const versions = await this.committed(name);
    if (versions.length === 0) throw new ModelNotFoundError(name);
    return versions;
  }

  async show(name: string, version: number): Promise<ModelVersionMetadata> {
    validateModelName(name);
    validateVersion(version);
    const key = versionKey(this.root, name, version, METADATA_FILE);
    const bytes = await this.store.get(key);
    if (bytes) return parseMetadata(key, bytes, { model: name, version });
    if ((await this.committed(name)).length === 0) throw new ModelNotFoundError(name);
    throw new VersionNotFoundError(name, version);
  }

  /** The graph and metadata of a version, or of the one holding a stage; the bytes are checked against sha256. */
  async load(name: string, ref: number | 'production' | 'staging'): Promise<{ onnx: Uint8Array; metadata: ModelVersionMetadata }> {
    validateModelName(name);
    let metadata: ModelVersionMetadata;
    if (typeof ref === 'number') metadata = await this.show(name, ref);
    else {
      if (ref !== 'production' && ref !== 'staging') throw new RegistryInputError(`version ${JSON.stringify(ref)}: expected a number, production or staging`);
      const holder = resolveStage(await this.list(name), ref);
      if (!holder) throw new VersionNotFoundError(name, ref);
      metadata = holder;
    }
    const key = versionKey(this.root, name, metadata.version, ONNX_FILE);
    const onnx = await this.store.get(key);
    if (!onnx) throw new RegistryIntegrityError(key, 'missing although metadata.json commits the version');
    const actual = sha256(onnx);
    if (actual !== metadata.sha256) throw new RegistryIntegrityError(key, `sha256 ${actual}, metadata.json records ${metadata.sha256}`);
    return { onnx, metadata };
  }

  /**
   * Moves a version to a stage; the previous holder of staging or production drops to none. A version must
   * load intact (sha256) before it may take a serving stage.
   */
  async promote(name: string, version: number, stage: Stage): Promise<ModelVersionMetadata> {
    validateModelName(name);
    validateVersion(version);
    validateStage(stage);
    const versions = await this.list(name);
    if (!versions.some((m) => m.version === version)) throw new VersionNotFoundError(name, version);
    if (stage !== 'none') await this.load(name, version);
    const writes = planPromotion(versions, version, stage);
    for (const meta of writes) await this.store.put(versionKey(this.root, name, meta.version, METADATA_FILE), json(meta));
    return { ...versions.find((m) => m.version === version)!, stage };
  }

  private async committed(name?: string): Promise<ModelVersionMetadata[]> {
    const keys = await this.store.list(name === undefined ? `${this.root}/` : `${this.root}/${name}/`);
    const found = keys.map((key) => ({ key, parts: parseVersionKey(this.root, key) })).filter(({ parts }) => parts?.file === METADATA_FILE);
    const metas = await Promise.all(found.map(async ({ key, parts }) => {
      const bytes = await this.store.get(key);
      // Listed then gone: deleted meanwhile, so not committed any more.
      return bytes && parseMetadata(key, bytes, { model: parts!.name, version: parts!.version });
    }));
    return metas.filter((m): m is ModelVersionMetadata => m !== undefined).sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.version - b.version));
  }
}

/** What registration needs of either kind of model; exactly one of `spec` and `external` (with `onnx`). */
function describeModel(input: RegisterInput): { kind: ModelVersionMetadata['kind']; features: string[]; inputMean: number[] } {
  if (input.spec && input.external) throw new RegistryInputError(`registration of ${input.name}: give spec or external, not both`);
  if (input.spec) {
    validateSpec(input.spec);
    return { kind: input.spec.kind, features: input.spec.features, inputMean: Array.from(input.spec.inputMean) };
  }
  const external = input.external;
  if (!external) throw new RegistryInputError(`registration of ${input.name}: spec or external is required`);
  if (!input.onnx) throw new RegistryInputError(`registration of ${input.name}: an external model needs its onnx bytes`);
  const names = new Set(external.features);
  if (external.features.length === 0 || names.size !== external.features.length || external.features.some((f) => typeof f !== 'string' || f === '')) {
    throw new RegistryInputError(`registration of ${input.name}: features must be a non-empty list of distinct names`);
  }
  if (external.inputMean.length !== external.features.length || !external.inputMean.every(Number.isFinite)) {
    throw new RegistryInputError(`registration of ${input.name}: input_mean needs one finite value per feature (${external.features.length}), got ${external.inputMean.length}`);
  }
  return { kind: 'external', features: [...external.features], inputMean: [...external.inputMean] };
}
