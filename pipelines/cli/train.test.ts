import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../test/helpers/run-cli';
import { loadConfig } from '../config/config';
import { startFakeGateway } from '../metrics/fake-gateway';
import { seededUniform } from '../models/forward';
import { featureColumns, labelColumns } from '../run/datasets';
import { openStores } from '../storage';
import { CliError } from './context';
import { DEFAULT_L2, reportText, simMarket, trainOptions, type TrainCliOpts } from './train';

const FEATURES = ['returns_1d', 'returns_5d', 'rsi_14'];
const SESSIONS = 36;
const TICKERS = 30;

/** A lake holding features and labels only: target_1_2 loads on returns_1d, the other features are noise. */
async function writeLake(dir: string): Promise<string[]> {
  const rand = seededUniform(11);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const stores = await openStores(loadConfig({ GOGOOKU3_DATA_DIR: dir }));
  const dates: string[] = [];
  try {
    for (let day = 0; dates.length < SESSIONS; day++) {
      const d = new Date(Date.parse('2024-03-04T00:00:00Z') + day * 86_400_000);
      if (d.getUTCDay() === 0 || d.getUTCDay() === 6) continue;
      const date = d.toISOString().slice(0, 10);
      dates.push(date);
      const features = [];
      const labels = [];
      for (let t = 0; t < TICKERS; t++) {
        const r1 = 0.02 * gauss();
        features.push({ ticker: String(7200 + t), date, returns_1d: r1, returns_5d: t % 9 === 0 ? null : 0.04 * gauss(), rsi_14: 50 + 10 * gauss(), manifest_version: '2.0.0' });
        labels.push({ ticker: String(7200 + t), date, target_1_2: 0.5 * r1 + 0.01 * gauss(), fwd_return_1: 0.02 * gauss() });
      }
      const meta = { runId: 'test-run', inputFingerprint: 'x' };
      await stores.lake.writePartition('features', date, featureColumns(FEATURES), features, meta);
      await stores.lake.writePartition('labels', date, labelColumns(['target_1_2', 'fwd_return_1']), labels, meta);
    }
  } finally {
    await stores.close();
  }
  return dates;
}

let dir: string;
let dates: string[];
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-train-cli-'));
  dates = await writeLake(dir);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const train = (...args: string[]) => runCli(['train', '--from', dates[0], '--to', dates[dates.length - 1], ...args], { GOGOOKU3_DATA_DIR: dir });

describe('gogooku3 train', () => {
  it('json: ridge CV over the lake, the manifest features the table holds', async () => {
    const r = await train('--folds', '3', '--format', 'json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report).toMatchObject({
      model: 'ridge', seed: 42, featureSetVersion: '2.0.0', target: 'target_1_2', features: 3, rows: TICKERS * SESSIONS,
      cv: { folds: 3, horizon: 2, embargo: 2 }, params: { l2: DEFAULT_L2.ridge },
      range: { from: dates[0], to: dates[SESSIONS - 1], sessions: SESSIONS },
    });
    expect(report.folds).toHaveLength(3);
    expect(report.mean.rank_ic).toBeGreaterThan(0.5);
    expect(Object.keys(report.mean).sort()).toEqual(['ic', 'icir', 'jpx_sharpe', 'rank_ic', 'rmse', 'sharpe']);
  });

  it('text, with --features and --l2', async () => {
    const r = await train('--folds', '2', '--features', 'rsi_14,returns_5d', '--l2', '0.5');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ridge on target_1_2: 2 features \(manifest 2\.0\.0\), 1080 rows, 36 sessions/);
    expect(r.out).toMatch(/fold 0 test \d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2} \(18 sessions, train 16\): ic -?\d/);
    expect(r.out).toMatch(/ {2}mean: ic -?\d\.\d{4} {2}rank_ic/);
    expect(r.out).toMatch(/params \{"l2":0\.5,"targetTransform":"demean"\}/);
    const prom = fs.readFileSync(path.join(dir, 'metrics', 'train.prom'), 'utf8');
    expect(prom).toMatch(/^training_runs_total\{model="ridge",status="succeeded"\} 1$/m);
    expect(prom).toMatch(/^training_duration_seconds_bucket\{le="7200",model="ridge"\} 1$/m);
  });

  it('mlp with a small net reports epochs and why each fit stopped', async () => {
    const r = await train('--model', 'mlp', '--folds', '2', '--hidden', '4', '--epochs', '2', '--batch-size', '64', '--format', 'json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(report.params).toMatchObject({ hidden: [4], maxEpochs: 2, batchSize: 64, l2: 0, watchdog: { alpha: 0.3, threshold: 0.1, minEpochs: 3 } });
    for (const f of report.folds) expect(['patience', 'max_epochs', 'variance_collapse']).toContain(f.earlyStopReason);
    expect(report.finalModel.epochs).toBeGreaterThanOrEqual(1);
  });

  it.each<[string[], number, RegExp]>([
    [['--target', 'fwd_return_9'], 2, /--horizon: needed for target fwd_return_9/],
    [['--target', 'fwd_return_9', '--horizon', '9'], 65, /--target: "fwd_return_9" is not a label column; allowed: target_1_2, fwd_return_1/],
    [['--features', 'returns_1d,nope'], 65, /--features: nope is not a column of the features table/],
    [['--folds', '40'], 65, /folds: must be <= the number of sessions \(36\), got 40/],
    [['--model', 'xgb'], 2, /--model.*Allowed choices are ridge, mlp/],
    [['--hidden', '8,0'], 2, /--hidden: expected comma-separated layer widths 1\.\.4096 such as 64,32, got "8,0"/],
    [['--embargo', '1'], 2, /--embargo: must be >= --horizon \(2\), got 1/],
    [['--folds', '1'], 2, /--folds: expected an integer 2\.\.100, got "1"/],
  ])('%p fails with exit %d', async (args, code, message) => {
    const r = await train(...args);
    expect(r.code).toBe(code);
    expect(r.err).toMatch(message);
  });

  it('an empty lake is a data error naming the step to run first', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-train-empty-'));
    const gateway = await startFakeGateway();
    try {
      const env = { GOGOOKU3_DATA_DIR: empty, GOGOOKU3_PUSHGATEWAY_URL: gateway.url };
      const before = Date.now() / 1000;
      const r = await runCli(['train', '--from', '2024-01-04', '--to', '2024-03-29'], env);
      expect(r.code).toBe(65);
      expect(r.err).toMatch(/gogooku3: the lake has no features table yet \(run `gogooku3 run backfill` first\)/);
      // A failed run still counts, for the training SLO, stamped with when it finished.
      const prom = fs.readFileSync(path.join(empty, 'metrics', 'train.prom'), 'utf8');
      expect(prom).toMatch(/^training_runs_total\{model="ridge",status="failed"\} 1$/m);
      expect(prom).toMatch(/^training_duration_seconds_count\{model="ridge"\} 1$/m);
      const stamp = Number(/^training_run_timestamp_seconds\{model="ridge",status="failed"\} (\S+)$/m.exec(prom)?.[1]);
      expect(stamp).toBeGreaterThanOrEqual(Math.floor(before));
      expect(stamp).toBeLessThanOrEqual(Date.now() / 1000);
      // Each run pushes a group of its own: a second run adds a group instead of replacing the first.
      expect((await runCli(['train', '--from', '2024-01-04', '--to', '2024-03-29'], env)).code).toBe(65);
      const urls = gateway.requests.map((q) => `${q.method} ${q.url}`);
      expect(urls).toHaveLength(2);
      for (const url of urls) expect(url).toMatch(/^PUT \/metrics\/job\/gogooku3\/training\/ridge\/run_id\/\d{8}T\d{6}Z-[0-9a-f]{8}$/);
      expect(urls[0]).not.toBe(urls[1]);
      expect(gateway.requests[0].body).toContain('training_runs_total{model="ridge",status="failed"} 1');
    } finally {
      await gateway.close();
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  it('--target-transform takes raw or demean', async () => {
    const r = await runCli(['train', '--from', '2024-01-04', '--to', '2024-03-29', '--target-transform', 'rank'], { GOGOOKU3_DATA_DIR: dir });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/option '--target-transform <t>' argument 'rank' is invalid. Allowed choices are raw, demean/);
  });

  it('--from and --to are required dates', async () => {
    expect((await runCli(['train', '--to', '2024-03-29'], { GOGOOKU3_DATA_DIR: dir })).err).toMatch(/required option '--from <date>'/);
    expect((await runCli(['train', '--from', '2024-02-30', '--to', '2024-03-29'], { GOGOOKU3_DATA_DIR: dir })).err).toMatch(/--from: expected a date YYYY-MM-DD/);
  });
});

const base: TrainCliOpts = {
  from: '2024-01-04', to: '2024-06-28', model: 'ridge', folds: 5, seed: 42, target: 'target_1_2', targetTransform: 'demean', hidden: [64, 32], epochs: 30, patience: 4,
  batchSize: 1024, learningRate: 1e-3, validationFraction: 0.1, collapseThreshold: 0.1, collapseAlpha: 0.3, collapseMinEpochs: 3,
  verificationRows: 256, format: 'text', simCodes: 4000, simFrom: '2016-01-04', simSignalIc: 0.05,
};

describe('trainOptions', () => {
  it.each<[Partial<TrainCliOpts>, { horizon: number; embargo: number; l2: number }]>([
    [{}, { horizon: 2, embargo: 2, l2: 1 }],
    [{ target: 'fwd_return_1' }, { horizon: 1, embargo: 1, l2: 1 }],
    [{ horizon: 3 }, { horizon: 3, embargo: 3, l2: 1 }],
    [{ embargo: 5, model: 'mlp' }, { horizon: 2, embargo: 5, l2: 0 }],
    [{ target: 'custom_label', horizon: 4, l2: 0.25 }, { horizon: 4, embargo: 4, l2: 0.25 }],
  ])('%j → %j', (patch, expected) => {
    expect(trainOptions({ ...base, ...patch })).toMatchObject(expected);
  });

  it('needs --horizon for a label it does not know', () => {
    expect(() => trainOptions({ ...base, target: 'custom_label' })).toThrow(new CliError('--horizon: needed for target custom_label (not one of target_1_2, fwd_return_1, whose horizons are known)'));
  });

  it('passes the MLP and watchdog settings through', () => {
    const o = trainOptions({ ...base, model: 'mlp', stepsPerEpoch: 10, collapseThreshold: 0.05 });
    expect(o.mlp).toEqual({ hidden: [64, 32], learningRate: 1e-3, batchSize: 1024, maxEpochs: 30, patience: 4, stepsPerEpoch: 10, watchdog: { alpha: 0.3, threshold: 0.05, minEpochs: 3 } });
  });
});

describe('simMarket', () => {
  it('is only built with --sim-seed; as-of defaults to 31 days after --to', () => {
    expect(simMarket(base)).toBeUndefined();
    expect(simMarket({ ...base, simSeed: 7 })).toEqual({ seed: 7, codes: 4000, from: '2016-01-04', asOf: '2024-07-29', signalIc: 0.05 });
    expect(simMarket({ ...base, simSeed: 7, simAsOf: '2024-12-30' })?.asOf).toBe('2024-12-30');
  });
});

describe('reportText', () => {
  it('prints the oracle comparison when there is one', () => {
    const metrics = { ic: 0.01, rank_ic: 0.02, icir: 0.1, rmse: 0.03, sharpe: 1, jpx_sharpe: 0.1 };
    const text = reportText({
      model: 'mlp', seed: 1, featureSetVersion: '2.0.0', target: 'target_1_2', features: 3, rows: 10,
      range: { from: 'a', to: 'b', sessions: 5, firstSession: '2024-01-04', lastSession: '2024-01-10' },
      cv: { folds: 2, horizon: 2, embargo: 2 }, params: {},
      folds: [{ fold: 0, trainSessions: 3, testSessions: 2, testFrom: '2024-01-04', testTo: '2024-01-05', trainRows: 6, testRows: 4, metrics, earlyStopReason: 'variance_collapse', epochs: 4, bestEpoch: 1, seconds: 1 }],
      mean: metrics,
      oracle: {
        market: { seed: 9, codes: 60, from: '2023-01-04', asOf: '2024-02-01', signalIc: 0.3 }, compared: '', matchedRows: 1, mean: { ...metrics, rank_ic: 0.04 },
        modelRankIc: 0.02, oracleRankIc: 0.04, ratio: 0.5, goal: 0.8, goalMet: false, nextSessionIc: { meanIc: 0.2, days: 5 },
      },
      finalModel: { trainSessions: 5, rows: 10, earlyStopReason: 'patience', epochs: 6, bestEpoch: 2, seconds: 2 },
    });
    expect(text).toContain('[variance_collapse after 4 epochs, best 1]');
    expect(text).toContain('model rank_ic 0.0200 / oracle rank_ic 0.0400 = ratio 0.500 (goal >= 0.8: not met)');
    expect(text).toContain('final model: 10 rows, 5 sessions, patience after 6 epochs (best 2), 2.0 s');
  });
});
