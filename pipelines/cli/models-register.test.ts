import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../test/helpers/run-cli';
import { predict, randomInputs, randomModelSpec } from '../models/forward';
import { exportOnnx } from '../models/onnx-export';

/** An external trainer image's output directory (docs/training.md), built here with our own exporter. */
function imageOutput(dir: string, options: { rows?: number; perturb?: number; dropMean?: boolean } = {}): void {
  const spec = { ...randomModelSpec({ kind: 'mlp', features: 4, hidden: [8], seed: 11 }), features: ['returns_1d', 'rsi_14', 'volatility_20d', 'volume_ratio_5d'] };
  const rows = options.rows ?? 300;
  const x = randomInputs(spec, rows, 5);
  const expected = predict(spec, x, rows);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'model.onnx'), exportOnnx(spec));
  fs.writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify({
    features: spec.features, input_mean: options.dropMean ? [0] : Array.from(spec.inputMean), target: 'target_1_2', feature_set: 'default', feature_set_version: '2.0.0',
    training_range: { from: '2022-01-04', to: '2024-06-28' }, seed: 42, git_sha: 'abc123',
    metrics: { ic: 0.031, rank_ic: 0.029, icir: 0.4, rmse: 0.021, sharpe: 1.2, jpx_sharpe: 0.15 },
  }));
  fs.writeFileSync(path.join(dir, 'verification.json'), JSON.stringify({
    rows, x: Array.from({ length: rows }, (_, r) => Array.from(x.subarray(r * 4, r * 4 + 4))), expected: Array.from(expected, (v) => v + (options.perturb ?? 0)),
  }));
}

describe('gogooku3 models register (external trainer images)', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-register-'));
  const env = { GOGOOKU3_DATA_DIR: path.join(root, 'data') };
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('registers a verified graph as an external version at stage none, in the Triton layout', async () => {
    imageOutput(path.join(root, 'good'));
    const r = await runCli(['models', 'register', '--name', 'alpha', '--dir', path.join(root, 'good'), '--format', 'json'], env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const meta = JSON.parse(r.out);
    expect(meta).toMatchObject({ model: 'alpha', version: 1, kind: 'external', stage: 'none', featureSetVersion: '2.0.0', gitSha: 'abc123' });
    expect(meta.onnxMaxAbsDiff).toBeLessThanOrEqual(1e-5);
    const repo = path.join(env.GOGOOKU3_DATA_DIR, 'lake/models/alpha');
    expect(fs.readFileSync(path.join(repo, 'config.pbtxt'), 'utf8')).toContain('platform: "onnxruntime_onnx"');
    expect(fs.existsSync(path.join(repo, '1/model.onnx'))).toBe(true);
    const listed = await runCli(['models', 'list', '--format', 'json'], env);
    expect(JSON.parse(listed.out)).toHaveLength(1);
  });

  it.each<[string, Parameters<typeof imageOutput>[1], number, RegExp]>([
    ['predictions the graph does not reproduce', { perturb: 1e-3 }, 1, /ONNX verification failed/],
    ['too small a verification sample', { rows: 10 }, 65, /at least 256 are required/],
    ['input_mean not matching the features', { dropMean: true }, 65, /input_mean has 1 values for 4 features/],
  ])('refuses %s and writes nothing', async (name, options, code, message) => {
    const dir = path.join(root, name.replace(/\W+/g, '-'));
    imageOutput(dir, options);
    const r = await runCli(['models', 'register', '--name', 'beta', '--dir', dir], env);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
    expect(fs.existsSync(path.join(env.GOGOOKU3_DATA_DIR, 'lake/models/beta'))).toBe(false);
  });

  it('names the missing file', async () => {
    const r = await runCli(['models', 'register', '--name', 'gamma', '--dir', path.join(root, 'nowhere')], env);
    expect(r.code).toBe(65);
    expect(r.err).toMatch(/nowhere\/model\.onnx: cannot read: ENOENT/);
  });
});

describe('gogooku3 models contract → trainer → models register --contract', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-contract-'));
  const env = { GOGOOKU3_DATA_DIR: path.join(root, 'data') };
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const contractFor = (features: string[], range = { from: '2022-01-04', to: '2024-06-28' }) =>
    ["export G3_FEATURE_SET='default'", "export G3_FEATURE_SET_VERSION='2.0.0'", `export G3_FEATURES='${features.join(',')}'`, "export G3_TARGET='target_1_2'",
      `export G3_TRAIN_FROM='${range.from}'`, `export G3_TRAIN_TO='${range.to}'`, "export G3_SEED='42'", ''].join('\n');

  it('writes the env file atomically; a POSIX shell sources it', async () => {
    const out = path.join(root, 'contract', 'env');
    const r = await runCli(['models', 'contract', '--feature-set', 'prime-daily', '--sessions', '250', '--as-of', '2026-12-04T09:00:00Z', '--out', out], env);
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(fs.readdirSync(path.dirname(out))).toEqual(['env']);
    const echoed = execFileSync('sh', ['-c', '. "$1" && printf "%s|%s|%s|%s" "$G3_FEATURE_SET" "$G3_TRAIN_FROM" "$G3_TRAIN_TO" "$G3_OUTPUT_DIR"', 'sh', out], { encoding: 'utf8' });
    // As of Friday 18:00 JST the latest complete session is 2026-12-04; target_1_2's label is known two sessions
    // earlier; `gogooku3 calendar sessions --from 2025-11-20 --to 2026-12-02` lists exactly 250 sessions.
    expect(echoed).toBe('prime-daily|2025-11-20|2026-12-02|/out');
  });

  it('registers a model that reports what its contract said, and refuses one that does not (nothing written)', async () => {
    imageOutput(path.join(root, 'out'));
    const features = ['returns_1d', 'rsi_14', 'volatility_20d', 'volume_ratio_5d'];
    fs.writeFileSync(path.join(root, 'good.env'), contractFor(features));
    const ok = await runCli(['models', 'register', '--name', 'alpha', '--dir', path.join(root, 'out'), '--contract', path.join(root, 'good.env')], env);
    expect(ok).toMatchObject({ code: 0, err: '' });
    fs.writeFileSync(path.join(root, 'bad.env'), contractFor([...features].reverse(), { from: '2022-01-04', to: '2024-07-01' }));
    const bad = await runCli(['models', 'register', '--name', 'beta', '--dir', path.join(root, 'out'), '--contract', path.join(root, 'bad.env')], env);
    expect(bad.code).toBe(65);
    expect(bad.err).toMatch(/departs from the contract .*bad\.env: features: expected "volume_ratio_5d,volatility_20d,rsi_14,returns_1d" \(contract\), got "returns_1d,rsi_14,volatility_20d,volume_ratio_5d"; training_range\.to: expected "2024-07-01"/);
    expect(fs.existsSync(path.join(env.GOGOOKU3_DATA_DIR, 'lake/models/beta'))).toBe(false);
    // each closes a scheduled training run: counted with its outcome, timed from the contract's writing
    const prom = fs.readFileSync(path.join(env.GOGOOKU3_DATA_DIR, 'metrics', 'train.prom'), 'utf8');
    expect(prom).toMatch(/training_runs_total\{model="beta",status="failed"\} 1/);
  });

  it('times a contract run from the contract\'s writing', async () => {
    const contract = path.join(root, 'timed.env');
    fs.writeFileSync(contract, contractFor(['returns_1d', 'rsi_14', 'volatility_20d', 'volume_ratio_5d']));
    const hourAgo = new Date(Date.now() - 3600_000);
    fs.utimesSync(contract, hourAgo, hourAgo);
    const r = await runCli(['models', 'register', '--name', 'delta', '--dir', path.join(root, 'out'), '--contract', contract, '--regression', 'skip'], env);
    expect(r).toMatchObject({ code: 0, err: '' });
    const prom = fs.readFileSync(path.join(env.GOGOOKU3_DATA_DIR, 'metrics', 'train.prom'), 'utf8');
    expect(prom).toMatch(/training_runs_total\{model="delta",status="succeeded"\} 1/);
    const sum = Number(/training_duration_seconds_sum\{model="delta"\} ([\d.e+]+)/.exec(prom)![1]);
    expect(sum).toBeGreaterThanOrEqual(3600);
    expect(sum).toBeLessThan(3700);
  });

  it('refuses a contract file it did not write, naming the line', async () => {
    fs.writeFileSync(path.join(root, 'odd.env'), 'G3_SEED=42\n');
    const r = await runCli(['models', 'register', '--name', 'gamma', '--dir', path.join(root, 'out'), '--contract', path.join(root, 'odd.env')], env);
    expect(r.code).toBe(65);
    expect(r.err).toMatch(/odd\.env: line 1 is not an export NAME='value' line/);
  });
});
