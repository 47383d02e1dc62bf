import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../test/helpers/run-cli';
import { predict, randomInputs, randomModelSpec } from '../models/forward';
import { ModelRegistry } from '../models/registry';
import type { ModelSpec, ModelVersionMetadata } from '../models/types';
import { FileObjectStore } from '../storage/file-object-store';

const dataDir = mkdtempSync(path.join(tmpdir(), 'cli-models-'));
const emptyDir = mkdtempSync(path.join(tmpdir(), 'cli-models-empty-'));
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(emptyDir, { recursive: true, force: true });
});
const models = (args: string[], dir = dataDir) => runCli(['models', ...args], { GOGOOKU3_DATA_DIR: dir });
// The default object store is file://$GOGOOKU3_DATA_DIR/lake; the CLI must find what was registered there.
const registry = new ModelRegistry(new FileObjectStore(`file://${dataDir}/lake`));

async function register(name: string, spec: ModelSpec, ic: number): Promise<ModelVersionMetadata> {
  const x = randomInputs(spec, 32, 1);
  return registry.register({
    name,
    spec,
    verification: { x, rows: 32, expected: predict(spec, x, 32) },
    metadata: {
      featureSet: 'default', featureSetVersion: '2.0.0', target: 'target_1_2', trainingRange: { from: '2021-01-04', to: '2023-12-29' },
      metrics: { ic, rank_ic: 0.04, icir: 0.6, rmse: 0.02, sharpe: 1.1, jpx_sharpe: null }, gitSha: null, seed: 7,
    },
  });
}

beforeAll(async () => {
  const ridge = randomModelSpec({ kind: 'ridge', features: 4, seed: 1 });
  await register('alpha', ridge, 0.031);
  await register('alpha', ridge, 0.032);
  await register('beta', randomModelSpec({ kind: 'mlp', features: 3, hidden: [4], seed: 2 }), 0.05);
});

it('models --help names the subcommands', async () => {
  const r = await models(['--help']);
  expect(r.code).toBe(0);
  expect(r.out).toMatch(/list[\s\S]*show[\s\S]*promote/);
});

describe('models list', () => {
  it('text: one aligned row per version', async () => {
    const r = await models(['list']);
    expect(r).toMatchObject({ code: 0, err: '' });
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^model +version +stage +kind +features +feature set +created +ic +rank_ic +sharpe$/);
    expect(lines.slice(1).map((l) => l.split(/ +/).slice(0, 6))).toEqual([
      ['alpha', '1', 'none', 'ridge', '4', 'default@2.0.0'],
      ['alpha', '2', 'none', 'ridge', '4', 'default@2.0.0'],
      ['beta', '1', 'none', 'mlp', '3', 'default@2.0.0'],
    ]);
    expect(lines[2]).toMatch(/ 0\.0320 +0\.0400 +1\.1000$/);
  });

  it('json, filtered by --model: the stored metadata', async () => {
    const r = await models(['list', '--model', 'alpha', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual(await registry.list('alpha'));
  });

  it('an empty registry lists nothing; an unknown model exits 1', async () => {
    expect(await models(['list'], emptyDir)).toMatchObject({ code: 0, out: 'no models registered\n' });
    const r = await models(['list', '--model', 'gamma']);
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toBe('gogooku3: model "gamma" is not in the registry\n');
  });
});

describe('models show', () => {
  it('text and json', async () => {
    const text = await models(['show', 'beta', '1']);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/^beta version 1 \(none\)\n/);
    expect(text.out).toMatch(/\n {2}features +3: f000, f001, f002\n/);
    expect(text.out).toMatch(/\n {2}metrics +ic 0\.0500 {2}rank_ic 0\.0400 {2}icir 0\.6000 {2}rmse 0\.0200 {2}sharpe 1\.1000 {2}jpx_sharpe -\n/);
    expect(text.out).toMatch(/\n {2}golden +-\n/);
    const json = await models(['show', 'alpha', '2', '--format', 'json']);
    expect(JSON.parse(json.out)).toEqual(await registry.show('alpha', 2));
  });

  it.each<[string[], number, RegExp]>([
    [['show', 'alpha', '9'], 1, /^gogooku3: model alpha has no version 9\n$/],
    [['show', 'gamma', '1'], 1, /^gogooku3: model "gamma" is not in the registry\n$/],
    [['show', 'Alpha', '1'], 2, /model name "Alpha": expected 1-64 characters/],
    [['show', 'alpha', 'two'], 2, /VERSION: expected an integer 1\.\.\d+, got "two"/],
    [['show', 'alpha'], 2, /missing required argument 'version'/],
  ])('%p exits %i', async (args, code, message) => {
    const r = await models(args);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });
});

describe('models promote', () => {
  it('moves a version to a stage and demotes the previous holder', async () => {
    expect(await models(['promote', 'alpha', '1', '--stage', 'production'])).toMatchObject({ code: 0, out: 'alpha version 1: none -> production\n' });
    expect(await models(['promote', 'alpha', '2', '--stage', 'staging'])).toMatchObject({ code: 0, out: 'alpha version 2: none -> staging\n' });
    const r = await models(['promote', 'alpha', '2', '--stage', 'production', '--format', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ model: 'alpha', version: 2, stage: 'production', changes: [{ version: 2, from: 'staging', to: 'production' }, { version: 1, from: 'production', to: 'none' }] });
    expect(await models(['promote', 'alpha', '2', '--stage', 'production'])).toMatchObject({ code: 0, out: 'alpha version 2 is already production\n' });
    expect((await registry.load('alpha', 'production')).metadata.version).toBe(2);
    expect((await registry.list()).map((m) => m.stage)).toEqual(['none', 'production', 'none']);
  });

  it.each<[string[], number, RegExp]>([
    [['promote', 'alpha', '7', '--stage', 'staging'], 1, /^gogooku3: model alpha has no version 7\n$/],
    [['promote', 'gamma', '1', '--stage', 'staging'], 1, /model "gamma" is not in the registry/],
    [['promote', 'alpha', '1', '--stage', 'canary'], 2, /argument 'canary' is invalid\. Allowed choices are none, staging, production/],
    [['promote', 'alpha', '1'], 2, /required option '--stage <stage>' not specified/],
    [['promote', 'alpha', '0', '--stage', 'none'], 2, /VERSION: expected an integer 1\.\./],
  ])('%p exits %i', async (args, code, message) => {
    const r = await models(args);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });
});
