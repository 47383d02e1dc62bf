/**
 * A TOPIX-like market return built from the frame's own universe, for market-relative features (beta,
 * excess return, correlation with the market).
 *
 * Equal weight, not cap weight: TOPIX weights constituents by free-float market capitalisation, but shares
 * outstanding are not ingested, so cap weights cannot be formed. The equal-weighted mean of daily returns
 * tracks the breadth of the market rather than its largest names; it is what can be computed honestly from
 * prices alone.
 *
 * Every ticker with a valid return contributes, including the ticker whose feature is being computed: the
 * index is one series per date, identical for all rows of that date, like a published index that contains
 * the stock. (With ~4,000 names one ticker moves the mean by about 1/4,000 of its own return.)
 */

export interface MarketReturnOptions {
  /** Dates with fewer contributing tickers get NaN. Default 1. */
  minConstituents?: number;
}

/**
 * Equal-weighted daily market return per date.
 *
 * For each ticker (rows tickerStart[k] … tickerStart[k+1]−1, dates ascending) and each row t after its
 * first, the simple return close[t]/close[t−1] − 1 contributes to date dateIndex[t] when
 * - both closes are finite and positive (a zero or negative price is bad data, not a −100 % day), and
 * - the ticker's previous row is the previous date of the frame's date list (dateIndex[t−1] = dateIndex[t] − 1).
 *   A ticker back from a suspension or a hole in its data would otherwise add a multi-day return to a
 *   one-day mean, so it contributes again only from its second row after the gap. A new listing contributes
 *   from its second session. The date list is the union of all tickers' dates, so a market holiday is no gap.
 *
 * perDate[d] is the mean of the contributing returns (NaN when fewer than minConstituents contribute; the
 * first date never has any), constituents[d] how many contributed. Rows with dateIndex −1 are ignored.
 */
export function marketReturns(
  close: Float64Array, tickerStart: Int32Array, dateIndex: Int32Array, nDates: number, opts: MarketReturnOptions = {},
): { perDate: Float64Array; constituents: Int32Array } {
  const n = close.length;
  const minConstituents = opts.minConstituents ?? 1;
  if (!Number.isInteger(minConstituents) || minConstituents < 1) {
    throw new RangeError(`minConstituents must be an integer ≥ 1, got ${minConstituents}`);
  }
  if (!Number.isInteger(nDates) || nDates < 0) throw new RangeError(`nDates must be a non-negative integer, got ${nDates}`);
  if (dateIndex.length !== n) throw new RangeError(`dateIndex has ${dateIndex.length} rows, close ${n}`);
  const nTickers = tickerStart.length - 1;
  if (nTickers < 0 || tickerStart[0] !== 0 || tickerStart[nTickers] !== n) {
    throw new RangeError(`tickerStart must run from 0 to ${n}`);
  }
  const sum = new Float64Array(nDates);
  const constituents = new Int32Array(nDates);
  for (let k = 0; k < nTickers; k++) {
    const end = tickerStart[k + 1];
    for (let t = tickerStart[k] + 1; t < end; t++) {
      const d = dateIndex[t];
      if (d >= nDates) throw new RangeError(`dateIndex[${t}] = ${d} is outside 0..${nDates - 1}`);
      if (d <= 0 || dateIndex[t - 1] !== d - 1) continue;
      const prev = close[t - 1];
      const cur = close[t];
      // Also false for NaN and ±Infinity.
      if (!(prev > 0 && prev < Infinity && cur > 0 && cur < Infinity)) continue;
      sum[d] += cur / prev - 1;
      constituents[d]++;
    }
  }
  const perDate = new Float64Array(nDates);
  for (let d = 0; d < nDates; d++) perDate[d] = constituents[d] >= minConstituents ? sum[d] / constituents[d] : NaN;
  return { perDate, constituents };
}

/** Broadcasts a per-date series to rows: out[i] = perDate[dateIndex[i]], NaN for dateIndex −1. */
export function perRow(perDate: Float64Array, dateIndex: Int32Array): Float64Array {
  const out = new Float64Array(dateIndex.length);
  for (let i = 0; i < dateIndex.length; i++) {
    const d = dateIndex[i];
    out[i] = d >= 0 && d < perDate.length ? perDate[d] : NaN;
  }
  return out;
}
