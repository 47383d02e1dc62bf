/** The first features of the platform: returns over several horizons, RSI(14), volume ratio. */
import { series, type SeriesFeature } from '../define';
import { pctChange } from '../kernels/returns';
import { rsi } from '../kernels/rsi';
import { volumeRatio } from '../kernels/sma';

const returns = (days: number): SeriesFeature =>
  series(`returns_${days}d`, { source: 'prices', inputs: ['close'], params: { periods: days }, warmup: days }, ([close], out) => { pctChange(close, days, out); });

export const CORE_FEATURES: SeriesFeature[] = [
  ...[1, 5, 10, 20, 60, 120].map(returns),
  series('rsi_14', { source: 'prices', inputs: ['close'], params: { window: 14 }, warmup: 14 }, ([close], out) => { rsi(close, 14, out); }),
  series('vol_ratio_20', { source: 'volume', inputs: ['volume'], params: { window: 20 }, warmup: 19 }, ([volume], out) => { volumeRatio(volume, 20, out); }),
];
