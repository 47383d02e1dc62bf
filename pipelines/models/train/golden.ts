/**
 * The golden set: fixed sessions every registered version is scored on, so a later version trained on the same
 * feature-set version can be held to the same numbers (the registry's regression check).
 */
import { predict } from '../forward';
import { evaluate } from '../metrics';
import type { EvalMetrics, ModelSpec } from '../types';
import { DatasetError, imputedRows, rowsOfSessions, type TrainingData } from './dataset';

/** The last `count` sessions of the data (the most recent market the model saw), or an explicit list. */
export function goldenSessions(data: TrainingData, count: number): string[] {
  if (!Number.isInteger(count) || count < 1) throw new DatasetError(`golden sessions must be a whole number >= 1, got ${count}`);
  return data.sessions.slice(-count);
}

/** Metrics of the exported model (the spec's float64 forward pass) on the golden sessions. */
export function goldenMetrics(data: TrainingData, spec: ModelSpec, sessions: readonly string[]): EvalMetrics {
  const rows = rowsOfSessions(data, sessions);
  if (rows.length === 0) throw new DatasetError('the golden sessions hold no rows');
  const x = imputedRows(data, rows, spec.inputMean);
  const prediction = predict(spec, x, rows.length);
  const dates = Array.from(rows, (r) => data.dates[r]);
  const target = Float64Array.from(rows, (r) => data.y[r]);
  return evaluate(dates, prediction, target);
}
