/**
 * The feature definitions of defs/ta.ts and their manifest fragment: each feature, computed through its
 * definition as the engine would (group compute over column slices), equals the TA-Lib function it names,
 * its warmup is TA-Lib's lookback, and the fragment states the same facts as the definitions.
 */
import { loadManifest } from '../../manifest';
import { TA_FEATURES } from '../../defs/ta';
import type { SeriesFeature } from '../../define';
import { type Bars, type OracleCall, expectClose, lookback, mapBars, oracle, walk } from './testing';

const NAMES = [
  'sma_5', 'sma_20', 'sma_60', 'ema_12', 'ema_20', 'ema_26', 'ema_60', 'wma_20', 'dema_20', 'tema_20', 'trix_15', 'trange', 'atr_14',
  'natr_14', 'stddev_20', 'bb_upper_20', 'bb_middle_20', 'bb_lower_20', 'macd', 'macd_signal', 'macd_hist', 'roc_10', 'roc_20',
  'mom_10', 'cmo_14', 'willr_14', 'cci_14', 'cci_20', 'adx_14', 'adxr_14', 'dx_14', 'plus_di_14', 'minus_di_14', 'stoch_k_14',
  'stoch_d_14', 'aroon_up_25', 'aroon_down_25', 'aroonosc_25', 'bop', 'ultosc_7_14_28', 'mfi_14', 'obv', 'ad', 'adosc_3_10', 'rsi_6',
  'rsi_24',
];

const real = (fn: string, optInTimePeriod?: number, extra: Record<string, number> = {}, output = 'outReal'): [OracleCall, string] =>
  [{ fn, inputs: { real: 'close' }, options: optInTimePeriod === undefined ? extra : { optInTimePeriod, ...extra }, outputs: [output] }, output];
const hlc = (fn: string, options: Record<string, number> = {}, output = 'outReal'): [OracleCall, string] =>
  [{ fn, inputs: { high: 'high', low: 'low', close: 'close' }, options, outputs: [output] }, output];
const hlcv = (fn: string, options: Record<string, number> = {}): [OracleCall, string] =>
  [{ fn, inputs: { high: 'high', low: 'low', close: 'close', volume: 'volume' }, options, outputs: ['outReal'] }, 'outReal'];
const BB = { optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 };
const MACD = { optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 };
const STOCH = { optInFastK_Period: 14, optInSlowK_Period: 3, optInSlowK_MAType: 0, optInSlowD_Period: 3, optInSlowD_MAType: 0 };

/** The TA-Lib call each feature is, with TA-Lib's default options spelled out. */
const ORACLE: Record<string, [OracleCall, string]> = {
  sma_5: real('SMA', 5), sma_20: real('SMA', 20), sma_60: real('SMA', 60),
  ema_12: real('EMA', 12), ema_20: real('EMA', 20), ema_26: real('EMA', 26), ema_60: real('EMA', 60),
  wma_20: real('WMA', 20), dema_20: real('DEMA', 20), tema_20: real('TEMA', 20), trix_15: real('TRIX', 15),
  trange: hlc('TRANGE'), atr_14: hlc('ATR', { optInTimePeriod: 14 }), natr_14: hlc('NATR', { optInTimePeriod: 14 }),
  stddev_20: real('STDDEV', 20, { optInNbDev: 1 }),
  bb_upper_20: real('BBANDS', 20, BB, 'outRealUpperBand'), bb_middle_20: real('BBANDS', 20, BB, 'outRealMiddleBand'),
  bb_lower_20: real('BBANDS', 20, BB, 'outRealLowerBand'),
  macd: real('MACD', undefined, MACD, 'outMACD'), macd_signal: real('MACD', undefined, MACD, 'outMACDSignal'),
  macd_hist: real('MACD', undefined, MACD, 'outMACDHist'),
  roc_10: real('ROC', 10), roc_20: real('ROC', 20), mom_10: real('MOM', 10), cmo_14: real('CMO', 14),
  willr_14: hlc('WILLR', { optInTimePeriod: 14 }), cci_14: hlc('CCI', { optInTimePeriod: 14 }), cci_20: hlc('CCI', { optInTimePeriod: 20 }),
  adx_14: hlc('ADX', { optInTimePeriod: 14 }), adxr_14: hlc('ADXR', { optInTimePeriod: 14 }), dx_14: hlc('DX', { optInTimePeriod: 14 }),
  plus_di_14: hlc('PLUS_DI', { optInTimePeriod: 14 }), minus_di_14: hlc('MINUS_DI', { optInTimePeriod: 14 }),
  stoch_k_14: hlc('STOCH', STOCH, 'outSlowK'), stoch_d_14: hlc('STOCH', STOCH, 'outSlowD'),
  aroon_up_25: [{ fn: 'AROON', inputs: { high: 'high', low: 'low' }, options: { optInTimePeriod: 25 }, outputs: ['outAroonUp'] }, 'outAroonUp'],
  aroon_down_25: [{ fn: 'AROON', inputs: { high: 'high', low: 'low' }, options: { optInTimePeriod: 25 }, outputs: ['outAroonDown'] }, 'outAroonDown'],
  aroonosc_25: [{ fn: 'AROONOSC', inputs: { high: 'high', low: 'low' }, options: { optInTimePeriod: 25 }, outputs: ['outReal'] }, 'outReal'],
  bop: [{ fn: 'BOP', inputs: { open: 'open', high: 'high', low: 'low', close: 'close' }, outputs: ['outReal'] }, 'outReal'],
  ultosc_7_14_28: hlc('ULTOSC', { optInTimePeriod1: 7, optInTimePeriod2: 14, optInTimePeriod3: 28 }),
  mfi_14: hlcv('MFI', { optInTimePeriod: 14 }),
  obv: [{ fn: 'OBV', inputs: { real: 'close', volume: 'volume' }, outputs: ['outReal'] }, 'outReal'],
  ad: hlcv('AD'), adosc_3_10: hlcv('ADOSC', { optInFastPeriod: 3, optInSlowPeriod: 10 }),
  rsi_6: real('RSI', 6), rsi_24: real('RSI', 24),
};

/** The feature's column as the engine computes it: its group's compute over the ticker's column slices. */
function computeFeature(def: SeriesFeature, bars: Bars): Float64Array {
  const n = bars.close.length;
  const inputs = def.inputs.map((name) => {
    if (!(name in bars)) throw new Error(`${def.name}: input ${name} is not a price column`);
    return bars[name as keyof Bars];
  });
  const outs = def.group.outputs.map(() => new Float64Array(n).fill(7));
  def.group.compute(inputs, outs);
  return outs[def.output];
}

describe('defs/ta.ts', () => {
  it('defines exactly the TA feature set', () => {
    expect(TA_FEATURES.map((d) => d.name).sort()).toEqual([...NAMES].sort());
  });

  it.each(TA_FEATURES.map((d) => [d.name, d] as const))('%s equals its TA-Lib function, and warmup is TA-Lib\'s lookback', (name, def) => {
    const [call] = ORACLE[name];
    expect(def.warmup).toBe(lookback(call));
    const bars = walk(800, 21);
    expectClose(computeFeature(def, bars), oracle(call, bars)[0], 1e-10, name);
    // And on a series with gaps, run by run.
    const gappy = mapBars(walk(800, 22), (x, col) => { const y = x.slice(); if (col === 'close' || col === 'volume') y.fill(NaN, 300, 303); return y; });
    expectClose(computeFeature(def, gappy), oracle(call, gappy)[0], 1e-10, name);
  });

  it('units, sources, dtypes: price units for price-valued indicators, volume units for the accumulators', () => {
    const PRICE = ['sma_5', 'sma_20', 'sma_60', 'ema_12', 'ema_20', 'ema_26', 'ema_60', 'wma_20', 'dema_20', 'tema_20', 'trange', 'atr_14',
      'stddev_20', 'bb_upper_20', 'bb_middle_20', 'bb_lower_20', 'macd', 'macd_signal', 'macd_hist', 'mom_10'];
    const VOLUME = ['obv', 'ad', 'adosc_3_10'];
    for (const d of TA_FEATURES) {
      expect([d.name, d.unit]).toEqual([d.name, PRICE.includes(d.name) ? 'price' : VOLUME.includes(d.name) ? 'volume' : undefined]);
      expect([d.name, d.source]).toEqual([d.name, d.inputs.includes('volume') ? 'volume' : 'prices']);
      expect(d.dtype).toBe('float64');
    }
  });
});

describe('the manifest lists every TA feature as active (loadManifest checks dtype, source, warmup, params)', () => {
  const manifest = loadManifest();

  it.each(TA_FEATURES.map((d) => [d.name] as const))('%s', (name) => {
    const entry = manifest.features.find((f) => f.name === name);
    expect(entry?.status).toBe('active');
    expect(entry?.description).toMatch(/\S/);
  });
});
