/**
 * Feature name → kernel, inputs and the facts the manifest must state (dtype, source, warmup, params).
 * Adding a feature is one entry here plus one in manifest.yaml; the manifest loader checks the two agree.
 * Names carry their parameters (rsi_14), so params are fixed per entry rather than read from the manifest.
 */
import type { PriceColumn } from './frame';
import { latestZScore, signSum } from './kernels/flows';
import { pctChange } from './kernels/returns';
import { rsi } from './kernels/rsi';
import { sma, volumeRatio } from './kernels/sma';

export const FEATURE_SOURCES = ['prices', 'volume', 'investor_types'] as const;
export type FeatureSource = (typeof FEATURE_SOURCES)[number];

/** The logical type; values are always held as Float64Array with NaN for missing (a nullable int32 too). */
export const FEATURE_DTYPES = ['float64', 'int32', 'bool'] as const;
export type FeatureDtype = (typeof FEATURE_DTYPES)[number];

export type FeatureParams = Readonly<Record<string, number | string | boolean>>;

interface FeatureCommon {
  name: string;
  dtype: FeatureDtype;
  source: FeatureSource;
  /** Rows of a ticker's own history before its first value (index of the first possible value). */
  warmup: number;
  params: FeatureParams;
}

/** Computed from a ticker's price columns, one call per ticker slice. */
export interface SeriesFeature extends FeatureCommon {
  kind: 'series';
  inputs: readonly PriceColumn[];
  /** inputs[i] is the slice of column `inputs[i]`; writes every row of `out`. */
  compute(inputs: readonly Float64Array[], out: Float64Array): void;
}

/** Computed per row from the weekly investor-flow series visible on that row's date (see FlowAccessor). */
export interface FlowFeature extends FeatureCommon {
  kind: 'flows';
  compute(series: Float64Array): number;
}

export type FeatureDef = SeriesFeature | FlowFeature;

const series = (
  name: string, source: FeatureSource, inputs: readonly PriceColumn[], params: FeatureParams, warmup: number,
  compute: SeriesFeature['compute'], dtype: FeatureDtype = 'float64',
): SeriesFeature => ({ kind: 'series', name, dtype, source, warmup, params, inputs, compute });

const flows = (name: string, params: FeatureParams, compute: FlowFeature['compute'], dtype: FeatureDtype = 'float64'): FlowFeature =>
  // No price history is needed: the weekly series arrives complete from the accessor.
  ({ kind: 'flows', name, dtype, source: 'investor_types', warmup: 0, params, compute });

const DEFINITIONS: FeatureDef[] = [
  series('returns_1d', 'prices', ['close'], { periods: 1 }, 1, ([close], out) => { pctChange(close, 1, out); }),
  series('returns_5d', 'prices', ['close'], { periods: 5 }, 5, ([close], out) => { pctChange(close, 5, out); }),
  series('rsi_14', 'prices', ['close'], { window: 14 }, 14, ([close], out) => { rsi(close, 14, out); }),
  series('sma_20', 'prices', ['close'], { window: 20 }, 19, ([close], out) => { sma(close, 20, out); }),
  series('vol_ratio_20', 'volume', ['volume'], { window: 20 }, 19, ([volume], out) => { volumeRatio(volume, 20, out); }),
  flows('foreign_z_5', { window: 5 }, (s) => latestZScore(s, 5)),
  flows('flow_persist_10', { window: 10 }, (s) => signSum(s, 10), 'int32'),
];

export const FEATURES: ReadonlyMap<string, FeatureDef> = new Map(DEFINITIONS.map((d) => [d.name, d]));

/** Longest history any flow feature reads: how many weekly observations a FlowAccessor should return. */
export const MAX_FLOW_OBSERVATIONS = 10;

export function featureDef(name: string): FeatureDef | undefined {
  return FEATURES.get(name);
}
