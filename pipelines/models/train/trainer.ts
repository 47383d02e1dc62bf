/**
 * The reference trainer: purged K-fold CV over the range's sessions (fit on each fold's training sessions,
 * predict its test sessions, score with the shared metrics), the mean over folds, then a final fit on every
 * session — the model to export — with a verification sample of its own predictions.
 */
import { purgedKFold } from '../cv';
import { predict } from '../forward';
import { evaluate } from '../metrics';
import type { EvalMetrics, ModelSpec } from '../types';
import {
  demeanBySession, designMatrix, fitStandardiser, imputedRows, rowsOfSessions, sampleRows, splitValidation, type TrainingData,
} from './dataset';
import type { EpochRecord, MlpOptions } from './mlp';
import { checkCoverage, type Oracle, type SimMarket } from './oracle';
import { fitRidge, ridgeLayer } from './ridge';
import type { EarlyStopReason } from './watchdog';

export type ModelKind = ModelSpec['kind'];

export interface TrainOptions {
  model: ModelKind;
  folds: number;
  /** Sessions a label looks ahead (purge); target_1_2 uses close[t+2]. */
  horizon: number;
  embargo: number;
  seed: number;
  /** Ridge: λ = l2 × rows; MLP: penalty on the weight matrices. */
  l2: number;
  mlp: Omit<MlpOptions, 'seed' | 'l2'>;
  /** Share of a fold's training sessions (the latest) held out for the MLP's early stopping. */
  validationFraction: number;
  verificationRows: number;
  /** What the model is fitted to (default DEFAULT_TARGET_TRANSFORM); metrics are always against the raw target. */
  targetTransform?: TargetTransform;
  /** The requested date range (the report's `range`). */
  range: { from: string; to: string };
}

export interface FoldReport {
  fold: number;
  trainSessions: number;
  testSessions: number;
  testFrom: string;
  testTo: string;
  trainRows: number;
  testRows: number;
  metrics: EvalMetrics;
  earlyStopReason?: EarlyStopReason;
  epochs?: number;
  bestEpoch?: number;
  /** MLP: validation loss (standardised target units), variance ratio and its EMA per epoch. */
  history?: EpochRecord[];
  /** The planted signal scored on the same test rows (with --sim-seed). */
  oracle?: EvalMetrics;
  seconds: number;
}

export interface OracleReport {
  market: SimMarket;
  compared: string;
  /** Share of rows for which the simulated market has a signal value. */
  matchedRows: number;
  /** The oracle's metrics, averaged over folds like the model's `mean`. */
  mean: EvalMetrics;
  modelRankIc: number | null;
  oracleRankIc: number | null;
  /** modelRankIc / oracleRankIc; null unless the oracle's rank IC is positive. */
  ratio: number | null;
  goal: number;
  goalMet: boolean | null;
  /** For reference: the simulator's own realised IC of s[t] against the session t+1 log return (not the model's target). */
  nextSessionIc: { meanIc: number | null; days: number };
}

export interface TrainReport {
  model: ModelKind;
  seed: number;
  featureSetVersion: string;
  target: string;
  features: number;
  rows: number;
  range: { from: string; to: string; sessions: number; firstSession: string; lastSession: string };
  cv: { folds: number; horizon: number; embargo: number };
  params: Record<string, unknown>;
  folds: FoldReport[];
  mean: EvalMetrics;
  oracle?: OracleReport;
  finalModel: { trainSessions: number; rows: number; earlyStopReason?: EarlyStopReason; epochs?: number; bestEpoch?: number; history?: EpochRecord[]; seconds: number };
}

export interface VerificationSample {
  /** rows × features raw inputs, missing values imputed with the spec's inputMean. */
  x: Float64Array;
  rows: number;
  /** The trainer's predictions for them (tfjs float32 for the MLP, float64 for ridge). */
  expected: Float64Array;
}

export interface TrainResult {
  report: TrainReport;
  spec: ModelSpec;
  verification: VerificationSample;
}

export type TrainProgress =
  | { event: 'fold'; fold: number; folds: number; trainRows: number; testRows: number }
  | { event: 'final'; rows: number }
  | ({ event: 'epoch'; fold: number | 'final' } & EpochRecord);

export interface TrainHooks {
  oracle?: Oracle;
  onProgress?(progress: TrainProgress): void;
}

interface Fitted {
  spec: ModelSpec;
  earlyStopReason?: EarlyStopReason;
  epochs?: number;
  bestEpoch?: number;
  history?: EpochRecord[];
  /** The training framework's predictions for raw rows of the table (verification). */
  trainerPredict(rows: Int32Array): Float64Array;
}

const PREDICT_CHUNK = 8192;

/** The spec's float64 forward pass over table rows, imputing missing inputs with the spec's means. */
export function predictRows(spec: ModelSpec, data: TrainingData, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let from = 0; from < rows.length; from += PREDICT_CHUNK) {
    const chunk = rows.subarray(from, Math.min(rows.length, from + PREDICT_CHUNK));
    out.set(predict(spec, imputedRows(data, chunk, spec.inputMean), chunk.length), from);
  }
  return out;
}

function fitOn(data: TrainingData, trainSessions: readonly string[], options: TrainOptions, fold: number | 'final', hooks: TrainHooks): Fitted {
  const base = { features: [...data.features] };
  if (options.model === 'ridge') {
    const rows = rowsOfSessions(data, trainSessions);
    const stats = fitStandardiser(data, rows);
    const fit = fitRidge(designMatrix(data, rows, stats), options.l2);
    const spec: ModelSpec = { kind: 'ridge', ...base, inputMean: stats.mean, inputScale: stats.scale, layers: [ridgeLayer(fit)] };
    return { spec, trainerPredict: (r) => predictRows(spec, data, r) };
  }
  // tfjs loads in about a second: only MLP runs pay for it.
  const { fitMlp, predictLayers } = require('./mlp') as typeof import('./mlp');
  const split = splitValidation(trainSessions, options.validationFraction, options.horizon);
  const fitRows = rowsOfSessions(data, split.fit);
  const stats = fitStandardiser(data, fitRows);
  const result = fitMlp(
    designMatrix(data, fitRows, stats), designMatrix(data, rowsOfSessions(data, split.validation), stats),
    { ...options.mlp, l2: options.l2, seed: options.seed },
    (record) => hooks.onProgress?.({ event: 'epoch', fold, ...record }),
  );
  const spec: ModelSpec = { kind: 'mlp', ...base, inputMean: stats.mean, inputScale: stats.scale, layers: result.layers };
  return {
    spec, earlyStopReason: result.earlyStopReason, epochs: result.epochs, bestEpoch: result.bestEpoch, history: result.history,
    trainerPredict: (r) => predictLayers(result.layers, designMatrix(data, r, stats)),
  };
}

const METRIC_KEYS = ['ic', 'rank_ic', 'icir', 'rmse', 'sharpe', 'jpx_sharpe'] as const;

/** Per key, the mean of the non-null values (null when every fold's is null). */
export function meanMetrics(list: readonly EvalMetrics[]): EvalMetrics {
  const out = {} as EvalMetrics;
  for (const key of METRIC_KEYS) {
    const values = list.map((m) => m[key]).filter((v): v is number => v !== null);
    out[key] = values.length > 0 ? values.reduce((a, b) => a + b, 0) / values.length : null;
  }
  return out;
}

const gather = (values: ArrayLike<number>, rows: Int32Array) => Float64Array.from(rows, (r) => values[r]);

export const ORACLE_GOAL = 0.8;

export const TARGET_TRANSFORMS = ['raw', 'demean'] as const;
export type TargetTransform = (typeof TARGET_TRANSFORMS)[number];
/**
 * IC, rank IC and the long-short Sharpe judge a model by how it orders the stocks of each session, so by default
 * it is fitted to the target less its session mean: the market's move, which dominates the raw target's variance
 * and which no per-stock feature can rank, then stops steering the fit.
 */
export const DEFAULT_TARGET_TRANSFORM: TargetTransform = 'demean';

/** The table the models are fitted on: the same rows and features, the target transformed. */
export function fittingData(data: TrainingData, transform: TargetTransform): TrainingData {
  return transform === 'raw' ? data : { ...data, y: demeanBySession(data) };
}

export function train(data: TrainingData, options: TrainOptions, hooks: TrainHooks = {}): TrainResult {
  const folds = purgedKFold(data.sessions, { folds: options.folds, horizon: options.horizon, embargo: options.embargo });
  const oracleValues = hooks.oracle ? hooks.oracle.signals(data.dates, data.tickers) : undefined;
  const matchedRows = oracleValues && hooks.oracle ? checkCoverage(oracleValues, hooks.oracle.market) : 0;
  const foldReports: FoldReport[] = [];
  const fitData = fittingData(data, options.targetTransform ?? DEFAULT_TARGET_TRANSFORM);
  for (const f of folds) {
    const started = performance.now();
    const testRows = rowsOfSessions(data, f.test);
    const trainRows = rowsOfSessions(data, f.train).length;
    hooks.onProgress?.({ event: 'fold', fold: f.fold, folds: folds.length, trainRows, testRows: testRows.length });
    const fitted = fitOn(fitData, f.train, options, f.fold, hooks);
    const testDates = Array.from(testRows, (r) => data.dates[r]);
    const testY = gather(data.y, testRows);
    const metrics = evaluate(testDates, predictRows(fitted.spec, data, testRows), testY);
    foldReports.push({
      fold: f.fold, trainSessions: f.train.length, testSessions: f.test.length, testFrom: f.test[0], testTo: f.test[f.test.length - 1],
      trainRows, testRows: testRows.length, metrics,
      ...(fitted.earlyStopReason ? { earlyStopReason: fitted.earlyStopReason, epochs: fitted.epochs, bestEpoch: fitted.bestEpoch, history: fitted.history } : {}),
      ...(oracleValues ? { oracle: evaluate(testDates, gather(oracleValues, testRows), testY) } : {}),
      seconds: round((performance.now() - started) / 1000, 3),
    });
  }
  const mean = meanMetrics(foldReports.map((f) => f.metrics));

  const started = performance.now();
  hooks.onProgress?.({ event: 'final', rows: data.rows });
  const final = fitOn(fitData, data.sessions, options, 'final', hooks);
  const sample = sampleRows(data.rows, options.verificationRows);
  const verification: VerificationSample = { x: imputedRows(data, sample, final.spec.inputMean), rows: sample.length, expected: final.trainerPredict(sample) };

  const report: TrainReport = {
    model: options.model,
    seed: options.seed,
    featureSetVersion: data.featureSetVersion,
    target: data.target,
    features: data.features.length,
    rows: data.rows,
    range: { ...options.range, sessions: data.sessions.length, firstSession: data.sessions[0], lastSession: data.sessions[data.sessions.length - 1] },
    cv: { folds: options.folds, horizon: options.horizon, embargo: options.embargo },
    params: options.model === 'ridge'
      ? { l2: options.l2, targetTransform: options.targetTransform ?? DEFAULT_TARGET_TRANSFORM }
      : { l2: options.l2, targetTransform: options.targetTransform ?? DEFAULT_TARGET_TRANSFORM, ...options.mlp, validationFraction: options.validationFraction },
    folds: foldReports,
    mean,
    ...(hooks.oracle ? { oracle: oracleReport(hooks.oracle, foldReports, mean, matchedRows, data) } : {}),
    finalModel: {
      trainSessions: data.sessions.length, rows: data.rows,
      ...(final.earlyStopReason ? { earlyStopReason: final.earlyStopReason, epochs: final.epochs, bestEpoch: final.bestEpoch, history: final.history } : {}),
      seconds: round((performance.now() - started) / 1000, 3),
    },
  };
  return { report, spec: final.spec, verification };
}

function oracleReport(oracle: Oracle, folds: readonly FoldReport[], mean: EvalMetrics, matchedRows: number, data: TrainingData): OracleReport {
  const oracleMean = meanMetrics(folds.map((f) => f.oracle!));
  const modelRankIc = mean.rank_ic;
  const oracleRankIc = oracleMean.rank_ic;
  const ratio = modelRankIc !== null && oracleRankIc !== null && oracleRankIc > 0 ? modelRankIc / oracleRankIc : null;
  return {
    market: oracle.market,
    compared: `the planted signal s[t] (known after session t's close) as the prediction for (ticker, t), scored on the model's target ${data.target} `
      + 'over the same test rows and folds with the same metrics; s[t] is built to predict the session t+1 return, so for target_1_2 '
      + `(the session t+2 return) its expected IC is about phi × signalIc = ${round(oracle.phi * oracle.market.signalIc, 4)} before market, sector and jump noise`,
    matchedRows: round(matchedRows, 4),
    mean: oracleMean,
    modelRankIc,
    oracleRankIc,
    ratio: ratio === null ? null : round(ratio, 4),
    goal: ORACLE_GOAL,
    goalMet: ratio === null ? null : ratio >= ORACLE_GOAL,
    nextSessionIc: oracle.nextSessionIc(data.sessions[0], data.sessions[data.sessions.length - 1]),
  };
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;
