import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileObjectStore } from '../storage/file-object-store';
import { predict, randomInputs, randomModelSpec } from './forward';
import { exportOnnx, runOnnx } from './onnx-export';
import {
  FeatureSetMismatchError, ModelNotFoundError, ModelRegistry, OnnxVerificationError, RegistryInputError, RegistryIntegrityError, RegressionError,
  renderConfigPbtxt, VersionNotFoundError, type RegisterInput, type RegistrationMetadata,
} from './registry';
import type { EvalMetrics, ModelSpec } from './types';

const GOLDEN: EvalMetrics = { ic: 0.031, rank_ic: 0.045, icir: 0.5, rmse: 0.021, sharpe: 1.2, jpx_sharpe: 0.9 };
const ROWS = 64;

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function fresh(root?: string) {
  dirs.push(mkdtempSync(path.join(tmpdir(), 'model-registry-')));
  const store = new FileObjectStore(dirs.at(-1)!);
  let tick = 0;
  return { store, registry: new ModelRegistry(store, { root, now: () => new Date(Date.UTC(2024, 6, 1, 0, 0, tick++)) }) };
}

function registration(name: string, spec: ModelSpec, overrides: Partial<RegistrationMetadata> = {}, seed = 1): RegisterInput {
  const x = randomInputs(spec, ROWS, seed);
  return {
    name,
    spec,
    verification: { x, rows: ROWS, expected: predict(spec, x, ROWS) },
    metadata: {
      featureSet: 'default', featureSetVersion: '2.0.0', target: 'target_1_2', trainingRange: { from: '2020-01-06', to: '2024-06-28' },
      metrics: { ...GOLDEN, ic: 0.02 }, goldenMetrics: { ...GOLDEN }, gitSha: 'abc1234', seed, ...overrides,
    },
  };
}

const ridge = randomModelSpec({ kind: 'ridge', features: 6, seed: 1 });
const mlp = randomModelSpec({ kind: 'mlp', features: 6, hidden: [5, 4], seed: 2 });
const text = async (store: FileObjectStore, key: string) => Buffer.from((await store.get(key))!).toString('utf8');

describe('register', () => {
  it('writes a Triton model repository entry and the version reads back', async () => {
    const { store, registry } = fresh();
    const meta = await registry.register(registration('alpha', ridge));
    expect(await store.list('')).toEqual(['models/alpha/1/metadata.json', 'models/alpha/1/model.onnx', 'models/alpha/config.pbtxt']);
    expect(await text(store, 'models/alpha/config.pbtxt')).toBe(renderConfigPbtxt({ name: 'alpha', featureCount: 6 }));
    const onnx = (await store.get('models/alpha/1/model.onnx'))!;
    expect(meta).toMatchObject({
      model: 'alpha', version: 1, kind: 'ridge', stage: 'none', features: ridge.features, inputMean: Array.from(ridge.inputMean),
      featureSetVersion: '2.0.0', createdAt: '2024-07-01T00:00:00.000Z', sha256: createHash('sha256').update(onnx).digest('hex'),
    });
    expect(meta.onnxMaxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(JSON.parse(await text(store, 'models/alpha/1/metadata.json'))).toEqual(meta);
    expect(await registry.list()).toEqual([meta]);
    expect(await registry.show('alpha', 1)).toEqual(meta);
    const loaded = await registry.load('alpha', 1);
    expect(Buffer.from(loaded.onnx).equals(Buffer.from(exportOnnx(ridge, { modelName: 'alpha' })))).toBe(true);
    // The stored graph serves what the spec predicts.
    const x = randomInputs(ridge, 10, 9);
    const { values } = await runOnnx(loaded.onnx, x, 10, 6);
    predict(ridge, x, 10).forEach((p, i) => expect(Math.abs(values[i] - p)).toBeLessThanOrEqual(1e-5));
  });

  it('numbers versions 1, 2, 3 per model and lists them by model then version', async () => {
    const { registry } = fresh();
    await registry.register(registration('beta', mlp));
    await registry.register(registration('alpha', ridge));
    const supplied = exportOnnx(ridge, { modelName: 'other-exporter', producerVersion: '9' });
    await registry.register({ ...registration('alpha', ridge), onnx: supplied });
    expect((await registry.list()).map((m) => `${m.model}/${m.version}`)).toEqual(['alpha/1', 'alpha/2', 'beta/1']);
    expect((await registry.list('alpha')).map((m) => m.version)).toEqual([1, 2]);
    expect(Buffer.from((await registry.load('alpha', 2)).onnx).equals(Buffer.from(supplied))).toBe(true);
  });

  it('writes nothing when onnxruntime disagrees with the trainer', async () => {
    const { store, registry } = fresh();
    const bad = registration('alpha', ridge);
    bad.verification.expected[7] += 1e-3;
    await expect(registry.register(bad)).rejects.toBeInstanceOf(OnnxVerificationError);
    await expect(registry.register({ ...registration('alpha', ridge), onnx: exportOnnx(mlp) })).rejects.toThrow(/ONNX verification failed/);
    expect(await store.list('')).toEqual([]);
    await registry.register(registration('alpha', ridge));
    await expect(registry.register(bad)).rejects.toBeInstanceOf(OnnxVerificationError);
    expect(await store.list('')).toHaveLength(3);
  });

  it('refuses bad names and metadata, naming the field', async () => {
    const { store, registry } = fresh();
    await expect(registry.register(registration('Alpha', ridge))).rejects.toThrow(RegistryInputError);
    await expect(registry.register(registration('alpha', ridge, { trainingRange: { from: '2024-1-6', to: '2024-06-28' } }))).rejects.toThrow(/metadata\.trainingRange\.from: expected YYYY-MM-DD/);
    await expect(registry.register(registration('alpha', ridge, { featureSetVersion: '' }))).rejects.toThrow(/metadata\.featureSetVersion/);
    await expect(registry.register({ ...registration('alpha', ridge), regression: 'maybe' as 'skip' })).rejects.toThrow(/regression "maybe": expected one of enforce, skip/);
    const short = registration('alpha', ridge);
    short.verification.expected = short.verification.expected.subarray(1);
    await expect(registry.register(short)).rejects.toThrow(/verification: expected rows >= 1, x of rows × 6 values .*got rows 64, 384 x values, 63 expected/);
    expect(await store.list('')).toEqual([]);
  });
});

describe('metadata.json commits a version', () => {
  it('a version directory without it is invisible, and its number is reused', async () => {
    const { store, registry } = fresh();
    await registry.register(registration('alpha', ridge));
    // A registration that died after model.onnx.
    await store.put('models/alpha/2/model.onnx', Uint8Array.of(1, 2, 3));
    await store.put('models/gamma/1/model.onnx', Uint8Array.of(1, 2, 3));
    expect((await registry.list()).map((m) => `${m.model}/${m.version}`)).toEqual(['alpha/1']);
    await expect(registry.show('alpha', 2)).rejects.toBeInstanceOf(VersionNotFoundError);
    await expect(registry.load('alpha', 2)).rejects.toBeInstanceOf(VersionNotFoundError);
    await expect(registry.promote('alpha', 2, 'staging')).rejects.toBeInstanceOf(VersionNotFoundError);
    await expect(registry.list('gamma')).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(registry.show('gamma', 1)).rejects.toBeInstanceOf(ModelNotFoundError);
    const meta = await registry.register(registration('alpha', ridge));
    expect(meta.version).toBe(2);
    expect((await registry.load('alpha', 2)).metadata).toEqual(meta);
  });
});

describe('features across versions', () => {
  const wider = randomModelSpec({ kind: 'ridge', features: 8, seed: 3 });

  it('refuses another width under the same featureSetVersion, writing nothing', async () => {
    const { store, registry } = fresh();
    await registry.register(registration('alpha', ridge));
    const before = await store.list('');
    const error = await registry.register(registration('alpha', wider)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FeatureSetMismatchError);
    expect((error as Error).message).toMatch(/version 1 has 6 features, the candidate 8; bump featureSetVersion/);
    expect(await store.list('')).toEqual(before);
  });

  it('accepts it under a new featureSetVersion and rewrites config.pbtxt to the versions Triton can load', async () => {
    const { store, registry } = fresh();
    await registry.register(registration('alpha', ridge));
    await registry.register(registration('alpha', wider, { featureSetVersion: '3.0.0' }));
    expect(await text(store, 'models/alpha/config.pbtxt')).toBe(renderConfigPbtxt({ name: 'alpha', featureCount: 8, versions: [2] }));
    await registry.register(registration('alpha', wider, { featureSetVersion: '3.0.0' }));
    expect(await text(store, 'models/alpha/config.pbtxt')).toBe(renderConfigPbtxt({ name: 'alpha', featureCount: 8, versions: [2, 3] }));
  });
});

describe('regression check', () => {
  it('refuses a candidate whose golden metrics moved, naming the metric; skip lets it through', async () => {
    const { store, registry } = fresh();
    await registry.register(registration('alpha', ridge));
    const drifted = registration('alpha', ridge, { goldenMetrics: { ...GOLDEN, rank_ic: 0.0449 } });
    const error = await registry.register(drifted).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegressionError);
    expect(error).toMatchObject({ metrics: ['rank_ic'], baseline: { model: 'alpha', version: 1 } });
    expect((error as Error).message).toMatch(/against alpha version 1 failed: rank_ic: 0.045 → 0.0449/);
    expect(await store.list('models/alpha/2')).toEqual([]);
    expect((await registry.register({ ...drifted, regression: 'skip' })).version).toBe(2);
  });

  it('compares with the production version rather than the latest', async () => {
    const { registry } = fresh();
    await registry.register(registration('alpha', ridge));
    await registry.register({ ...registration('alpha', ridge, { goldenMetrics: { ...GOLDEN, sharpe: 1.5 } }), regression: 'skip' });
    await registry.promote('alpha', 1, 'production');
    expect((await registry.register(registration('alpha', ridge))).version).toBe(3);
    await expect(registry.register(registration('alpha', ridge, { goldenMetrics: { ...GOLDEN, sharpe: 1.5 } }))).rejects.toThrow(/against alpha version 1 failed: sharpe/);
    // A new feature-set version starts a new comparison line.
    expect((await registry.register(registration('alpha', ridge, { featureSetVersion: '2.1.0', goldenMetrics: { ...GOLDEN, sharpe: 9 } }))).version).toBe(4);
  });
});

describe('promote and load by stage', () => {
  it('keeps one production and one staging version per model', async () => {
    const { registry } = fresh();
    for (let k = 0; k < 3; k++) await registry.register(registration('alpha', ridge));
    await registry.register(registration('beta', mlp));
    await expect(registry.load('alpha', 'production')).rejects.toThrow(/model alpha has no production version/);
    expect(await registry.promote('alpha', 1, 'production')).toMatchObject({ version: 1, stage: 'production' });
    await registry.promote('beta', 1, 'production');
    await registry.promote('alpha', 2, 'staging');
    await registry.promote('alpha', 3, 'production');
    const stages = async () => (await registry.list()).map((m) => `${m.model}/${m.version}:${m.stage}`);
    expect(await stages()).toEqual(['alpha/1:none', 'alpha/2:staging', 'alpha/3:production', 'beta/1:production']);
    expect((await registry.load('alpha', 'production')).metadata.version).toBe(3);
    expect((await registry.load('alpha', 'staging')).metadata.version).toBe(2);
    await registry.promote('alpha', 2, 'production');
    expect(await stages()).toEqual(['alpha/1:none', 'alpha/2:production', 'alpha/3:none', 'beta/1:production']);
    await registry.promote('alpha', 2, 'none');
    await expect(registry.load('alpha', 'staging')).rejects.toBeInstanceOf(VersionNotFoundError);
    expect(await stages()).toEqual(['alpha/1:none', 'alpha/2:none', 'alpha/3:none', 'beta/1:production']);
  });

  it('refuses unknown models, versions and stages', async () => {
    const { registry } = fresh();
    await registry.register(registration('alpha', ridge));
    await expect(registry.promote('nope', 1, 'staging')).rejects.toBeInstanceOf(ModelNotFoundError);
    await expect(registry.promote('alpha', 9, 'staging')).rejects.toThrow(/model alpha has no version 9/);
    await expect(registry.promote('alpha', 1, 'canary' as 'staging')).rejects.toThrow(/stage "canary": expected one of none, staging, production/);
    await expect(registry.load('alpha', 0)).rejects.toBeInstanceOf(RegistryInputError);
  });
});

describe('integrity', () => {
  it('load and promotion refuse a graph whose bytes changed; listing refuses a corrupt metadata.json', async () => {
    const { store, registry } = fresh();
    await registry.register(registration('alpha', ridge));
    await registry.register(registration('alpha', ridge));
    await store.put('models/alpha/1/model.onnx', exportOnnx(mlp));
    await expect(registry.load('alpha', 1)).rejects.toThrow(/registry integrity: models\/alpha\/1\/model.onnx: sha256 [0-9a-f]{64}, metadata.json records/);
    await expect(registry.promote('alpha', 1, 'production')).rejects.toBeInstanceOf(RegistryIntegrityError);
    expect((await registry.show('alpha', 1)).stage).toBe('none');
    await store.delete('models/alpha/2/model.onnx');
    await expect(registry.load('alpha', 2)).rejects.toThrow(/model.onnx: missing although metadata.json commits the version/);
    await store.put('models/alpha/2/metadata.json', '{"model": "alpha"');
    await expect(registry.list()).rejects.toThrow(/models\/alpha\/2\/metadata.json: not JSON/);
  });
});

describe('root prefix', () => {
  it('lives under the configured prefix only', async () => {
    const { store, registry } = fresh('registry/v1');
    await registry.register(registration('alpha', ridge));
    expect(await store.list('')).toEqual(['registry/v1/alpha/1/metadata.json', 'registry/v1/alpha/1/model.onnx', 'registry/v1/alpha/config.pbtxt']);
    expect(await new ModelRegistry(store).list()).toEqual([]);
    expect(await registry.list()).toHaveLength(1);
  });
});
