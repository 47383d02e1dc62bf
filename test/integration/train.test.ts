import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadManifest } from '../../pipelines/features';
import { createSimulator } from '../../pipelines/sources/jquants/sim';
import { runCli } from '../helpers/run-cli';

/**
 * `gogooku3 train` on data the pipeline built from the J-Quants simulator over HTTP: ridge and MLP CV with the
 * planted-signal oracle. A strong planted signal (signalIc 0.3) keeps the oracle's IC clear of the noise of a
 * 60-code market. The backfill starts six months before the training range so the 120-session volume features
 * are warm on every training row.
 */

jest.setTimeout(240_000);
const MARKET = { seed: 5, codes: 60, from: '2023-01-04', asOf: '2024-08-30', signalIc: 0.3 };
const BACKFILL_FROM = '2023-04-03';
const FROM = '2023-10-02';
const TO = '2024-06-28';
const SIM = ['--sim-seed', '5', '--sim-codes', '60', '--sim-from', MARKET.from, '--sim-signal-ic', '0.3'];

let dir: string;
let env: Record<string, string>;
let sim: ReturnType<typeof createSimulator>;

beforeAll(async () => {
  sim = createSimulator(MARKET);
  const { url } = await sim.listen(0, '127.0.0.1');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'g3-train-'));
  env = { GOGOOKU3_DATA_DIR: dir, GOGOOKU3_JQUANTS_URL: url, JQUANTS_API_KEY: 'sim-api-key', GOGOOKU3_JQUANTS_RATE_LIMIT: '100000' };
  const backfill = await runCli(['run', 'backfill', '--from', BACKFILL_FROM, '--to', TO, '--format', 'json'], env);
  if (backfill.code !== 0) throw new Error(backfill.out + backfill.err);
});
afterAll(async () => {
  await sim.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const train = async (...args: string[]) => {
  const r = await runCli(['train', '--from', FROM, '--to', TO, '--format', 'json', ...args], env);
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.err}`);
  return JSON.parse(r.out);
};

describe('gogooku3 train on the simulated market', () => {
  it('ridge: purged 5-fold CV with finite metrics and the oracle scored on the same rows and target', async () => {
    const report = await train(...SIM);
    const sessions = report.range.sessions;
    // target_1_2 needs two later sessions: the last two of the range have no label yet.
    expect(report.range.lastSession < TO).toBe(true);
    expect(report).toMatchObject({ model: 'ridge', featureSetVersion: loadManifest().version, target: 'target_1_2', cv: { folds: 5, horizon: 2, embargo: 2 } });
    expect(report.features).toBeGreaterThan(100);
    expect(report.rows).toBeGreaterThan(40 * sessions); // listed codes with a label, of the 60 slots
    expect(report.folds.reduce((n: number, f: { testSessions: number }) => n + f.testSessions, 0)).toBe(sessions);
    for (const f of report.folds) {
      for (const key of ['ic', 'rank_ic', 'rmse', 'sharpe', 'jpx_sharpe']) expect(Number.isFinite(f.metrics[key])).toBe(true);
      expect(f.trainSessions).toBeLessThanOrEqual(sessions - f.testSessions);
    }
    const { oracle } = report;
    expect(oracle.matchedRows).toBe(1);
    expect(oracle.market).toMatchObject({ seed: 5, codes: 60, signalIc: 0.3 });
    // s[t] against the session t+2 return on these rows: about phi × 0.3 less the market, sector and jump noise.
    expect(oracle.oracleRankIc).toBeGreaterThan(0.1);
    expect(oracle.oracleRankIc).toBeLessThan(0.3);
    expect(oracle.ratio).toBeCloseTo(report.mean.rank_ic / oracle.oracleRankIc, 3);
    // The goal: out of sample, the model ranks stocks at least 0.8 times as well as the planted signal itself.
    expect(oracle.goal).toBe(0.8);
    expect(oracle.ratio).toBeGreaterThanOrEqual(0.8);
    expect(oracle.nextSessionIc.days).toBeGreaterThan(sessions - 2);
  });

  it('the oracle is independent of the simulator options that only shape prices, and refuses another market', async () => {
    const a = await train(...SIM, '--features', 'returns_1d,returns_5d');
    const b = await train(...SIM.slice(0, -1), '0.05', '--features', 'returns_1d,returns_5d');
    // The signal path does not depend on signalIc; the simulator's own next-session IC (other prices) does.
    expect(b.oracle.mean).toEqual(a.oracle.mean);
    expect(b.oracle.nextSessionIc.meanIc).not.toBe(a.oracle.nextSessionIc.meanIc);
    const wrong = await runCli(['train', '--from', FROM, '--to', TO, '--sim-seed', '6', '--sim-codes', '60', '--sim-from', MARKET.from], env);
    expect(wrong.code).toBe(65);
    expect(wrong.err).toMatch(/of the rows have a planted signal in the simulated market \(seed 6/);
  });

  it('mlp: the same seed gives the same metrics; a huge L2 collapses the predictions and the watchdog stops it', async () => {
    const args = ['--model', 'mlp', '--seed', '3', '--hidden', '16', '--epochs', '3', '--folds', '3'];
    const first = await train(...args);
    const second = await train(...args);
    expect(first.folds.map((f: { metrics: unknown }) => f.metrics)).toEqual(second.folds.map((f: { metrics: unknown }) => f.metrics));
    expect(first.mean).toEqual(second.mean);
    for (const f of first.folds) expect(['patience', 'max_epochs', 'variance_collapse']).toContain(f.earlyStopReason);
    const collapsed = await train('--model', 'mlp', '--folds', '2', '--hidden', '8', '--epochs', '20', '--patience', '20', '--l2', '10', '--learning-rate', '0.05');
    for (const f of collapsed.folds) expect(f.earlyStopReason).toBe('variance_collapse');
    expect(collapsed.finalModel.earlyStopReason).toBe('variance_collapse');
  });

  it('--register exports to ONNX, verifies it with onnxruntime and registers it; a retrain with the same inputs passes the regression check, another model does not', async () => {
    const first = await train('--register', 'alpha', '--golden-sessions', '10');
    expect(first.registered).toMatchObject({ model: 'alpha', version: 1, kind: 'ridge', stage: 'none', featureSetVersion: first.featureSetVersion });
    expect(first.registered.onnxMaxAbsDiff).toBeLessThanOrEqual(1e-5);
    expect(first.registered.goldenSessions).toHaveLength(10);
    expect(Number.isFinite(first.registered.goldenMetrics.rank_ic)).toBe(true);
    expect(fs.existsSync(path.join(dir, 'lake/models/alpha/1/model.onnx'))).toBe(true);
    const promote = await runCli(['models', 'promote', 'alpha', '1', '--stage', 'production'], env);
    expect(promote.code).toBe(0);
    // Same data, same seed: the same golden metrics, so version 2 registers.
    const again = await train('--register', 'alpha', '--golden-sessions', '10');
    expect(again.registered.version).toBe(2);
    expect(again.registered.goldenMetrics).toEqual(first.registered.goldenMetrics);
    // A different model on the same feature-set version moves the golden metrics: refused, nothing written.
    const other = await runCli(['train', '--from', FROM, '--to', TO, '--l2', '50', '--register', 'alpha', '--golden-sessions', '10'], env);
    expect(other.code).toBe(1);
    expect(other.err).toMatch(/regression/i);
    expect(fs.existsSync(path.join(dir, 'lake/models/alpha/3'))).toBe(false);
  });
});
