/**
 * The training table in memory and the per-fold transforms of it: which rows a set of sessions holds, the
 * standardisation fitted on a fold's training rows, and the design matrix the models read row by row.
 *
 * Rows are sorted by (date, ticker), so a session's rows are contiguous. Feature values are kept raw (row-major
 * float64, NaN where missing); each fold standardises on the fly with its own training statistics, so no
 * statistic of a test fold ever reaches its model and the table is stored once however many folds read it.
 */

/** A feature table joined with one label column; what every fold and the final fit read. */
export interface TrainingData {
  features: string[];
  /** manifest_version of the feature rows. */
  featureSetVersion: string;
  target: string;
  rows: number;
  /** rows × features, row-major; NaN where a value is missing (NULL or not finite). */
  x: Float64Array;
  y: Float64Array;
  dates: string[];
  tickers: string[];
  /** Distinct dates, ascending. */
  sessions: string[];
  /** Rows of sessions[s] are sessionStart[s] .. sessionStart[s + 1] − 1. */
  sessionStart: Int32Array;
}

export class DatasetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatasetError';
  }
}

export interface TrainingColumns {
  features: string[];
  featureSetVersion: string;
  target: string;
  dates: ArrayLike<string>;
  tickers: ArrayLike<string>;
  /** One column per feature (NaN or a non-finite value = missing). */
  columns: ArrayLike<number>[];
  y: ArrayLike<number>;
}

/**
 * Builds the table from columns in any row order: rows without a finite target are dropped (a model cannot
 * learn from them, and metrics skip them anyway), the rest are sorted by (date, ticker). A (ticker, date)
 * seen twice is an error: the join would otherwise weigh that row double.
 */
export function trainingData(input: TrainingColumns): TrainingData {
  const n = input.dates.length;
  const F = input.features.length;
  if (input.columns.length !== F) throw new DatasetError(`${input.columns.length} feature columns for ${F} feature names`);
  for (const [j, col] of input.columns.entries()) {
    if (col.length !== n) throw new DatasetError(`feature ${input.features[j]} has ${col.length} values, expected ${n}`);
  }
  if (input.tickers.length !== n || input.y.length !== n) throw new DatasetError(`dates, tickers and target lengths differ: ${n}, ${input.tickers.length}, ${input.y.length}`);
  const keep: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(input.y[i])) keep.push(i);
  keep.sort((a, b) => cmp(input.dates[a], input.dates[b]) || cmp(input.tickers[a], input.tickers[b]));
  const rows = keep.length;
  const x = new Float64Array(rows * F);
  const y = new Float64Array(rows);
  const dates = new Array<string>(rows);
  const tickers = new Array<string>(rows);
  const sessions: string[] = [];
  const starts: number[] = [];
  for (let r = 0; r < rows; r++) {
    const i = keep[r];
    dates[r] = input.dates[i];
    tickers[r] = input.tickers[i];
    y[r] = input.y[i];
    if (r > 0 && dates[r] === dates[r - 1] && tickers[r] === tickers[r - 1]) throw new DatasetError(`ticker ${tickers[r]} has two rows on ${dates[r]}`);
    if (r === 0 || dates[r] !== dates[r - 1]) {
      sessions.push(dates[r]);
      starts.push(r);
    }
    for (let j = 0; j < F; j++) {
      const v = input.columns[j][i];
      x[r * F + j] = Number.isFinite(v) ? v : NaN;
    }
  }
  starts.push(rows);
  return {
    features: [...input.features], featureSetVersion: input.featureSetVersion, target: input.target,
    rows, x, y, dates, tickers, sessions, sessionStart: Int32Array.from(starts),
  };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Row indices of the given sessions, ascending; a session the table does not hold is an error. */
export function rowsOfSessions(data: TrainingData, sessions: readonly string[]): Int32Array {
  const index = new Map(data.sessions.map((s, k) => [s, k]));
  const ks = sessions.map((s) => {
    const k = index.get(s);
    if (k === undefined) throw new DatasetError(`session ${s} has no rows`);
    return k;
  }).sort((a, b) => a - b);
  let total = 0;
  for (const k of ks) total += data.sessionStart[k + 1] - data.sessionStart[k];
  const out = new Int32Array(total);
  let at = 0;
  for (const k of ks) for (let r = data.sessionStart[k]; r < data.sessionStart[k + 1]; r++) out[at++] = r;
  return out;
}

export interface Standardiser {
  /** Mean of each feature's present values over the fitted rows (0 when it has none). */
  mean: Float64Array;
  /** Their population std; 1 when it is 0 or there are no values (the z-score is then 0 or a pure shift). */
  scale: Float64Array;
}

/** Per-feature mean and std over the present values of `rows` (two passes: stable for large means). */
export function fitStandardiser(data: TrainingData, rows: ArrayLike<number>): Standardiser {
  const F = data.features.length;
  const { x } = data;
  const sum = new Float64Array(F);
  const count = new Float64Array(F);
  for (let k = 0; k < rows.length; k++) {
    const base = rows[k] * F;
    for (let j = 0; j < F; j++) {
      const v = x[base + j];
      if (v === v) { sum[j] += v; count[j]++; }
    }
  }
  const mean = sum.map((s, j) => (count[j] > 0 ? s / count[j] : 0));
  const ss = new Float64Array(F);
  for (let k = 0; k < rows.length; k++) {
    const base = rows[k] * F;
    for (let j = 0; j < F; j++) {
      const v = x[base + j];
      if (v === v) { const d = v - mean[j]; ss[j] += d * d; }
    }
  }
  const scale = ss.map((s, j) => {
    const sd = count[j] > 0 ? Math.sqrt(s / count[j]) : 0;
    return sd > 0 && Number.isFinite(sd) ? sd : 1;
  });
  return { mean, scale };
}

/**
 * Standardised rows as the models read them: z = (x − mean) / scale, and 0 for a missing value (imputation with
 * the training mean). `fill` writes row r's z-scores at out[offset ..].
 */
export interface DesignMatrix {
  rows: number;
  features: number;
  /** Targets of the rows, in design order. */
  y: Float64Array;
  fill(r: number, out: Float64Array | Float32Array, offset?: number): void;
}

export function designMatrix(data: TrainingData, rows: Int32Array, stats: Standardiser): DesignMatrix {
  const F = data.features.length;
  const { x } = data;
  const { mean, scale } = stats;
  const inv = scale.map((s) => 1 / s);
  return {
    rows: rows.length,
    features: F,
    y: Float64Array.from(rows, (r) => data.y[r]),
    fill(r, out, offset = 0) {
      const base = rows[r] * F;
      for (let j = 0; j < F; j++) {
        const v = x[base + j];
        out[offset + j] = v === v ? (v - mean[j]) * inv[j] : 0;
      }
    },
  };
}

/** Raw feature rows with missing values replaced by `mean`: finite input for a ModelSpec's forward pass. */
export function imputedRows(data: TrainingData, rows: ArrayLike<number>, mean: Float64Array): Float64Array {
  const F = data.features.length;
  const out = new Float64Array(rows.length * F);
  for (let k = 0; k < rows.length; k++) {
    const base = rows[k] * F;
    for (let j = 0; j < F; j++) {
      const v = data.x[base + j];
      out[k * F + j] = v === v ? v : mean[j];
    }
  }
  return out;
}

/**
 * Splits a fold's training sessions into fit and validation: validation is the last `fraction` of them (at least
 * one), in time order, never touching the test fold; the `purge` sessions before it are dropped from the fit,
 * since their labels look into the validation period.
 */
export function splitValidation(trainSessions: readonly string[], fraction: number, purge: number): { fit: string[]; validation: string[] } {
  if (!(fraction > 0 && fraction < 1)) throw new DatasetError(`validation fraction must be in (0, 1), got ${fraction}`);
  const sorted = [...trainSessions].sort();
  const v = Math.max(1, Math.round(sorted.length * fraction));
  const fitEnd = sorted.length - v - purge;
  if (fitEnd < 1) throw new DatasetError(`${sorted.length} training sessions are too few for a validation slice of ${v} and a purge of ${purge}`);
  return { fit: sorted.slice(0, fitEnd), validation: sorted.slice(sorted.length - v) };
}

/**
 * The target less its session mean, row by row. Sessions are CV groups (a session is wholly in a fold's train or
 * test rows), so the means never mix training and test labels.
 */
export function demeanBySession(data: TrainingData): Float64Array {
  const out = new Float64Array(data.rows);
  for (let s = 0; s < data.sessions.length; s++) {
    const from = data.sessionStart[s];
    const to = data.sessionStart[s + 1];
    let sum = 0;
    for (let r = from; r < to; r++) sum += data.y[r];
    const mean = sum / (to - from);
    for (let r = from; r < to; r++) out[r] = data.y[r] - mean;
  }
  return out;
}

/** `count` rows spread evenly over the table (deterministic), for verifying an export against the trainer. */
export function sampleRows(total: number, count: number): Int32Array {
  const n = Math.min(total, count);
  return Int32Array.from({ length: n }, (_, k) => Math.floor(((k + 0.5) * total) / n));
}
