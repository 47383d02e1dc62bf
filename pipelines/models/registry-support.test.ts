import fc from 'fast-check';
import {
  checkFeatureConsistency, checkRegression, configFeatureCount, FeatureSetMismatchError, normaliseRoot, parseMetadata, parseVersionKey, planPromotion,
  RegistryInputError, RegistryIntegrityError, renderConfigPbtxt, resolveStage, servableVersions, validateModelName, VersionNotFoundError,
} from './registry-support';
import { STAGES, type EvalMetrics, type ModelVersionMetadata, type Stage } from './types';

const GOLDEN: EvalMetrics = { ic: 0.031, rank_ic: 0.045, icir: 0.5, rmse: 0.021, sharpe: 1.2, jpx_sharpe: 0.9 };

function meta(overrides: Partial<ModelVersionMetadata> = {}): ModelVersionMetadata {
  return {
    model: 'alpha', version: 1, kind: 'ridge', featureSet: 'default', featureSetVersion: '2.0.0', features: ['a', 'b', 'c'], inputMean: [0, 1, 2],
    target: 'target_1_2', trainingRange: { from: '2020-01-06', to: '2024-06-28' }, metrics: { ...GOLDEN }, goldenMetrics: { ...GOLDEN },
    onnxMaxAbsDiff: 1e-7, gitSha: null, seed: 42, stage: 'none', createdAt: '2024-07-01T00:00:00.000Z', sha256: 'ab'.repeat(32), ...overrides,
  };
}

describe('config.pbtxt', () => {
  it('renders the Triton config for every version', () => {
    expect(renderConfigPbtxt({ name: 'alpha', featureCount: 37 })).toMatchSnapshot();
  });

  it('narrows the version policy to the listed versions', () => {
    expect(renderConfigPbtxt({ name: 'alpha', featureCount: 40, versions: [3, 4] })).toMatchSnapshot();
  });

  it('declares the width configFeatureCount reads back', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 100000 }), fc.option(fc.uniqueArray(fc.integer({ min: 1, max: 99 }), { minLength: 1 }), { nil: undefined }), (F, versions) => {
      expect(configFeatureCount(renderConfigPbtxt({ name: 'm', featureCount: F, versions }))).toBe(F);
    }));
    expect(configFeatureCount('name: "x"\nplatform: "onnxruntime_onnx"\n')).toBeUndefined();
  });
});

describe('names and keys', () => {
  it.each(['alpha', 'a', '0model', 'a_b-c', 'x'.repeat(64)])('accepts model name %p', (name) => expect(() => validateModelName(name)).not.toThrow());
  it.each(['', 'Alpha', '-a', '_a', 'x'.repeat(65), 'a/b', 'a.b', 'a b'])('refuses model name %p', (name) => {
    expect(() => validateModelName(name)).toThrow(RegistryInputError);
    expect(() => validateModelName(name)).toThrow(/expected 1-64 characters of a-z, 0-9, _ and -/);
  });

  it.each<[string, ReturnType<typeof parseVersionKey>]>([
    ['models/alpha/3/metadata.json', { name: 'alpha', version: 3, file: 'metadata.json' }],
    ['models/alpha/12/model.onnx', { name: 'alpha', version: 12, file: 'model.onnx' }],
    ['models/alpha/config.pbtxt', undefined],
    ['models/alpha/03/metadata.json', undefined],
    ['models/alpha/0/metadata.json', undefined],
    ['models/alpha/latest/metadata.json', undefined],
    ['models/Alpha/1/metadata.json', undefined],
    ['other/alpha/1/metadata.json', undefined],
    ['models/alpha/1/extra/metadata.json', undefined],
  ])('parseVersionKey(%p)', (key, parts) => expect(parseVersionKey('models', key)).toEqual(parts));

  it.each<[string, string | RegExp]>([['models', 'models'], ['models/', 'models'], ['lake/registry', 'lake/registry'], ['', /relative key prefix/], ['../x', /relative key prefix/], ['/abs', /relative key prefix/], ['a//b', /relative key prefix/]])(
    'normaliseRoot(%p)', (root, result) => {
      if (typeof result === 'string') expect(normaliseRoot(root)).toBe(result);
      else expect(() => normaliseRoot(root)).toThrow(result);
    },
  );
});

describe('checkRegression', () => {
  it.each<[string, Partial<ModelVersionMetadata>, number | undefined, boolean, RegExp[]]>([
    ['identical golden metrics', {}, undefined, true, []],
    ['a difference within epsilon', { goldenMetrics: { ...GOLDEN, ic: GOLDEN.ic! + 5e-7 } }, undefined, true, []],
    ['rank_ic beyond epsilon', { goldenMetrics: { ...GOLDEN, rank_ic: 0.044 } }, undefined, false, [/^rank_ic: 0.045 → 0.044 \(\|Δ\| 1.00e-3 > 1e-6\)$/]],
    ['two metrics off', { goldenMetrics: { ...GOLDEN, rmse: 0.03, sharpe: 1.1 } }, undefined, false, [/^rmse: /, /^sharpe: /]],
    ['a metric turned null', { goldenMetrics: { ...GOLDEN, icir: null } }, undefined, false, [/^icir: 0.5 → null$/]],
    ['a looser epsilon', { goldenMetrics: { ...GOLDEN, rank_ic: 0.044 } }, 1e-2, true, []],
    ['a new featureSetVersion', { featureSetVersion: '3.0.0', goldenMetrics: { ...GOLDEN, ic: -1 } }, undefined, true, [/featureSetVersion changed \(2.0.0 → 3.0.0\): regression check skipped/]],
    ['no golden metrics on the candidate', { goldenMetrics: undefined }, undefined, true, [/no goldenMetrics on the candidate: regression check skipped/]],
  ])('%s', (_name, candidate, epsilon, ok, reasons) => {
    const result = checkRegression(meta(), meta({ version: 2, ...candidate }), epsilon);
    expect(result.ok).toBe(ok);
    expect(result.reasons).toHaveLength(reasons.length);
    reasons.forEach((r, i) => expect(result.reasons[i]).toMatch(r));
  });

  it('names the failing metrics', () => {
    expect(checkRegression(meta(), meta({ goldenMetrics: { ...GOLDEN, ic: null, jpx_sharpe: 2 } })).metrics).toEqual(['ic', 'jpx_sharpe']);
    expect(checkRegression(meta({ goldenMetrics: undefined }), meta()).reasons).toEqual(['no goldenMetrics on version 1: regression check skipped']);
  });
});

describe('stages', () => {
  const versions = (...stages: Stage[]) => stages.map((stage, i) => meta({ version: i + 1, stage }));
  const apply = (all: ModelVersionMetadata[], writes: ModelVersionMetadata[]) => all.map((m) => writes.find((w) => w.version === m.version) ?? m);

  it.each<[string, Stage[], number, Stage, Array<[number, Stage]>]>([
    ['promote over the previous holder, target first', ['production', 'none'], 2, 'production', [[2, 'production'], [1, 'none']]],
    ['staging leaves production alone', ['production', 'none'], 2, 'staging', [[2, 'staging']]],
    ['production takes over from staging', ['production', 'staging'], 2, 'production', [[2, 'production'], [1, 'none']]],
    ['already there: nothing to write', ['none', 'production'], 2, 'production', []],
    ['already there with a stray second holder: heals', ['production', 'production'], 2, 'production', [[1, 'none']]],
    ['to none touches only the target', ['staging', 'production'], 2, 'none', [[2, 'none']]],
  ])('planPromotion: %s', (_name, stages, version, stage, writes) => {
    expect(planPromotion(versions(...stages), version, stage).map((m) => [m.version, m.stage])).toEqual(writes);
  });

  it('planPromotion leaves the target in the stage and at most one holder of each', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...STAGES), { minLength: 1, maxLength: 8 }), fc.nat(), fc.constantFrom(...STAGES), (stages, pick, stage) => {
      const all = versions(...stages);
      const version = (pick % stages.length) + 1;
      const after = apply(all, planPromotion(all, version, stage));
      expect(after.find((m) => m.version === version)!.stage).toBe(stage);
      if (stage !== 'none') expect(after.filter((m) => m.stage === stage)).toHaveLength(1);
      for (const other of ['staging', 'production'] as const) if (other !== stage) expect(after.filter((m) => m.stage === other)).toEqual(all.filter((m) => m.stage === other && m.version !== version));
    }));
  });

  it('planPromotion refuses an unknown version; resolveStage prefers the highest holder', () => {
    expect(() => planPromotion(versions('none'), 4, 'staging')).toThrow(VersionNotFoundError);
    expect(resolveStage(versions('production', 'none', 'production'), 'production')?.version).toBe(3);
    expect(resolveStage(versions('production', 'none'), 'staging')).toBeUndefined();
  });
});

describe('features across versions', () => {
  it.each<[string, ModelVersionMetadata | undefined, number | undefined, { features: string[]; featureSetVersion: string }, RegExp | undefined]>([
    ['a first version', undefined, undefined, { features: ['x'], featureSetVersion: '1' }, undefined],
    ['the same features', meta(), 3, { features: ['a', 'b', 'c'], featureSetVersion: '2.0.0' }, undefined],
    ['a different count, same featureSetVersion', meta(), 3, { features: ['a', 'b'], featureSetVersion: '2.0.0' }, /version 1 has 3 features, the candidate 2; bump featureSetVersion/],
    ['a config of another width', meta(), 5, { features: ['a', 'b', 'c'], featureSetVersion: '2.0.0' }, /config.pbtxt has 5 features, the candidate 3/],
    ['reordered features', meta(), 3, { features: ['a', 'c', 'b'], featureSetVersion: '2.0.0' }, /feature 1 is "b" in version 1, "c" in the candidate/],
    ['a different count under a new featureSetVersion', meta(), 3, { features: ['a', 'b'], featureSetVersion: '2.1.0' }, undefined],
  ])('%s', (_name, latest, configCount, candidate, error) => {
    const check = () => checkFeatureConsistency('alpha', latest, configCount, candidate);
    if (error) expect(check).toThrow(FeatureSetMismatchError);
    if (error) expect(check).toThrow(error);
    else expect(check).not.toThrow();
  });

  it('servableVersions: all while the width never changed, else those of the current width', () => {
    const v = (version: number, n: number) => meta({ version, features: Array.from({ length: n }, (_, i) => `f${i}`), inputMean: new Array(n).fill(0) });
    expect(servableVersions([v(1, 3), v(2, 3)], 3)).toBeUndefined();
    expect(servableVersions([v(1, 3), v(2, 3), v(3, 4)], 4)).toEqual([3]);
    expect(servableVersions([v(1, 3), v(2, 4), v(3, 3)], 3)).toEqual([1, 3]);
  });
});

describe('parseMetadata', () => {
  const bytes = (value: unknown) => Buffer.from(JSON.stringify(value));
  const at = { model: 'alpha', version: 1 };

  it('reads a metadata.json back, keeping fields it does not know', () => {
    expect(parseMetadata('k', bytes(meta()), at)).toEqual(meta());
    expect(parseMetadata('k', bytes({ ...meta(), promotedBy: 'ci' }), at)).toMatchObject({ promotedBy: 'ci' });
  });

  it.each<[string, Uint8Array, RegExp]>([
    ['not JSON', Buffer.from('{'), /k: not JSON/],
    ['a missing field', bytes({ ...meta(), sha256: undefined }), /sha256: /],
    ['an unknown stage', bytes({ ...meta(), stage: 'canary' }), /stage: /],
    ['another version', bytes(meta({ version: 2 })), /describes alpha version 2, expected alpha version 1/],
    ['means that do not match the features', bytes(meta({ inputMean: [1] })), /inputMean has 1 values for 3 features/],
  ])('refuses %s', (_name, data, message) => {
    expect(() => parseMetadata('k', data, at)).toThrow(RegistryIntegrityError);
    expect(() => parseMetadata('k', data, at)).toThrow(message);
  });
});
