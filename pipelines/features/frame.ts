/**
 * PriceFrame: daily bars of many tickers as columns, rows grouped by ticker (CSR layout) and sorted by date
 * inside each group, so every kernel sees one ticker's history as a contiguous Float64Array slice.
 * Prices are taken as given (already split-adjusted); a missing value is NaN.
 */

export const PRICE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;
export type PriceColumn = (typeof PRICE_COLUMNS)[number];

/** One Float64Array per price column, aligned by row; NaN is missing. */
export type PriceValues = Record<PriceColumn, Float64Array>;

/**
 * Optional per-row columns some features read: traded value in yen (J-Quants TurnoverValue, unaffected by
 * splits) and the 0/1 price-limit flags. A feature that needs one the input lacks is a FeatureError.
 */
export const AUX_COLUMNS = ['turnover', 'upper_limit', 'lower_limit'] as const;
export type AuxColumn = (typeof AUX_COLUMNS)[number];

/** What a frame may carry besides prices: aux columns and the TSE 33-sector code per row (for per-sector ranks). */
export interface FrameExtras {
  aux?: Partial<Record<AuxColumn, Float64Array>>;
  sector33?: Array<string | null>;
}

export interface PriceFrame extends PriceValues, FrameExtras {
  /** Distinct tickers, ascending. */
  tickers: string[];
  /** Rows of tickers[k] are tickerStart[k] … tickerStart[k+1]−1; length tickers.length + 1. */
  tickerStart: Int32Array;
  /** ISO session date per row (YYYY-MM-DD), strictly ascending within a ticker. */
  date: string[];
}

/** One bar as plain values; null is missing. */
export interface PriceRow {
  ticker: string;
  date: string;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number | null;
  volume: number | null;
}

/** Unsorted columns, as a reader collects them. */
export interface PriceColumns extends PriceValues, FrameExtras {
  ticker: string[];
  date: string[];
}

export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

export const rowCount = (frame: PriceFrame): number => frame.date.length;

/**
 * Sorts columns by ticker then date into a frame. Also returns `order`: frame row i came from input row
 * order[i], so a caller can carry columns of its own (a market section per row) along.
 * Code-unit order, not locale order: "130A" sorts after "1301", identically on every machine.
 * Throws FrameError for a repeated (ticker, date): which of the two bars is right cannot be decided here.
 */
export function frameFromColumns(cols: PriceColumns): { frame: PriceFrame; order: Int32Array } {
  const n = cols.ticker.length;
  for (const name of ['date', ...PRICE_COLUMNS] as const) {
    if (cols[name].length !== n) throw new FrameError(`column ${name} has ${cols[name].length} rows, ticker ${n}`);
  }
  const { ticker, date } = cols;
  const before = (a: number, b: number) =>
    ticker[a] < ticker[b] || (ticker[a] === ticker[b] && date[a] < date[b]);
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = before(i - 1, i);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  if (!sorted) {
    // A plain array sorts faster than an Int32Array with a comparator in V8.
    const idx = Array.from(order).sort((a, b) =>
      ticker[a] < ticker[b] ? -1 : ticker[a] > ticker[b] ? 1 : date[a] < date[b] ? -1 : date[a] > date[b] ? 1 : a - b);
    order.set(idx);
  }
  const frame: PriceFrame = {
    tickers: [], tickerStart: new Int32Array(0), date: new Array<string>(n),
    open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n),
  };
  const starts: number[] = [];
  for (let i = 0; i < n; i++) {
    const src = order[i];
    const t = ticker[src];
    frame.date[i] = date[src];
    if (i === 0 || t !== frame.tickers[frame.tickers.length - 1]) {
      frame.tickers.push(t);
      starts.push(i);
    } else if (date[src] === frame.date[i - 1]) {
      throw new FrameError(`ticker ${t} has two rows for ${date[src]}`);
    }
  }
  const reorder = (from: Float64Array, to: Float64Array) => {
    if (sorted) to.set(from);
    else for (let i = 0; i < n; i++) to[i] = from[order[i]];
  };
  for (const c of PRICE_COLUMNS) reorder(cols[c], frame[c]);
  for (const c of AUX_COLUMNS) {
    const from = cols.aux?.[c];
    if (!from) continue;
    if (from.length !== n) throw new FrameError(`column ${c} has ${from.length} rows, ticker ${n}`);
    reorder(from, ((frame.aux ??= {})[c] = new Float64Array(n)));
  }
  if (cols.sector33) {
    if (cols.sector33.length !== n) throw new FrameError(`column sector33 has ${cols.sector33.length} rows, ticker ${n}`);
    frame.sector33 = sorted ? cols.sector33.slice() : Array.from(order, (o) => cols.sector33![o]);
  }
  starts.push(n);
  frame.tickerStart = Int32Array.from(starts);
  return { frame, order };
}

export function frameFromRows(rows: readonly PriceRow[]): PriceFrame {
  const n = rows.length;
  const cols: PriceColumns = {
    ticker: new Array<string>(n), date: new Array<string>(n),
    open: new Float64Array(n), high: new Float64Array(n), low: new Float64Array(n), close: new Float64Array(n), volume: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    cols.ticker[i] = r.ticker;
    cols.date[i] = r.date;
    for (const c of PRICE_COLUMNS) cols[c][i] = r[c] ?? NaN;
  }
  return frameFromColumns(cols).frame;
}

export function rowsFromFrame(frame: PriceFrame): PriceRow[] {
  const rows: PriceRow[] = [];
  const value = (x: number) => (Number.isNaN(x) ? null : x);
  for (let k = 0; k < frame.tickers.length; k++) {
    for (let i = frame.tickerStart[k]; i < frame.tickerStart[k + 1]; i++) {
      rows.push({
        ticker: frame.tickers[k], date: frame.date[i], open: value(frame.open[i]), high: value(frame.high[i]),
        low: value(frame.low[i]), close: value(frame.close[i]), volume: value(frame.volume[i]),
      });
    }
  }
  return rows;
}

/** The ticker index of every row (for callers that want a per-row ticker column). */
export function tickerIndexOfRows(frame: PriceFrame): Int32Array {
  const out = new Int32Array(rowCount(frame));
  for (let k = 0; k < frame.tickers.length; k++) out.fill(k, frame.tickerStart[k], frame.tickerStart[k + 1]);
  return out;
}
