/**
 * What is being served: the models of the routing config, each variant resolved to a loaded version with its
 * backend. A new config is loaded completely (every version, reusing the ones already loaded) before one
 * reference swap makes it current, so a request sees the old deployment or the new one, never a mix. Versions
 * the new config dropped are closed once their in-flight requests finish.
 */
import type { ModelVersionMetadata } from '../models/types';
import type { Logger } from '../log';
import type { BackendFactory, ModelBackend } from './backends';
import { ModelLoadError } from './errors';
import type { VersionRef, WeightsConfig } from './weights';

/** Where model versions come from (the model registry in production; an in-memory map in tests). */
export interface ModelSource {
  load(name: string, version: number | 'production' | 'staging'): Promise<{ onnx: Uint8Array; metadata: ModelVersionMetadata }>;
}

export class LoadedVersion {
  private inflight = 0;
  private retired = false;
  private closing: Promise<void> | undefined;

  constructor(readonly model: string, readonly version: number, readonly metadata: ModelVersionMetadata, readonly backend: ModelBackend, private readonly logger: Logger) {}

  get features(): number {
    return this.metadata.features.length;
  }

  /** Runs one inference, keeping the backend open until it settles even if the version is retired meanwhile. */
  async infer(input: Float32Array, rows: number): Promise<Float32Array> {
    this.inflight++;
    try {
      return await this.backend.infer(input, rows, this.features);
    } finally {
      this.inflight--;
      if (this.retired && this.inflight === 0) void this.close();
    }
  }

  retire(): void {
    this.retired = true;
    if (this.inflight === 0) void this.close();
  }

  close(): Promise<void> {
    this.closing ??= this.backend.close().catch((error: Error) => {
      this.logger.warn({ model: this.model, version: this.version, err: error.message }, 'closing a model backend failed');
    });
    return this.closing;
  }
}

export interface DeployedVariant {
  name: string;
  weight: number;
  requested: VersionRef;
  loaded: LoadedVersion;
}

export interface DeployedModel {
  name: string;
  featureSet?: string;
  sticky: boolean;
  variants: DeployedVariant[];
  /** Loaded versions ascending, each with the first variant that serves it (for x-g3-variant). */
  versions: Map<number, DeployedVariant>;
}

export interface Deployment {
  models: Map<string, DeployedModel>;
  /** The config it was built from (for logs and /v2 metadata). */
  config: WeightsConfig;
}

const key = (model: string, version: number) => `${model}@${version}`;

function checkMetadata(name: string, requested: VersionRef, metadata: ModelVersionMetadata): void {
  const label = `${name} ${typeof requested === 'number' ? `v${requested}` : requested}`;
  if (!Number.isInteger(metadata.version) || metadata.version < 1) throw new ModelLoadError(`${label}: metadata.version ${JSON.stringify(metadata.version)} is not a positive integer`);
  if (typeof requested === 'number' && metadata.version !== requested) throw new ModelLoadError(`${label}: the source returned version ${metadata.version}`);
  if (metadata.model !== name) throw new ModelLoadError(`${label}: metadata names model ${JSON.stringify(metadata.model)}`);
  if (!Array.isArray(metadata.features) || metadata.features.length === 0) throw new ModelLoadError(`${label}: metadata.features is empty`);
  if (!Array.isArray(metadata.inputMean) || metadata.inputMean.length !== metadata.features.length || !metadata.inputMean.every(Number.isFinite)) {
    throw new ModelLoadError(`${label}: metadata.inputMean must hold ${metadata.features.length} finite numbers (one per feature)`);
  }
}

export class ModelManager {
  private deployment: Deployment | undefined;
  private readonly loaded = new Map<string, LoadedVersion>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly source: ModelSource, private readonly factory: BackendFactory, private readonly logger: Logger) {}

  current(): Deployment | undefined {
    return this.deployment;
  }

  /** Loads the config's versions, then switches to it; applies run one at a time, in call order. */
  apply(config: WeightsConfig): Promise<Deployment> {
    const run = this.queue.then(() => this.load(config));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    await this.queue;
    this.deployment = undefined;
    await Promise.all([...this.loaded.values()].map((v) => v.close()));
    this.loaded.clear();
  }

  private async load(config: WeightsConfig): Promise<Deployment> {
    // New versions being built, by resolved version: two variants on one version share one backend.
    const building = new Map<string, Promise<LoadedVersion>>();
    // One fetch per distinct (model, version reference) even when two variants name the same one.
    const pending = new Map<string, Promise<LoadedVersion>>();
    const resolve = (name: string, requested: VersionRef): Promise<LoadedVersion> => {
      const ref = `${name}@${requested}`;
      let p = pending.get(ref);
      if (!p) pending.set(ref, (p = this.resolve(name, requested, building)));
      return p;
    };
    let models: DeployedModel[];
    try {
      models = await Promise.all(config.models.map(async (route) => {
        const variants = await Promise.all(route.variants.map(async (v) => ({ name: v.name, weight: v.weight, requested: v.version, loaded: await resolve(route.name, v.version) })));
        const versions = new Map<number, DeployedVariant>();
        for (const v of [...variants].sort((a, b) => a.loaded.version - b.loaded.version)) if (!versions.has(v.loaded.version)) versions.set(v.loaded.version, v);
        return { name: route.name, featureSet: route.featureSet, sticky: route.sticky, variants, versions };
      }));
    } catch (error) {
      const built = await Promise.allSettled([...pending.values(), ...building.values()]);
      const fresh = new Set(built.flatMap((r) => (r.status === 'fulfilled' && !this.loaded.has(key(r.value.model, r.value.version)) ? [r.value] : [])));
      await Promise.all([...fresh].map((v) => v.close()));
      throw error;
    }
    const next: Deployment = { models: new Map(models.map((m) => [m.name, m])), config };
    const keep = new Set<LoadedVersion>(models.flatMap((m) => m.variants.map((v) => v.loaded)));
    this.deployment = next;
    for (const v of keep) this.loaded.set(key(v.model, v.version), v);
    for (const [k, v] of this.loaded) {
      if (!keep.has(v)) {
        this.loaded.delete(k);
        v.retire();
      }
    }
    return next;
  }

  private async resolve(name: string, requested: VersionRef, building: Map<string, Promise<LoadedVersion>>): Promise<LoadedVersion> {
    const reuse = (version: number) => this.loaded.get(key(name, version)) ?? building.get(key(name, version));
    if (typeof requested === 'number') {
      const have = reuse(requested);
      if (have) return have;
      const p = this.fetch(name, requested).then((artefact) => this.build(name, requested, artefact));
      building.set(key(name, requested), p);
      return p;
    }
    // A stage alias is resolved by the source, then may name a version already loaded or being loaded.
    const artefact = await this.fetch(name, requested);
    const have = reuse(artefact.metadata.version);
    if (have) return have;
    const p = this.build(name, requested, artefact);
    building.set(key(name, artefact.metadata.version), p);
    return p;
  }

  private async fetch(name: string, requested: VersionRef): Promise<Awaited<ReturnType<ModelSource['load']>>> {
    let artefact: Awaited<ReturnType<ModelSource['load']>>;
    try {
      artefact = await this.source.load(name, requested);
    } catch (error) {
      throw new ModelLoadError(`${name} ${typeof requested === 'number' ? `v${requested}` : requested}: ${(error as Error).message}`, { cause: error });
    }
    checkMetadata(name, requested, artefact.metadata);
    return artefact;
  }

  private async build(name: string, requested: VersionRef, artefact: Awaited<ReturnType<ModelSource['load']>>): Promise<LoadedVersion> {
    const version = artefact.metadata.version;
    const backend = await this.factory({ name, version, onnx: artefact.onnx, metadata: artefact.metadata });
    const loaded = new LoadedVersion(name, version, artefact.metadata, backend, this.logger);
    this.logger.info({ model: name, version, requested, features: loaded.features }, 'model version loaded');
    return loaded;
  }
}
