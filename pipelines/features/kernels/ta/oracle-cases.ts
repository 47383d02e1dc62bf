/**
 * The table of TA kernels with their TA-Lib equivalents, shared by the oracle and property tests (test
 * support only: imports the `talib` oracle through testing.ts).
 */
import {
  ad, adosc, adx, adxr, aroon, aroonosc, atr, bbands, bop, cci, cmo, dema, dmi, dx, ema, macd, mfi, minusDi, mom, natr, obv,
  plusDi, roc, rsi, sma, stddev, stoch, tema, trange, trix, ultosc, willr, wma,
} from './index';
import type { Bars, OracleCall } from './testing';

export interface Case {
  label: string;
  call: OracleCall;
  ours(b: Bars): Float64Array[];
}

const real = (fn: string, options: Record<string, number>, ours: (x: Float64Array) => Float64Array): Case => ({
  label: `${fn} ${JSON.stringify(options)}`,
  call: { fn, inputs: { real: 'close' }, options, outputs: ['outReal'] },
  ours: (b) => [ours(b.close)],
});
const hlc = (fn: string, options: Record<string, number>, ours: (b: Bars) => Float64Array): Case => ({
  label: `${fn} ${JSON.stringify(options)}`,
  call: { fn, inputs: { high: 'high', low: 'low', close: 'close' }, options, outputs: ['outReal'] },
  ours: (b) => [ours(b)],
});
const hlcv = { high: 'high', low: 'low', close: 'close', volume: 'volume' } as const;

export const CASES: Case[] = [
  real('SMA', { optInTimePeriod: 5 }, (x) => sma(x, 5)),
  real('SMA', { optInTimePeriod: 60 }, (x) => sma(x, 60)),
  real('EMA', { optInTimePeriod: 2 }, (x) => ema(x, 2)),
  real('EMA', { optInTimePeriod: 12 }, (x) => ema(x, 12)),
  real('EMA', { optInTimePeriod: 26 }, (x) => ema(x, 26)),
  real('EMA', { optInTimePeriod: 60 }, (x) => ema(x, 60)),
  real('WMA', { optInTimePeriod: 20 }, (x) => wma(x, 20)),
  real('WMA', { optInTimePeriod: 2 }, (x) => wma(x, 2)),
  real('DEMA', { optInTimePeriod: 20 }, (x) => dema(x, 20)),
  real('TEMA', { optInTimePeriod: 20 }, (x) => tema(x, 20)),
  real('TRIX', { optInTimePeriod: 15 }, (x) => trix(x, 15)),
  real('TRIX', { optInTimePeriod: 2 }, (x) => trix(x, 2)),
  real('RSI', { optInTimePeriod: 6 }, (x) => rsi(x, 6)),
  real('RSI', { optInTimePeriod: 24 }, (x) => rsi(x, 24)),
  real('STDDEV', { optInTimePeriod: 20, optInNbDev: 1 }, (x) => stddev(x, 20)),
  {
    label: 'BBANDS 20, 2, 2, SMA',
    call: { fn: 'BBANDS', inputs: { real: 'close' }, options: { optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 }, outputs: ['outRealUpperBand', 'outRealMiddleBand', 'outRealLowerBand'] },
    ours: (b) => { const r = bbands(b.close, 20, 2); return [r.upper, r.middle, r.lower]; },
  },
  {
    label: 'BBANDS 5, 1, 1, SMA',
    call: { fn: 'BBANDS', inputs: { real: 'close' }, options: { optInTimePeriod: 5, optInNbDevUp: 1, optInNbDevDn: 1, optInMAType: 0 }, outputs: ['outRealUpperBand', 'outRealMiddleBand', 'outRealLowerBand'] },
    ours: (b) => { const r = bbands(b.close, 5, 1); return [r.upper, r.middle, r.lower]; },
  },
  {
    label: 'MACD 12, 26, 9',
    call: { fn: 'MACD', inputs: { real: 'close' }, options: { optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 }, outputs: ['outMACD', 'outMACDSignal', 'outMACDHist'] },
    ours: (b) => { const r = macd(b.close, 12, 26, 9); return [r.macd, r.signal, r.hist]; },
  },
  {
    label: 'MACD 26, 12, 5 (swapped periods)',
    call: { fn: 'MACD', inputs: { real: 'close' }, options: { optInFastPeriod: 26, optInSlowPeriod: 12, optInSignalPeriod: 5 }, outputs: ['outMACD', 'outMACDSignal', 'outMACDHist'] },
    ours: (b) => { const r = macd(b.close, 26, 12, 5); return [r.macd, r.signal, r.hist]; },
  },
  real('ROC', { optInTimePeriod: 10 }, (x) => roc(x, 10)),
  real('ROC', { optInTimePeriod: 20 }, (x) => roc(x, 20)),
  real('MOM', { optInTimePeriod: 10 }, (x) => mom(x, 10)),
  real('CMO', { optInTimePeriod: 14 }, (x) => cmo(x, 14)),
  hlc('TRANGE', {}, (b) => trange(b.high, b.low, b.close)),
  hlc('ATR', { optInTimePeriod: 14 }, (b) => atr(b.high, b.low, b.close, 14)),
  hlc('ATR', { optInTimePeriod: 1 }, (b) => atr(b.high, b.low, b.close, 1)),
  hlc('NATR', { optInTimePeriod: 14 }, (b) => natr(b.high, b.low, b.close, 14)),
  hlc('WILLR', { optInTimePeriod: 14 }, (b) => willr(b.high, b.low, b.close, 14)),
  hlc('CCI', { optInTimePeriod: 14 }, (b) => cci(b.high, b.low, b.close, 14)),
  hlc('CCI', { optInTimePeriod: 20 }, (b) => cci(b.high, b.low, b.close, 20)),
  hlc('CCI', { optInTimePeriod: 40 }, (b) => cci(b.high, b.low, b.close, 40)),
  hlc('ADX', { optInTimePeriod: 14 }, (b) => adx(b.high, b.low, b.close, 14)),
  hlc('ADXR', { optInTimePeriod: 14 }, (b) => adxr(b.high, b.low, b.close, 14)),
  hlc('DX', { optInTimePeriod: 14 }, (b) => dx(b.high, b.low, b.close, 14)),
  hlc('PLUS_DI', { optInTimePeriod: 14 }, (b) => plusDi(b.high, b.low, b.close, 14)),
  hlc('MINUS_DI', { optInTimePeriod: 14 }, (b) => minusDi(b.high, b.low, b.close, 14)),
  ...(['PLUS_DI', 'MINUS_DI', 'DX', 'ADX', 'ADXR'] as const).map((fn, k): Case => ({
    label: `${fn} 5 from the one-pass dmi()`,
    call: { fn, inputs: { high: 'high', low: 'low', close: 'close' }, options: { optInTimePeriod: 5 }, outputs: ['outReal'] },
    ours: (b) => {
      const r = dmi(b.high, b.low, b.close, 5);
      return [[r.plusDi, r.minusDi, r.dx, r.adx, r.adxr][k]];
    },
  })),
  {
    label: 'STOCH 14, 3 SMA, 3 SMA',
    call: { fn: 'STOCH', inputs: { high: 'high', low: 'low', close: 'close' }, options: { optInFastK_Period: 14, optInSlowK_Period: 3, optInSlowK_MAType: 0, optInSlowD_Period: 3, optInSlowD_MAType: 0 }, outputs: ['outSlowK', 'outSlowD'] },
    ours: (b) => { const r = stoch(b.high, b.low, b.close, 14, 3, 3); return [r.k, r.d]; },
  },
  {
    label: 'STOCH 5, 1 SMA, 4 SMA',
    call: { fn: 'STOCH', inputs: { high: 'high', low: 'low', close: 'close' }, options: { optInFastK_Period: 5, optInSlowK_Period: 1, optInSlowK_MAType: 0, optInSlowD_Period: 4, optInSlowD_MAType: 0 }, outputs: ['outSlowK', 'outSlowD'] },
    ours: (b) => { const r = stoch(b.high, b.low, b.close, 5, 1, 4); return [r.k, r.d]; },
  },
  {
    label: 'AROON 25',
    call: { fn: 'AROON', inputs: { high: 'high', low: 'low' }, options: { optInTimePeriod: 25 }, outputs: ['outAroonUp', 'outAroonDown'] },
    ours: (b) => { const r = aroon(b.high, b.low, 25); return [r.up, r.down]; },
  },
  {
    label: 'AROONOSC 25 (aroon().osc and aroonosc())',
    call: { fn: 'AROONOSC', inputs: { high: 'high', low: 'low' }, options: { optInTimePeriod: 25 }, outputs: ['outReal', 'outReal'] },
    ours: (b) => [aroon(b.high, b.low, 25).osc, aroonosc(b.high, b.low, 25)],
  },
  {
    label: 'BOP',
    call: { fn: 'BOP', inputs: { open: 'open', high: 'high', low: 'low', close: 'close' }, outputs: ['outReal'] },
    ours: (b) => [bop(b.open, b.high, b.low, b.close)],
  },
  hlc('ULTOSC', { optInTimePeriod1: 7, optInTimePeriod2: 14, optInTimePeriod3: 28 }, (b) => ultosc(b.high, b.low, b.close, 7, 14, 28)),
  hlc('ULTOSC', { optInTimePeriod1: 20, optInTimePeriod2: 3, optInTimePeriod3: 9 }, (b) => ultosc(b.high, b.low, b.close, 20, 3, 9)),
  {
    label: 'MFI 14',
    call: { fn: 'MFI', inputs: hlcv, options: { optInTimePeriod: 14 }, outputs: ['outReal'] },
    ours: (b) => [mfi(b.high, b.low, b.close, b.volume, 14)],
  },
  {
    label: 'OBV',
    call: { fn: 'OBV', inputs: { real: 'close', volume: 'volume' }, outputs: ['outReal'] },
    ours: (b) => [obv(b.close, b.volume)],
  },
  {
    label: 'AD',
    call: { fn: 'AD', inputs: hlcv, outputs: ['outReal'] },
    ours: (b) => [ad(b.high, b.low, b.close, b.volume)],
  },
  {
    label: 'ADOSC 3, 10',
    call: { fn: 'ADOSC', inputs: hlcv, options: { optInFastPeriod: 3, optInSlowPeriod: 10 }, outputs: ['outReal'] },
    ours: (b) => [adosc(b.high, b.low, b.close, b.volume, 3, 10)],
  },
];


/** Re-runs a case with its first output in a caller buffer, using the kernel's own out parameter. */
export function callWithOut(c: Case, b: Bars, out: Float64Array): Float64Array {
  const fn = c.call.fn;
  const o = c.call.options ?? {};
  const p = o.optInTimePeriod;
  switch (fn) {
    case 'SMA': return sma(b.close, p, out);
    case 'EMA': return ema(b.close, p, out);
    case 'WMA': return wma(b.close, p, out);
    case 'DEMA': return dema(b.close, p, out);
    case 'TEMA': return tema(b.close, p, out);
    case 'TRIX': return trix(b.close, p, out);
    case 'RSI': return rsi(b.close, p, out);
    case 'STDDEV': return stddev(b.close, p, out);
    case 'BBANDS': return bbands(b.close, p, o.optInNbDevUp, out).upper;
    case 'MACD': return macd(b.close, o.optInFastPeriod, o.optInSlowPeriod, o.optInSignalPeriod, out).macd;
    case 'ROC': return roc(b.close, p, out);
    case 'MOM': return mom(b.close, p, out);
    case 'CMO': return cmo(b.close, p, out);
    case 'TRANGE': return trange(b.high, b.low, b.close, out);
    case 'ATR': return atr(b.high, b.low, b.close, p, out);
    case 'NATR': return natr(b.high, b.low, b.close, p, out);
    case 'WILLR': return willr(b.high, b.low, b.close, p, out);
    case 'CCI': return cci(b.high, b.low, b.close, p, out);
    case 'ADX': return c.label.includes('dmi') ? dmi(b.high, b.low, b.close, p, undefined, undefined, undefined, out).adx : adx(b.high, b.low, b.close, p, out);
    case 'ADXR': return c.label.includes('dmi') ? dmi(b.high, b.low, b.close, p, undefined, undefined, undefined, undefined, out).adxr : adxr(b.high, b.low, b.close, p, out);
    case 'DX': return c.label.includes('dmi') ? dmi(b.high, b.low, b.close, p, undefined, undefined, out).dx : dx(b.high, b.low, b.close, p, out);
    case 'PLUS_DI': return c.label.includes('dmi') ? dmi(b.high, b.low, b.close, p, out).plusDi : plusDi(b.high, b.low, b.close, p, out);
    case 'MINUS_DI': return c.label.includes('dmi') ? dmi(b.high, b.low, b.close, p, undefined, out).minusDi : minusDi(b.high, b.low, b.close, p, out);
    case 'STOCH': return stoch(b.high, b.low, b.close, o.optInFastK_Period, o.optInSlowK_Period, o.optInSlowD_Period, out).k;
    case 'AROON': return aroon(b.high, b.low, p, out).up;
    case 'AROONOSC': return aroon(b.high, b.low, p, undefined, undefined, out).osc;
    case 'BOP': return bop(b.open, b.high, b.low, b.close, out);
    case 'ULTOSC': return ultosc(b.high, b.low, b.close, o.optInTimePeriod1, o.optInTimePeriod2, o.optInTimePeriod3, out);
    case 'MFI': return mfi(b.high, b.low, b.close, b.volume, p, out);
    case 'OBV': return obv(b.close, b.volume, out);
    case 'AD': return ad(b.high, b.low, b.close, b.volume, out);
    case 'ADOSC': return adosc(b.high, b.low, b.close, b.volume, o.optInFastPeriod, o.optInSlowPeriod, out);
    default: throw new Error(`no out-parameter call for ${fn}`);
  }
}

