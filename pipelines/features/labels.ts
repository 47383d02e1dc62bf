/**
 * Training labels: forward returns per ticker. They look into the future by construction, so the pipeline
 * stores them apart from the features and joins them only for training; nothing here is a feature input.
 *
 * Horizon {from, to}: label[t] = close[t+to] / close[t+from] − 1, counted in sessions. The default
 * target_1_2 (from 1, to 2) is the JPX Tokyo Stock Exchange Prediction convention: enter at the next
 * session's close, exit one session later, so a signal computed after t's close is tradeable.
 *
 * Availability: a label for t uses closes up to session t+to, so it is known only after the close of
 * session t+to. labelAvailableDate gives that date; a training set as of date D may use only labels whose
 * available date is <= D (otherwise the last `to` sessions leak the future into a backtest).
 */
import { FrameError, rowCount, type PriceFrame } from './frame';

export interface LabelHorizon {
  name: string;
  /** Sessions after t of the base close (0 = t's own close). */
  from: number;
  /** Sessions after t of the final close; > from. */
  to: number;
}

export const DEFAULT_HORIZONS: readonly LabelHorizon[] = [
  { name: 'target_1_2', from: 1, to: 2 },
  { name: 'fwd_return_1', from: 0, to: 1 },
];

export interface LabelOptions {
  horizons?: readonly LabelHorizon[];
  /**
   * All sessions in ascending order (the TSE calendar over the frame's range). A ticker without a row on
   * a session has no close there, so a label whose span crosses it is NaN rather than silently stretched
   * over more sessions. Default: the distinct dates of the frame (sessions on which any ticker traded).
   */
  sessions?: readonly string[];
}

export interface LabelColumns {
  /** One Float64Array per horizon, aligned with the frame's rows; NaN where the future is missing. */
  columns: Record<string, Float64Array>;
  /** Per horizon and row: the session after whose close the label is known; null where the label is NaN. */
  availableDate: Record<string, Array<string | null>>;
}

export function checkHorizons(horizons: readonly LabelHorizon[]): void {
  const seen = new Set<string>();
  for (const h of horizons) {
    if (!/^[a-z][a-z0-9_]*$/.test(h.name)) throw new RangeError(`label ${JSON.stringify(h.name)}: a label name is snake_case`);
    if (seen.has(h.name)) throw new RangeError(`label ${h.name} is defined twice`);
    seen.add(h.name);
    if (!Number.isInteger(h.from) || !Number.isInteger(h.to) || h.from < 0 || h.to <= h.from) {
      throw new RangeError(`label ${h.name}: need integers 0 <= from < to, got from ${h.from}, to ${h.to}`);
    }
  }
}

/** Session number of every row, from the session list (or the frame's own dates). */
function sessionNumbers(frame: PriceFrame, sessions?: readonly string[]): Int32Array {
  const list = sessions ?? [...new Set(frame.date)].sort();
  const index = new Map<string, number>();
  list.forEach((d, i) => index.set(d, i));
  const out = new Int32Array(rowCount(frame));
  for (let i = 0; i < out.length; i++) {
    const s = index.get(frame.date[i]);
    if (s === undefined) throw new FrameError(`row ${i} (${frame.date[i]}) is not in the session list`);
    out[i] = s;
  }
  return out;
}

export function computeLabels(frame: PriceFrame, options: LabelOptions = {}): LabelColumns {
  const horizons = options.horizons ?? DEFAULT_HORIZONS;
  checkHorizons(horizons);
  const n = rowCount(frame);
  const session = sessionNumbers(frame, options.sessions);
  const { close, date } = frame;
  const columns: Record<string, Float64Array> = {};
  const availableDate: Record<string, Array<string | null>> = {};
  for (const h of horizons) {
    const col = new Float64Array(n).fill(NaN);
    const avail = new Array<string | null>(n).fill(null);
    for (let k = 0; k < frame.tickers.length; k++) {
      const end = frame.tickerStart[k + 1];
      for (let t = frame.tickerStart[k]; t + h.to < end; t++) {
        // Rows are strictly ascending per ticker, so a span of exactly `to` sessions has no gap inside.
        if (session[t + h.to] - session[t] !== h.to) continue;
        const base = close[t + h.from];
        const value = close[t + h.to] / base - 1;
        if (base !== 0 && value - value === 0) {
          col[t] = value;
          avail[t] = date[t + h.to];
        }
      }
    }
    columns[h.name] = col;
    availableDate[h.name] = avail;
  }
  return { columns, availableDate };
}

/**
 * The session after whose close a label of session `date` for `horizon` is known: `to` sessions later in
 * `sessions` (ascending, e.g. TseCalendar.sessions over the range). null when the list ends first.
 * computeLabels' availableDate agrees with this wherever its label is defined.
 */
export function labelAvailableDate(date: string, horizon: LabelHorizon, sessions: readonly string[]): string | null {
  let lo = 0;
  let hi = sessions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sessions[mid] < date) lo = mid + 1;
    else hi = mid;
  }
  if (sessions[lo] !== date) throw new RangeError(`${date} is not in the session list`);
  return sessions[lo + horizon.to] ?? null;
}
