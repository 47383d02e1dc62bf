/**
 * /v1/score: tickers → the latest online vectors → a feature matrix in the model's feature order → predictions.
 * Cells without a value are imputed with the training mean (what the trainer did), and counted.
 */
import type { OnlineStore, OnlineVector } from '../storage/types';
import { UnknownFeatureError } from '../storage/errors';
import { BackendError, RouterError } from './errors';
import type { LoadedVersion } from './deployment';

export interface ScoreMatrix {
  /** Tickers that have a vector, in request order: the matrix rows. */
  tickers: string[];
  data: Float32Array;
  /** Requested tickers without a vector. */
  missing: string[];
  imputed: number;
  /** Of the newest vector used (a publish writes one asOf/runId for all). */
  asOf: string | null;
  runId: string | null;
}

/** Pure: vectors (aligned with `tickers`, undefined where absent) → rows in `features` order, gaps imputed. */
export function buildScoreMatrix(tickers: readonly string[], vectors: ReadonlyArray<OnlineVector | undefined>, features: readonly string[], inputMean: readonly number[]): ScoreMatrix {
  if (inputMean.length !== features.length) throw new Error(`buildScoreMatrix: ${features.length} features but ${inputMean.length} means`);
  const present: Array<[string, OnlineVector]> = [];
  const missing: string[] = [];
  tickers.forEach((t, i) => {
    const v = vectors[i];
    if (v) present.push([t, v]);
    else missing.push(t);
  });
  const F = features.length;
  const data = new Float32Array(present.length * F);
  let imputed = 0;
  let newest: OnlineVector | undefined;
  present.forEach(([, v], r) => {
    if (!newest || v.asOf > newest.asOf) newest = v;
    for (let c = 0; c < F; c++) {
      const x = v.values[features[c]];
      if (typeof x === 'number' && Number.isFinite(x) && Number.isFinite(Math.fround(x))) data[r * F + c] = x;
      else {
        data[r * F + c] = inputMean[c];
        imputed++;
      }
    }
  });
  return { tickers: present.map(([t]) => t), data, missing, imputed, asOf: newest?.asOf ?? null, runId: newest?.runId ?? null };
}

export interface ScoreResult {
  model: string;
  version: number;
  variant: string;
  asOf: string | null;
  runId: string | null;
  predictions: Array<{ ticker: string; prediction: number }>;
  missing: string[];
  imputed: number;
}

/** Reads the vectors and runs the chosen version; `infer` is the router's deadline-guarded call. */
export async function score(
  online: OnlineStore,
  target: { model: string; variant: string; featureSet?: string; loaded: LoadedVersion },
  tickers: readonly string[],
  infer: (data: Float32Array, rows: number) => Promise<Float32Array>,
): Promise<ScoreResult> {
  const { metadata } = target.loaded;
  const featureSet = target.featureSet ?? metadata.featureSet;
  let vectors: Array<OnlineVector | undefined>;
  try {
    vectors = await online.get(featureSet, tickers, metadata.features);
  } catch (error) {
    if (error instanceof UnknownFeatureError) {
      throw new RouterError(`${target.model} v${target.loaded.version} needs features the online feature set ${featureSet} does not have: ${error.message}`, 500, 'feature_mismatch');
    }
    throw new BackendError(`online store ${online.url}: ${(error as Error).message}`, 502, 'online_store', { cause: error });
  }
  const matrix = buildScoreMatrix(tickers, vectors, metadata.features, metadata.inputMean);
  const rows = matrix.tickers.length;
  const out = rows > 0 ? await infer(matrix.data, rows) : new Float32Array(0);
  return {
    model: target.model,
    version: target.loaded.version,
    variant: target.variant,
    asOf: matrix.asOf,
    runId: matrix.runId,
    predictions: matrix.tickers.map((ticker, i) => ({ ticker, prediction: out[i] })),
    missing: matrix.missing,
    imputed: matrix.imputed,
  };
}
