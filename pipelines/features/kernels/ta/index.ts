/**
 * TA-Lib-exact indicator kernels over one ticker's history (Float64Array, NaN = missing; see ../runs.ts).
 * Single-output kernels take an optional output buffer and return it; multi-output kernels take all their
 * output buffers (optional each) and return them by name.
 */
export { ema, wma, dema, tema, trix } from './averages';
export { trange, atr, natr, stddev, bbands } from './volatility';
export { macd, roc, mom, cmo, bop, ultosc } from './momentum';
export { willr, stoch, cci, mfi } from './oscillators';
export { dmi, adx, adxr, dx, plusDi, minusDi, aroon, aroonosc } from './trend';
export { obv, ad, adosc } from './volume';
export { sma, volumeRatio } from '../sma';
export { rsi } from '../rsi';
