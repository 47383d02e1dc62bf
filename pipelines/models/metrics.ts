/**
 * Evaluation metrics of cross-sectional return predictions (one row per ticker and session), and the CSV
 * that `gogooku3 eval metrics` reads them from.
 *
 * Definitions (keys as in EvalMetrics):
 *   ic          mean over dates of the Pearson correlation of prediction and target across that date's rows
 *   rank_ic     the same with Spearman (Pearson of average ranks, so ties share their mean rank)
 *   icir        mean / sample std (n − 1) of the daily IC series
 *   rmse        over all rows
 *   sharpe      daily spread = mean target of the top quintile by prediction − mean of the bottom quintile
 *               (floor(n/5) rows each); mean / sample std of the spreads × sqrt(245)
 *   jpx_sharpe  the JPX Tokyo Stock Exchange Prediction (Kaggle 2022) metric: per date the 200 best-ranked rows
 *               are bought with weights linspace(2, 1, 200) (best first) and the 200 worst sold with the same
 *               weights (worst first), each leg Σ target·w / mean(w); score = mean / std of the daily
 *               long − short spread, not annualised. The reference code takes `buf.std()` of a pandas Series,
 *               whose default is ddof = 1, so the sample std is used here too. A date with fewer than 400 rows
 *               uses floor(n/2) per leg and linspace(2, 1, floor(n/2)) (numpy: linspace(2, 1, 1) = [2]).
 * Conventions:
 *   - Rows whose prediction or target is not finite are dropped before anything else (also from rmse).
 *   - A date contributes an IC only with >= 2 rows and neither prediction nor target constant on it (a
 *     correlation with a constant is undefined, and 0 would bias the mean toward zero); likewise rank IC.
 *   - A date contributes a spread only when each leg has >= 1 row (n >= 5 for sharpe, n >= 2 for jpx_sharpe).
 *   - Ties in prediction at a portfolio edge are split evenly: every row of a tied group gets the mean of the
 *     weights of the positions the group occupies, i.e. the expectation over tie-break orders. The result is
 *     then independent of row order, and negating the prediction negates the spread exactly.
 *   - A metric that cannot be computed (no qualifying dates; < 2 values, or a std that is zero or below
 *     NEGLIGIBLE_RELATIVE_STD × the largest |value|, for a ratio) is null.
 */
import type { EvalMetrics } from './types';

export const ANNUALISATION_DAYS = 245;
export const JPX_PORTFOLIO_SIZE = 200;
export const JPX_TOP_WEIGHT = 2;

export class EvalInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EvalInputError';
  }
}

/** One date's usable rows, sorted by prediction, then target (a canonical order: sums do not depend on input order). */
interface Day {
  p: Float64Array;
  t: Float64Array;
}

function groupByDate(dates: ArrayLike<string>, prediction: ArrayLike<number>, target: ArrayLike<number>): Day[] {
  const rows = new Map<string, number[]>();
  for (let i = 0; i < dates.length; i++) {
    if (!Number.isFinite(prediction[i]) || !Number.isFinite(target[i])) continue;
    const list = rows.get(dates[i]);
    if (list) list.push(i);
    else rows.set(dates[i], [i]);
  }
  return [...rows.keys()].sort().map((date) => {
    const idx = rows.get(date)!.sort((a, b) => prediction[a] - prediction[b] || target[a] - target[b]);
    return { p: Float64Array.from(idx, (i) => prediction[i]), t: Float64Array.from(idx, (i) => target[i]) };
  });
}

const isConstant = (x: Float64Array) => x.every((v) => v === x[0]);

/**
 * Pearson correlation; null for < 2 values or a side whose centred sum of squares is 0. The caller tests for
 * constant sides by value first: the mean of equal values can be off by an ulp, which would make noise look
 * like signal. Clamped to [−1, 1] against rounding.
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  const n = x.length;
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) { mx += x[i]; my += y[i]; }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return null;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** 1-based average ranks of `x` (ties share the mean of their positions). */
export function averageRanks(x: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const ranks = new Float64Array(x.length);
  for (let i = 0; i < order.length;) {
    let j = i + 1;
    while (j < order.length && x[order[j]] === x[order[i]]) j++;
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) ranks[order[k]] = rank;
    i = j;
  }
  return ranks;
}

/** numpy.linspace(start, stop, count), including numpy's exact last element. */
export function linspace(start: number, stop: number, count: number): Float64Array {
  const out = new Float64Array(count);
  if (count === 1) { out[0] = start; return out; }
  const step = (stop - start) / (count - 1);
  for (let i = 0; i < count; i++) out[i] = start + i * step;
  out[count - 1] = stop;
  return out;
}

/**
 * Σ target · (long weight − short weight) for rows sorted ascending by prediction: the `weights.length` highest
 * predictions are long (weights[0] on the best), as many lowest are short (weights[0] on the worst); a tie group
 * shares the mean weight of its positions in each leg.
 *
 * Each leg is summed from its edge inward and a group's weights by weight index, so negating every prediction
 * swaps the legs term for term and negates the spread exactly (one running sum over the day would add the
 * same terms in the opposite order, and a tiny target next to large ones would survive in one direction only).
 */
function weightedSpread(day: Day, weights: Float64Array): number {
  const { p, t } = day;
  const n = p.length;
  const k = weights.length;
  const groups: Array<{ from: number; to: number; sumT: number }> = [];
  for (let i = 0; i < n;) {
    let j = i + 1;
    while (j < n && p[j] === p[i]) j++;
    let sumT = 0;
    for (let a = i; a < j; a++) sumT += t[a];
    groups.push({ from: i, to: j, sumT });
    i = j;
  }
  // weights[lo..hi] summed by ascending index
  const weightSum = (lo: number, hi: number) => {
    let w = 0;
    for (let x = lo; x <= hi; x++) w += weights[x];
    return w;
  };
  let long = 0;
  for (let g = groups.length - 1; g >= 0 && groups[g].to > n - k; g--) {
    const { from, to, sumT } = groups[g];
    long += (weightSum(n - to, n - 1 - Math.max(from, n - k)) / (to - from)) * sumT;
  }
  let short = 0;
  for (let g = 0; g < groups.length && groups[g].from < k; g++) {
    const { from, to, sumT } = groups[g];
    short += (weightSum(from, Math.min(to, k) - 1) / (to - from)) * sumT;
  }
  return long - short;
}

function mean(x: readonly number[]): number | null {
  if (x.length === 0) return null;
  let s = 0;
  for (const v of x) s += v;
  return s / x.length;
}

/**
 * A std at most this fraction of the largest |value| is rounding noise: values that agree to the last bits
 * (every daily IC exactly 1, say) would otherwise give a ratio near 1e16 whose size depends on summation order.
 */
export const NEGLIGIBLE_RELATIVE_STD = 1e-12;

/** mean / sample std (n − 1); null for < 2 values or a std that is zero or rounding noise. */
function meanOverStd(x: readonly number[]): number | null {
  if (x.length < 2) return null;
  const m = mean(x)!;
  let ss = 0;
  let largest = 0;
  for (const v of x) {
    ss += (v - m) ** 2;
    largest = Math.max(largest, Math.abs(v));
  }
  const sd = Math.sqrt(ss / (x.length - 1));
  return sd <= NEGLIGIBLE_RELATIVE_STD * largest || sd === 0 ? null : m / sd;
}

/** The six metrics of EvalMetrics; see the module comment for definitions and conventions. */
export function evaluate(dates: ArrayLike<string>, prediction: ArrayLike<number>, target: ArrayLike<number>): EvalMetrics {
  if (dates.length !== prediction.length || dates.length !== target.length) {
    throw new EvalInputError(`dates, prediction and target must have the same length, got ${dates.length}, ${prediction.length}, ${target.length}`);
  }
  const ics: number[] = [];
  const rankIcs: number[] = [];
  const spreads: number[] = [];
  const jpxSpreads: number[] = [];
  let squares = 0;
  let rows = 0;
  for (const day of groupByDate(dates, prediction, target)) {
    const { p, t } = day;
    const n = p.length;
    for (let i = 0; i < n; i++) squares += (p[i] - t[i]) ** 2;
    rows += n;
    if (n >= 2 && !isConstant(p) && !isConstant(t)) {
      const ic = pearson(p, t);
      if (ic !== null) ics.push(ic); // null only when a variance underflows to 0 (subnormal spreads)
      rankIcs.push(pearson(averageRanks(p), averageRanks(t))!);
    }
    const quintile = Math.floor(n / 5);
    if (quintile > 0) spreads.push(weightedSpread(day, new Float64Array(quintile).fill(1)) / quintile);
    const leg = n >= 2 * JPX_PORTFOLIO_SIZE ? JPX_PORTFOLIO_SIZE : Math.floor(n / 2);
    if (leg > 0) {
      const w = linspace(JPX_TOP_WEIGHT, 1, leg);
      jpxSpreads.push(weightedSpread(day, w) / (w.reduce((s, v) => s + v, 0) / leg));
    }
  }
  const quintileSharpe = meanOverStd(spreads);
  return {
    ic: mean(ics),
    rank_ic: mean(rankIcs),
    icir: meanOverStd(ics),
    rmse: rows > 0 ? Math.sqrt(squares / rows) : null,
    sharpe: quintileSharpe === null ? null : quintileSharpe * Math.sqrt(ANNUALISATION_DAYS),
    jpx_sharpe: meanOverStd(jpxSpreads),
  };
}

// ---------------------------------------------------------------------------------------------- predictions CSV

export const PREDICTION_COLUMNS = ['date', 'ticker', 'prediction', 'target'] as const;
type PredictionColumn = (typeof PREDICTION_COLUMNS)[number];

/** A malformed predictions CSV. `row` is the 1-based data row (0 for the header); `column` the offending column. */
export class PredictionsCsvError extends Error {
  constructor(readonly row: number, readonly column: string | null, detail: string, readonly line = row + 1) {
    super(`${row === 0 ? 'header' : `row ${row} (line ${line})`}${column === null ? '' : `, column ${column}`}: ${detail}`);
    this.name = 'PredictionsCsvError';
  }
}

class UnterminatedQuote extends Error {
  constructor(readonly line: number) {
    super(`unterminated quoted field starting on line ${line}`);
  }
}

/** RFC 4180 records with the line each starts on: quoted fields may hold commas, "" and line breaks; CRLF or LF. */
function* csvRecords(text: string): Generator<{ fields: string[]; line: number }> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) throw new UnterminatedQuote(start);
          field += text.slice(i, q);
          for (let k = i; k < q; k++) if (text.charCodeAt(k) === 10) line++;
          i = q + 1;
          if (text[i] === '"') { field += '"'; i++; continue; }
          break;
        }
      }
      let end = i;
      for (let c = text.charCodeAt(end); end < text.length && c !== 44 && c !== 10; c = text.charCodeAt(++end));
      field += text.slice(i, end);
      i = end;
      if (text.charCodeAt(i) === 44) { fields.push(field); i++; continue; }
      fields.push(field.endsWith('\r') ? field.slice(0, -1) : field);
      i++; // past the line feed (or the end)
      line++;
      break;
    }
    yield { fields, line: start };
  }
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function isIsoDate(s: string): boolean {
  return ISO_DATE.test(s) && new Date(`${s}T00:00:00Z`).toISOString().slice(0, 10) === s;
}

/** A numeric cell: NaN when empty or NaN (missing: evaluate drops the row); anything else must be a finite decimal. */
function numberCell(value: string, row: number, column: PredictionColumn, line: number): number {
  const s = value.trim();
  if (s === '' || s.toLowerCase() === 'nan') return NaN;
  const v = DECIMAL.test(s) ? Number(s) : NaN;
  if (!Number.isFinite(v)) throw new PredictionsCsvError(row, column, `expected a finite number (or an empty cell for missing), got ${JSON.stringify(value)}`, line);
  return v;
}

/**
 * Parses a predictions CSV: a header with date,ticker,prediction,target in any order (other columns ignored),
 * then one row per ticker and date (a repeated date and ticker is an error). Blank lines are skipped but
 * counted, so row numbers follow the file.
 */
export function readPredictionsCsv(text: string): { dates: string[]; prediction: Float64Array; target: Float64Array; tickers: string[] } {
  const records = csvRecords(text);
  let row = -1; // the header is row 0, data rows count from 1
  const next = () => {
    try {
      return records.next();
    } catch (error) {
      if (error instanceof UnterminatedQuote) throw new PredictionsCsvError(row + 1, null, 'unterminated quoted field', error.line);
      throw error;
    }
  };
  const first = next();
  row = 0;
  if (first.done) throw new PredictionsCsvError(0, null, `empty file (expected a header with ${PREDICTION_COLUMNS.join(',')})`);
  const header = first.value.fields.map((h) => h.trim());
  const index = {} as Record<PredictionColumn, number>;
  for (const column of PREDICTION_COLUMNS) {
    const at = header.indexOf(column);
    if (at < 0) throw new PredictionsCsvError(0, column, `missing column (required: ${PREDICTION_COLUMNS.join(',')}; got ${header.join(',')})`);
    if (header.indexOf(column, at + 1) >= 0) throw new PredictionsCsvError(0, column, 'column appears twice');
    index[column] = at;
  }
  const dates: string[] = [];
  const tickers: string[] = [];
  const predictions: number[] = [];
  const targets: number[] = [];
  /** Per valid date, the row of each ticker seen (few dates, many rows: validating each date once matters). */
  const seen = new Map<string, Map<string, number>>();
  for (let record = next(); !record.done; record = next()) {
    const { fields, line } = record.value;
    row++;
    if (fields.length === 1 && fields[0].trim() === '') continue;
    if (fields.length !== header.length) throw new PredictionsCsvError(row, null, `expected ${header.length} fields as in the header, got ${fields.length}`, line);
    const date = fields[index.date].trim();
    let tickersOfDate = seen.get(date);
    if (tickersOfDate === undefined && isIsoDate(date)) seen.set(date, (tickersOfDate = new Map()));
    if (tickersOfDate === undefined) throw new PredictionsCsvError(row, 'date', `expected a date YYYY-MM-DD, got ${JSON.stringify(fields[index.date])}`, line);
    const ticker = fields[index.ticker].trim();
    if (ticker === '') throw new PredictionsCsvError(row, 'ticker', 'empty ticker', line);
    // A repeated (date, ticker) would count one stock twice in every daily statistic.
    const earlier = tickersOfDate.get(ticker);
    if (earlier !== undefined) throw new PredictionsCsvError(row, 'ticker', `${ticker} on ${date} repeats row ${earlier}`, line);
    tickersOfDate.set(ticker, row);
    predictions.push(numberCell(fields[index.prediction], row, 'prediction', line));
    targets.push(numberCell(fields[index.target], row, 'target', line));
    dates.push(date);
    tickers.push(ticker);
  }
  return { dates, prediction: Float64Array.from(predictions), target: Float64Array.from(targets), tickers };
}
