/**
 * The reference trainer on a year of a 4,000-ticker market: 1M rows × 127 features (4,000 tickers × 250
 * sessions) with a planted linear signal, 5-fold purged CV then the final fit, for ridge and for the MLP (with a
 * bounded epoch budget: the pure-JS tfjs backend trains about 15k rows/s on 2 cores). Each model runs in its own
 * process so peak RSS is its own. Writes bench/train.json (figures and the goal: 5-fold CV <= 5 min).
 * Sizes can be reduced for a quick look: BENCH_TICKERS, BENCH_SESSIONS, BENCH_FEATURES, BENCH_MODELS=ridge.
 *
 * Synthetic data: 8 latent factors; feature j = offset_j + scale_j · (0.7·g[j mod 8] + 0.7·e_j) (correlated
 * blocks, arbitrary units, 2 % missing); target = 0.02 · (IC · s + √(1 − IC²) · noise) with s a unit-variance
 * linear combination of 12 features and IC = 0.1. The planted s is passed to the trainer as its oracle, so the
 * report gives the model's OOS rank IC as a share of what the true signal achieves on the same rows.
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { seededUniform } from '../../pipelines/models/forward';
import type { TrainingData } from '../../pipelines/models/train/dataset';
import { DEFAULT_MLP } from '../../pipelines/models/train/mlp';
import type { Oracle } from '../../pipelines/models/train/oracle';
import { train, type ModelKind, type TrainOptions, type TrainReport } from '../../pipelines/models/train/trainer';
import { DEFAULT_WATCHDOG } from '../../pipelines/models/train/watchdog';
import { writeFileAtomic } from '../../pipelines/storage/atomic';

const ROOT = path.join(__dirname, '../..');
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const TICKERS = env('BENCH_TICKERS', 4000);
const SESSIONS = env('BENCH_SESSIONS', 250);
const FEATURES = env('BENCH_FEATURES', 127);
const PLANTED_IC = 0.1;
const FACTORS = 8;
const GOAL_SECONDS = 300;

/** MLP budget: 3 epochs of 100 mini-batches of 1,024 rows (≈ 100k rows an epoch), patience 2. */
const MLP_BUDGET = { maxEpochs: 3, stepsPerEpoch: 100, batchSize: 1024, patience: 2 };

function sessions(count: number): string[] {
  const out: string[] = [];
  for (let day = 0; out.length < count; day++) {
    const d = new Date(Date.parse('2023-01-02T00:00:00Z') + day * 86_400_000);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

/** The table built in place (row-major, sorted by date then ticker), and the planted signal per row. */
function syntheticMarket(): { data: TrainingData; planted: Float64Array } {
  const rand = seededUniform(20240628);
  let spare = NaN;
  const gauss = () => {
    if (spare === spare) { const v = spare; spare = NaN; return v; }
    const r = Math.sqrt(-2 * Math.log(1 - rand()));
    const a = 2 * Math.PI * rand();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
  const F = FEATURES;
  const offset = Float64Array.from({ length: F }, () => 10 * gauss());
  const scale = Float64Array.from({ length: F }, () => Math.exp(2 * gauss()));
  const beta = new Float64Array(F);
  for (let k = 0; k < Math.min(12, F); k++) beta[Math.floor((k * F) / 12)] = gauss();
  // Var(s) for f_j = 0.7·g[j mod K] + 0.7·e_j: the factor loadings add up per factor, the own noise per feature.
  const perFactor = new Float64Array(FACTORS);
  let variance = 0;
  for (let j = 0; j < F; j++) { perFactor[j % FACTORS] += 0.7 * beta[j]; variance += (0.7 * beta[j]) ** 2; }
  for (const b of perFactor) variance += b * b;
  const sd = Math.sqrt(variance);
  const list = sessions(SESSIONS);
  const rows = TICKERS * SESSIONS;
  const x = new Float64Array(rows * F);
  const y = new Float64Array(rows);
  const planted = new Float64Array(rows);
  const dates = new Array<string>(rows);
  const tickers = new Array<string>(rows);
  const names = Array.from({ length: TICKERS }, (_, t) => String(1000 + t));
  const g = new Float64Array(FACTORS);
  for (let s = 0, r = 0; s < SESSIONS; s++) {
    for (let t = 0; t < TICKERS; t++, r++) {
      for (let k = 0; k < FACTORS; k++) g[k] = gauss();
      let signal = 0;
      for (let j = 0; j < F; j++) {
        const f = 0.7 * g[j % FACTORS] + 0.7 * gauss();
        signal += beta[j] * f;
        x[r * F + j] = rand() < 0.02 ? NaN : offset[j] + scale[j] * f;
      }
      planted[r] = signal / sd;
      y[r] = 0.02 * (PLANTED_IC * planted[r] + Math.sqrt(1 - PLANTED_IC ** 2) * gauss());
      dates[r] = list[s];
      tickers[r] = names[t];
    }
  }
  const data: TrainingData = {
    features: Array.from({ length: F }, (_, j) => `f${String(j).padStart(3, '0')}`), featureSetVersion: 'bench', target: 'target_1_2',
    rows, x, y, dates, tickers, sessions: list, sessionStart: Int32Array.from({ length: SESSIONS + 1 }, (_, s) => s * TICKERS),
  };
  return { data, planted };
}

interface ModelFigures {
  model: ModelKind;
  generateSeconds: number;
  cvSeconds: number;
  finalFitSeconds: number;
  totalSeconds: number;
  /** Rows through the CV (each fold's training plus test rows) per second of CV wall time. */
  cvRowsPerSecond: number;
  peakRssMb: number;
  oosRankIc: number | null;
  plantedSignalRankIc: number | null;
  ratioToPlanted: number | null;
  meetsGoal: boolean;
  report: TrainReport;
}

/** One model in this process: generate, train, report. */
function runModel(model: ModelKind): ModelFigures {
  const t0 = performance.now();
  const { data, planted } = syntheticMarket();
  const generateSeconds = (performance.now() - t0) / 1000;
  const options: TrainOptions = {
    model, folds: 5, horizon: 2, embargo: 2, seed: 42, l2: model === 'ridge' ? 1 : 0,
    mlp: { ...DEFAULT_MLP, ...MLP_BUDGET, watchdog: DEFAULT_WATCHDOG },
    validationFraction: 0.1, verificationRows: 256, range: { from: data.sessions[0], to: data.sessions[data.sessions.length - 1] },
  };
  const oracle: Oracle = {
    market: { seed: 0, codes: TICKERS, from: data.sessions[0], asOf: data.sessions[data.sessions.length - 1], signalIc: PLANTED_IC },
    phi: 1,
    signals: () => planted,
    nextSessionIc: () => ({ meanIc: null, days: 0 }),
  };
  const t1 = performance.now();
  const { report } = train(data, options, {
    oracle,
    onProgress: (p) => {
      if (p.event !== 'epoch') process.stderr.write(`[${model}] ${p.event}${p.event === 'fold' ? ` ${p.fold + 1}/${p.folds}` : ''} ${((performance.now() - t1) / 1000).toFixed(1)} s\n`);
    },
  });
  const totalSeconds = (performance.now() - t1) / 1000;
  const cvSeconds = report.folds.reduce((s, f) => s + f.seconds, 0);
  const cvRows = report.folds.reduce((s, f) => s + f.trainRows + f.testRows, 0);
  return {
    model, generateSeconds: round(generateSeconds), cvSeconds: round(cvSeconds), finalFitSeconds: report.finalModel.seconds, totalSeconds: round(totalSeconds),
    cvRowsPerSecond: Math.round(cvRows / cvSeconds),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    oosRankIc: report.mean.rank_ic, plantedSignalRankIc: report.oracle?.oracleRankIc ?? null, ratioToPlanted: report.oracle?.ratio ?? null,
    meetsGoal: cvSeconds <= GOAL_SECONDS,
    report: { ...report, oracle: report.oracle && { ...report.oracle, compared: 'the planted linear signal s (unit variance) on the same test rows' } },
  };
}

const round = (x: number) => Math.round(x * 100) / 100;

async function main(): Promise<void> {
  const child = process.argv.indexOf('--model');
  if (child >= 0) {
    process.stdout.write(`${JSON.stringify(runModel(process.argv[child + 1] as ModelKind))}\n`);
    return;
  }
  const models = (process.env.BENCH_MODELS ?? 'ridge,mlp').split(',') as ModelKind[];
  const results = models.map((model) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--model', model], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error(`${model} run failed with status ${r.status}`);
    return JSON.parse(r.stdout) as ModelFigures;
  });
  const out = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version },
    data: { tickers: TICKERS, sessions: SESSIONS, rows: TICKERS * SESSIONS, features: FEATURES, plantedIc: PLANTED_IC, missing: 0.02 },
    cv: { folds: 5, horizon: 2, embargo: 2 },
    mlpBudget: MLP_BUDGET,
    goal: { cvSeconds: GOAL_SECONDS },
    models: results,
  };
  await writeFileAtomic(path.join(ROOT, 'bench/train.json'), `${JSON.stringify(out, null, 2)}\n`);
  for (const r of results) {
    console.log(`${r.model.padEnd(5)} CV ${r.cvSeconds.toFixed(1)} s (goal <= ${GOAL_SECONDS}: ${r.meetsGoal ? 'met' : 'NOT met'}), final fit ${r.finalFitSeconds.toFixed(1)} s, `
      + `${r.cvRowsPerSecond} rows/s, peak RSS ${r.peakRssMb} MB, OOS rank IC ${r.oosRankIc?.toFixed(4)} (planted signal ${r.plantedSignalRankIc?.toFixed(4)}, ratio ${r.ratioToPlanted?.toFixed(3)})`);
  }
}

main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
