/**
 * Alpha158-style features (Qlib's KBAR, ROC/MA, STD, RANK, QTLU/QTLD, MAX/MIN, RSV, IMAX/IMIN, CORR/CORD,
 * VSTD) and the gogooku3 features around them: range-based volatility, 12-1 momentum, the 52-week high/low,
 * liquidity (turnover, Amihud), the market (beta, correlation, idiosyncratic volatility, excess return) and
 * the daily price-limit flags.
 *
 * Every value is a ratio, a return, a correlation, a z-score or a count, so none has a unit to rescale at a
 * split. Volatilities are per day (not annualised); daily returns are simple returns. warmup is the index
 * of the first value on a clean run: w − 1 for a window of w rows, w for a window of w daily returns (they
 * need the row before). Every kernel restarts after a missing input (kernels/runs.ts). The conventions
 * (population or sample std, tie rules, where a value is missing) are documented on each kernel.
 */
import { series, type FeatureParams, type FeatureSource, type SeriesFeature, type SeriesInput } from '../define';
import { closeToSma, gapOpen, klen, klow, klow2, kmid, kmid2, ksft, ksft2, kup, kup2, momentum, smaRatio } from '../kernels/candle';
import { flag, flagCount } from '../kernels/limits';
import { beta, corrWithMarket, excessReturn, idioVol } from '../kernels/market';
import { closeToHigh, closeToLow, imax, imin, maxRatio, minRatio, rollingQuantileRatio, rollingRank, rsv } from '../kernels/rolling';
import { volumeRatio } from '../kernels/sma';
import { downsideStd, garmanKlass, parkinson, rangeRatio, returnStd, rogersSatchell, volatilityRatio } from '../kernels/volatility';
import {
  amihud, corrCloseVolume, corrReturnVolumeChange, logMeanTurnover, logVolumeZ, meanTurnover, volumeStdRatio, vwapRatio,
  zeroVolumeDays,
} from '../kernels/volume';

const OHLC = ['open', 'high', 'low', 'close'] as const;
const noParams: FeatureParams = {};

/** A feature over one window of `window` rows (warmup window − 1) or daily returns (warmup window). */
const windowed = (
  name: string, source: FeatureSource, inputs: readonly SeriesInput[], window: number, onReturns: boolean,
  kernel: (inputs: readonly Float64Array[], window: number, out: Float64Array) => unknown, dtype: 'float64' | 'int32' = 'float64',
): SeriesFeature =>
  series(name, { source, inputs, params: { window }, warmup: onReturns ? window : window - 1, dtype }, (xs, out) => { kernel(xs, window, out); });

/** A bar-shape value: one row, no window. */
const bar = (name: string, kernel: (o: Float64Array, h: Float64Array, l: Float64Array, c: Float64Array, out: Float64Array) => unknown): SeriesFeature =>
  series(name, { source: 'prices', inputs: OHLC, params: noParams, warmup: 0 }, ([o, h, l, c], out) => { kernel(o, h, l, c, out); });

const quantileRatio = (name: string, window: number, q: number): SeriesFeature =>
  series(name, { source: 'prices', inputs: ['close'], params: { window, q }, warmup: window - 1 }, ([close], out) => { rollingQuantileRatio(close, window, q, out); });

const excess = (days: number): SeriesFeature =>
  series(`excess_return_${days}d`, { source: 'market', inputs: ['close', 'market_return'], params: { periods: days }, warmup: days }, ([c, m], out) => { excessReturn(c, m, days, out); });

export const QLIB_FEATURES: SeriesFeature[] = [
  // ---- trend ----
  series('momentum_250_20', { source: 'prices', inputs: ['close'], params: { long: 250, skip: 20 }, warmup: 250 }, ([close], out) => { momentum(close, 250, 20, out); }),
  windowed('close_to_sma_20', 'prices', ['close'], 20, false, ([c], w, out) => closeToSma(c, w, out)),
  series('sma_5_to_20', { source: 'prices', inputs: ['close'], params: { fast: 5, slow: 20 }, warmup: 19 }, ([close], out) => { smaRatio(close, 5, 20, out); }),

  // ---- volatility (per day) ----
  ...[20, 60].map((w) => windowed(`volatility_${w}`, 'prices', ['close'], w, true, ([c], n, out) => returnStd(c, n, out))),
  ...[20, 60].map((w) => windowed(`parkinson_${w}`, 'prices', ['high', 'low'], w, false, ([h, l], n, out) => parkinson(h, l, n, out))),
  windowed('garman_klass_20', 'prices', OHLC, 20, false, ([o, h, l, c], n, out) => garmanKlass(o, h, l, c, n, out)),
  windowed('rogers_satchell_20', 'prices', OHLC, 20, false, ([o, h, l, c], n, out) => rogersSatchell(o, h, l, c, n, out)),
  windowed('downside_vol_20', 'prices', ['close'], 20, true, ([c], n, out) => downsideStd(c, n, out)),
  windowed('range_ratio_20', 'prices', ['high', 'low', 'close'], 20, false, ([h, l, c], n, out) => rangeRatio(h, l, c, n, out)),
  series('vol_of_vol_5_20', { source: 'prices', inputs: ['close'], params: { short: 5, long: 20 }, warmup: 20 }, ([close], out) => { volatilityRatio(close, 5, 20, out); }),

  // ---- bar shape (KBAR) and the overnight gap ----
  bar('kmid', kmid), bar('klen', klen), bar('kmid2', kmid2),
  bar('kup', kup), bar('kup2', kup2), bar('klow', klow), bar('klow2', klow2),
  bar('ksft', ksft), bar('ksft2', ksft2),
  series('gap_open', { source: 'prices', inputs: ['open', 'close'], params: noParams, warmup: 1 }, ([o, c], out) => { gapOpen(o, c, out); }),

  // ---- position in the window ----
  ...[20, 60].map((w) => windowed(`rank_close_${w}`, 'prices', ['close'], w, false, ([c], n, out) => rollingRank(c, n, out))),
  quantileRatio('qtlu_20', 20, 0.8),
  quantileRatio('qtld_20', 20, 0.2),
  ...[20, 60].map((w) => windowed(`max_high_${w}`, 'prices', ['high', 'close'], w, false, ([h, c], n, out) => maxRatio(h, c, n, out))),
  ...[20, 60].map((w) => windowed(`min_low_${w}`, 'prices', ['low', 'close'], w, false, ([l, c], n, out) => minRatio(l, c, n, out))),
  ...[20, 60].map((w) => windowed(`rsv_${w}`, 'prices', ['high', 'low', 'close'], w, false, ([h, l, c], n, out) => rsv(h, l, c, n, out))),
  windowed('imax_20', 'prices', ['high'], 20, false, ([h], n, out) => imax(h, n, out)),
  windowed('imin_20', 'prices', ['low'], 20, false, ([l], n, out) => imin(l, n, out)),
  windowed('close_to_high_250', 'prices', ['close', 'high'], 250, false, ([c, h], n, out) => closeToHigh(c, h, n, out)),
  windowed('close_to_low_250', 'prices', ['close', 'low'], 250, false, ([c, l], n, out) => closeToLow(c, l, n, out)),

  // ---- volume and liquidity ----
  ...[5, 60].map((w) => windowed(`vol_ratio_${w}`, 'volume', ['volume'], w, false, ([v], n, out) => volumeRatio(v, n, out))),
  ...[20, 120].map((w) => windowed(`log_volume_z_${w}`, 'volume', ['volume'], w, false, ([v], n, out) => logVolumeZ(v, n, out))),
  windowed('turnover_20', 'turnover', ['turnover'], 20, false, ([tv], n, out) => meanTurnover(tv, n, out)),
  windowed('log_turnover_20', 'turnover', ['turnover'], 20, false, ([tv], n, out) => logMeanTurnover(tv, n, out)),
  windowed('amihud_20', 'turnover', ['close', 'turnover'], 20, true, ([c, tv], n, out) => amihud(c, tv, n, out)),
  series('vwap_ratio', { source: 'turnover', inputs: ['turnover', 'volume', 'close'], params: noParams, warmup: 0 }, ([tv, v, c], out) => { vwapRatio(tv, v, c, out); }),
  windowed('zero_volume_days_20', 'volume', ['volume'], 20, false, ([v], n, out) => zeroVolumeDays(v, n, out), 'int32'),
  windowed('volume_std_20', 'volume', ['volume'], 20, false, ([v], n, out) => volumeStdRatio(v, n, out)),
  windowed('corr_close_volume_20', 'volume', ['close', 'volume'], 20, false, ([c, v], n, out) => corrCloseVolume(c, v, n, out)),
  windowed('cord_20', 'volume', ['close', 'volume'], 20, true, ([c, v], n, out) => corrReturnVolumeChange(c, v, n, out)),

  // ---- the market (market_return: the universe's equal-weighted daily return) ----
  ...[60, 120].map((w) => windowed(`beta_${w}`, 'market', ['close', 'market_return'], w, true, ([c, m], n, out) => beta(c, m, n, out))),
  ...[20, 60].map((w) => windowed(`corr_mkt_${w}`, 'market', ['close', 'market_return'], w, true, ([c, m], n, out) => corrWithMarket(c, m, n, out))),
  windowed('idio_vol_60', 'market', ['close', 'market_return'], 60, true, ([c, m], n, out) => idioVol(c, m, n, out)),
  excess(5),
  excess(20),

  // ---- daily price limits ----
  series('limit_up', { source: 'limits', inputs: ['upper_limit'], params: noParams, warmup: 0, dtype: 'bool' }, ([x], out) => { flag(x, out); }),
  series('limit_down', { source: 'limits', inputs: ['lower_limit'], params: noParams, warmup: 0, dtype: 'bool' }, ([x], out) => { flag(x, out); }),
  windowed('limit_up_count_20', 'limits', ['upper_limit'], 20, false, ([x], n, out) => flagCount(x, n, out), 'int32'),
  windowed('limit_down_count_20', 'limits', ['lower_limit'], 20, false, ([x], n, out) => flagCount(x, n, out), 'int32'),
];
