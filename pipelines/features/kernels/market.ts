/**
 * The ticker against the market. Two inputs: the ticker's close and `marketReturn`, the market index's daily
 * simple return aligned to the ticker's rows (NaN when unknown). The ticker's return is the simple daily
 * return r_t = close[t]/close[t−1] − 1, the same convention as the index return it is compared with.
 *
 * Missing values follow runs.ts: a pair (r_t, m_t) needs close[t−1], close[t] and m_t; a missing value on
 * either side restarts the window. So a window of w return pairs first fills at index w of a run of closes
 * (the run's first row only supplies close[t−1], so its market return is not needed: the index has no
 * return on the first date of a frame, and a ticker starting there still has its first value at w).
 */
import { checkPeriod, forEachRun, outputFor } from './runs';
import { finiteOr, forEachWindowCov } from './rolling';

const { sqrt } = Math;

/** r_t where rows t−1 and t are one joint run, else NaN (a zero previous close is NaN too). */
function tickerReturns(close: Float64Array, marketReturn: Float64Array): Float64Array {
  if (marketReturn.length !== close.length) throw new RangeError('market kernels: close and marketReturn differ in length');
  const r = new Float64Array(close.length).fill(NaN);
  forEachRun(close, (start, end) => {
    for (let t = start + 1; t < end; t++) {
      const m = marketReturn[t];
      if (m - m === 0) r[t] = finiteOr(close[t] / close[t - 1] - 1);
    }
  });
  return r;
}

/**
 * Runs fn over the co-moments of (r, m) on every window of w return pairs. Where r is finite m is too, so
 * runs of r are the joint runs.
 */
function forEachPairWindow(
  close: Float64Array, marketReturn: Float64Array, w: number,
  fn: (t: number, srr: number, smm: number, srm: number) => void,
): void {
  const r = tickerReturns(close, marketReturn);
  forEachRun(r, (start, end) => forEachWindowCov(r, marketReturn, w, start, end, (t, _mr, _mm, srr, smm, srm) => fn(t, srr, smm, srm)));
}

/**
 * OLS beta of the ticker's daily return on the market's over the last w pairs: cov(r, m) / var(m) (the
 * divisor cancels). NaN when the market return is constant over the window. First value at index w.
 */
export function beta(close: Float64Array, marketReturn: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('beta', w, 2);
  const o = outputFor(close.length, out);
  forEachPairWindow(close, marketReturn, w, (t, _srr, smm, srm) => { if (smm > 0) o[t] = srm / smm; });
  return o;
}

/** Pearson correlation of r and m over the last w pairs; NaN when either is constant. First value at index w. */
export function corrWithMarket(close: Float64Array, marketReturn: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('corrWithMarket', w, 2);
  const o = outputFor(close.length, out);
  forEachPairWindow(close, marketReturn, w, (t, srr, smm, srm) => {
    if (srr > 0 && smm > 0) {
      const c = srm / sqrt(srr * smm);
      o[t] = c > 1 ? 1 : c < -1 ? -1 : c;
    }
  });
  return o;
}

/**
 * Idiosyncratic volatility: the sample std (ddof 1) of the residuals r − β·m of the window's own beta, i.e.
 * sqrt((Σ(r − r̄)² − β·Σ(r − r̄)(m − m̄)) / (w − 1)). The residual's mean (the regression's intercept) does not
 * change its std. ddof 1 matches returnStd, so idio_vol_w = volatility_w · √(1 − ρ²) with ρ = corr_mkt_w
 * whenever the two see the same rows: the two are directly comparable (the regression's own w − 2 would
 * break that for a difference of 1/w). NaN when the market return is constant. First value at index w.
 * Computed from the co-moments, so a nearly perfect fit (|ρ| → 1, or w = 2, where any two points fit) leaves
 * a residual sum of rounding size: its square root is about 1e-8 × the ticker's volatility, not 0.
 */
export function idioVol(close: Float64Array, marketReturn: Float64Array, w: number, out?: Float64Array): Float64Array {
  checkPeriod('idioVol', w, 2);
  const o = outputFor(close.length, out);
  forEachPairWindow(close, marketReturn, w, (t, srr, smm, srm) => {
    if (!(smm > 0)) return;
    const ssr = srr - (srm * srm) / smm;
    o[t] = sqrt((ssr > 0 ? ssr : 0) / (w - 1));
  });
  return o;
}

/**
 * Return over k sessions in excess of the market's compounded over the same rows:
 * (close[t]/close[t−k] − 1) − (Π_{i=t−k+1..t} (1 + m_i) − 1). Compounding makes it the difference of two
 * holding-period returns, like returns_Nd. O(k) per row (k is 5 or 20). First value at index k; closes
 * t−k..t must be one run and the market returns t−k+1..t known.
 */
export function excessReturn(close: Float64Array, marketReturn: Float64Array, k: number, out?: Float64Array): Float64Array {
  checkPeriod('excessReturn', k);
  if (marketReturn.length !== close.length) throw new RangeError('excessReturn: close and marketReturn differ in length');
  const o = outputFor(close.length, out);
  forEachRun(close, (start, end) => {
    for (let t = start + k; t < end; t++) {
      let growth = 1;
      for (let i = t - k + 1; i <= t; i++) growth *= 1 + marketReturn[i];
      // A missing market return makes growth NaN, and so the row.
      o[t] = finiteOr(close[t] / close[t - k] - growth);
    }
  });
  return o;
}
