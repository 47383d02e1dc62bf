/**
 * Technical indicators with TA-Lib's definitions and default conventions (kernels/ta): moving averages,
 * volatility, momentum and oscillators, trend strength and volume accumulators. warmup is TA-Lib's lookback,
 * the index of the first value on a clean run; every kernel restarts after a missing input (kernels/runs.ts).
 * Kernels that share one pass (Bollinger Bands, MACD, the directional movement family, the stochastic,
 * Aroon) are one group each.
 */
import { series, seriesGroup, type FeatureParams, type SeriesFeature } from '../define';
import { rsi } from '../kernels/rsi';
import { sma } from '../kernels/sma';
import {
  ad, adosc, aroon, atr, bbands, bop, cci, cmo, dema, dmi, ema, macd, mfi, mom, natr, obv, roc, stddev, stoch, tema, trange, trix,
  ultosc, willr, wma,
} from '../kernels/ta';

const CLOSE = ['close'] as const;
const HLC = ['high', 'low', 'close'] as const;
const HLCV = ['high', 'low', 'close', 'volume'] as const;

/** A price-in, one-output indicator of one window. */
const onClose = (
  name: string, window: number, warmup: number, kernel: (x: Float64Array, period: number, out: Float64Array) => unknown, unit?: 'price',
): SeriesFeature =>
  series(name, { source: 'prices', inputs: CLOSE, params: { window }, warmup, unit }, ([close], out) => { kernel(close, window, out); });

const onHlc = (
  name: string, window: number, warmup: number,
  kernel: (h: Float64Array, l: Float64Array, c: Float64Array, period: number, out: Float64Array) => unknown, unit?: 'price',
): SeriesFeature =>
  series(name, { source: 'prices', inputs: HLC, params: { window }, warmup, unit }, ([h, l, c], out) => { kernel(h, l, c, window, out); });

const noParams: FeatureParams = {};

export const TA_FEATURES: SeriesFeature[] = [
  // ---- averages (price units) ----
  ...[5, 20, 60].map((w) => onClose(`sma_${w}`, w, w - 1, sma, 'price')),
  ...[12, 20, 26, 60].map((w) => onClose(`ema_${w}`, w, w - 1, ema, 'price')),
  onClose('wma_20', 20, 19, wma, 'price'),
  onClose('dema_20', 20, 2 * 19, dema, 'price'),
  onClose('tema_20', 20, 3 * 19, tema, 'price'),
  onClose('trix_15', 15, 3 * 14 + 1, trix),

  // ---- volatility ----
  series('trange', { source: 'prices', inputs: HLC, params: noParams, warmup: 1, unit: 'price' }, ([h, l, c], out) => { trange(h, l, c, out); }),
  onHlc('atr_14', 14, 14, atr, 'price'),
  onHlc('natr_14', 14, 14, natr),
  onClose('stddev_20', 20, 19, stddev, 'price'),
  ...seriesGroup(
    ['bb_upper_20', 'bb_middle_20', 'bb_lower_20'],
    { source: 'prices', inputs: CLOSE, params: { window: 20, nbdev: 2 }, warmup: 19, unit: 'price' },
    ([close], [upper, middle, lower]) => { bbands(close, 20, 2, upper, middle, lower); },
  ),

  // ---- momentum ----
  ...seriesGroup(
    ['macd', 'macd_signal', 'macd_hist'],
    { source: 'prices', inputs: CLOSE, params: { fast: 12, slow: 26, signal: 9 }, warmup: 33, unit: 'price' },
    ([close], [line, signal, hist]) => { macd(close, 12, 26, 9, line, signal, hist); },
  ),
  onClose('roc_10', 10, 10, roc),
  onClose('roc_20', 20, 20, roc),
  onClose('mom_10', 10, 10, mom, 'price'),
  onClose('cmo_14', 14, 14, cmo),
  onClose('rsi_6', 6, 6, rsi),
  onClose('rsi_24', 24, 24, rsi),
  series('bop', { source: 'prices', inputs: ['open', 'high', 'low', 'close'], params: noParams, warmup: 0 }, ([o, h, l, c], out) => { bop(o, h, l, c, out); }),
  series(
    'ultosc_7_14_28', { source: 'prices', inputs: HLC, params: { window1: 7, window2: 14, window3: 28 }, warmup: 28 },
    ([h, l, c], out) => { ultosc(h, l, c, 7, 14, 28, out); },
  ),

  // ---- oscillators ----
  onHlc('willr_14', 14, 13, willr),
  onHlc('cci_14', 14, 13, cci),
  onHlc('cci_20', 20, 19, cci),
  ...seriesGroup(
    ['stoch_k_14', 'stoch_d_14'],
    { source: 'prices', inputs: HLC, params: { fastk_period: 14, slowk_period: 3, slowd_period: 3 }, warmup: 17 },
    ([h, l, c], [k, d]) => { stoch(h, l, c, 14, 3, 3, k, d); },
  ),
  series('mfi_14', { source: 'volume', inputs: HLCV, params: { window: 14 }, warmup: 14 }, ([h, l, c, v], out) => { mfi(h, l, c, v, 14, out); }),

  // ---- trend strength ----
  ...seriesGroup(
    ['plus_di_14', 'minus_di_14', 'dx_14', { name: 'adx_14', warmup: 27 }, { name: 'adxr_14', warmup: 40 }],
    { source: 'prices', inputs: HLC, params: { window: 14 }, warmup: 14 },
    ([h, l, c], [plusDi, minusDi, dx, adx, adxr]) => { dmi(h, l, c, 14, plusDi, minusDi, dx, adx, adxr); },
  ),
  ...seriesGroup(
    ['aroon_up_25', 'aroon_down_25', 'aroonosc_25'],
    { source: 'prices', inputs: ['high', 'low'], params: { window: 25 }, warmup: 25 },
    ([h, l], [up, down, osc]) => { aroon(h, l, 25, up, down, osc); },
  ),

  // ---- volume accumulators (volume units) ----
  series('obv', { source: 'volume', inputs: ['close', 'volume'], params: noParams, warmup: 0, unit: 'volume' }, ([c, v], out) => { obv(c, v, out); }),
  series('ad', { source: 'volume', inputs: HLCV, params: noParams, warmup: 0, unit: 'volume' }, ([h, l, c, v], out) => { ad(h, l, c, v, out); }),
  series(
    'adosc_3_10', { source: 'volume', inputs: HLCV, params: { fast: 3, slow: 10 }, warmup: 9, unit: 'volume' },
    ([h, l, c, v], out) => { adosc(h, l, c, v, 3, 10, out); },
  ),
];
