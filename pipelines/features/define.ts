/**
 * The vocabulary of feature definitions: what a feature reads, how it is computed, and the facts the
 * manifest must state about it (dtype, source, warmup, params). Families of features live in defs/*.ts and
 * are collected by registry.ts; adding a feature is one definition there plus one entry in manifest.yaml.
 */
import type { CrossSectionSpec } from './cross-section';

/** Where a feature's inputs come from; the manifest's `source` field. */
export const FEATURE_SOURCES = ['prices', 'volume', 'turnover', 'limits', 'market', 'investor_types', 'cross_section'] as const;
export type FeatureSource = (typeof FEATURE_SOURCES)[number];

/** The logical type; values are always held as Float64Array with NaN for missing (int32 and bool too). */
export const FEATURE_DTYPES = ['float64', 'int32', 'bool'] as const;
export type FeatureDtype = (typeof FEATURE_DTYPES)[number];

export type FeatureParams = Readonly<Record<string, number | string | boolean>>;

/**
 * Per-row inputs a series kernel can read. Prices and volume are split-adjusted; turnover is the traded
 * value in yen (not affected by splits); upper_limit/lower_limit are 0/1 price-limit flags; market_return is
 * the daily return of the equal-weighted index of the frame's universe on the row's date (market-index.ts),
 * computed by the engine when a feature asks for it.
 */
export const SERIES_INPUTS = ['open', 'high', 'low', 'close', 'volume', 'turnover', 'upper_limit', 'lower_limit', 'market_return'] as const;
export type SeriesInput = (typeof SERIES_INPUTS)[number];

/**
 * Values measured in price units (an SMA, an ATR) or volume units (OBV) change meaning at a split. The
 * pipeline computes over history adjusted to the latest split and then rescales these back to the row's
 * own share units, so a later split never changes a stored value. Ratios and oscillators have no unit.
 */
export type FeatureUnit = 'price' | 'volume';

interface FeatureCommon {
  name: string;
  dtype: FeatureDtype;
  source: FeatureSource;
  /** Rows of a ticker's own history before its first value (the index of the first possible value, TA-Lib's lookback). */
  warmup: number;
  params: FeatureParams;
  unit?: FeatureUnit;
}

/**
 * Kernels that share one pass (Bollinger's three bands, MACD's three lines) form one group: the engine runs
 * compute once per ticker and keeps the outputs that were asked for.
 */
export interface SeriesGroup {
  id: string;
  inputs: readonly SeriesInput[];
  outputs: readonly string[];
  /** inputs[i] and outs[j] are one ticker's slices; compute writes every row of every out (NaN where no value). */
  compute(inputs: readonly Float64Array[], outs: readonly Float64Array[]): void;
}

/** Computed from one ticker's history, one call per ticker. */
export interface SeriesFeature extends FeatureCommon {
  kind: 'series';
  inputs: readonly SeriesInput[];
  group: SeriesGroup;
  /** This feature's position in group.outputs. */
  output: number;
}

/** The weekly investor-type series a flow feature reads (a column of validated_investor_types). */
export const FLOW_SERIES = ['foreigners_balance', 'individuals_balance', 'trust_banks_balance', 'investment_trusts_balance'] as const;
export type FlowSeries = (typeof FLOW_SERIES)[number];

/** Computed per row from a weekly investor-flow series as visible on that row's session (see FlowAccessor). */
export interface FlowFeature extends FeatureCommon {
  kind: 'flows';
  series: FlowSeries;
  compute(weeks: Float64Array): number;
}

/** Per date (or per date and sector33) over another feature's values: statistics never cross a date. */
export interface CrossSectionFeature extends FeatureCommon {
  kind: 'cross_section';
  /** The feature transformed; computed even when not itself requested. */
  base: string;
  by: 'date' | 'date_sector33';
  spec: CrossSectionSpec;
}

export type FeatureDef = SeriesFeature | FlowFeature | CrossSectionFeature;

export interface SeriesSpec {
  source: FeatureSource;
  inputs: readonly SeriesInput[];
  params: FeatureParams;
  /** Index of the first possible value on a clean run (TA-Lib's lookback for TA-Lib indicators). */
  warmup: number;
  /** Default float64. */
  dtype?: FeatureDtype;
  /** Default none (a ratio, an oscillator, a count). */
  unit?: FeatureUnit;
}

/** One feature from one kernel: `compute(inputs, out)` with inputs in the order of spec.inputs. */
export function series(name: string, spec: SeriesSpec, compute: (inputs: readonly Float64Array[], out: Float64Array) => void): SeriesFeature {
  const group: SeriesGroup = { id: name, inputs: spec.inputs, outputs: [name], compute: (inputs, outs) => compute(inputs, outs[0]) };
  return { kind: 'series', name, dtype: spec.dtype ?? 'float64', source: spec.source, warmup: spec.warmup, params: spec.params, unit: spec.unit, inputs: spec.inputs, group, output: 0 };
}

export interface GroupOutput {
  name: string;
  /** Overrides the group's spec for this output. */
  warmup?: number;
  dtype?: FeatureDtype;
  unit?: FeatureUnit | null;
  params?: FeatureParams;
}

/**
 * Several features from one kernel pass: `compute(inputs, outs)` with outs in the order of `outputs`.
 * Each output may override warmup, dtype, unit or params (e.g. a signal line that starts later).
 */
export function seriesGroup(
  outputs: ReadonlyArray<string | GroupOutput>, spec: SeriesSpec,
  compute: (inputs: readonly Float64Array[], outs: readonly Float64Array[]) => void,
): SeriesFeature[] {
  const outs = outputs.map((o) => (typeof o === 'string' ? { name: o } : o));
  const group: SeriesGroup = { id: outs.map((o) => o.name).join('+'), inputs: spec.inputs, outputs: outs.map((o) => o.name), compute };
  return outs.map((o, i): SeriesFeature => ({
    kind: 'series', name: o.name, dtype: o.dtype ?? spec.dtype ?? 'float64', source: spec.source,
    warmup: o.warmup ?? spec.warmup, params: o.params ?? spec.params,
    unit: o.unit === null ? undefined : (o.unit ?? spec.unit), inputs: spec.inputs, group, output: i,
  }));
}

/** A feature of one weekly investor-type series; no price history is needed, so warmup is 0. */
export function flows(name: string, series: FlowSeries, params: FeatureParams, compute: (weeks: Float64Array) => number, dtype: FeatureDtype = 'float64'): FlowFeature {
  return { kind: 'flows', name, dtype, source: 'investor_types', warmup: 0, params, series, compute };
}

/**
 * A per-date transform of `base`. warmup must equal the base's (checked by the registry): a row has a value
 * from the base's first value on.
 */
export function crossSection(name: string, spec: { base: string; by: 'date' | 'date_sector33'; transform: CrossSectionSpec; warmup: number; dtype?: FeatureDtype }): CrossSectionFeature {
  const params: Record<string, number | string | boolean> = { base: spec.base, by: spec.by, transform: spec.transform.transform };
  if ('clip' in spec.transform && spec.transform.clip !== undefined) params.clip = spec.transform.clip;
  return { kind: 'cross_section', name, dtype: spec.dtype ?? 'float64', source: 'cross_section', warmup: spec.warmup, params, base: spec.base, by: spec.by, spec: spec.transform };
}
