/**
 * Feature name → definition, collected from the families in defs/. The manifest loader checks each manifest
 * entry against its definition (dtype, source, warmup, params); names carry their parameters (rsi_14), so
 * params are fixed per definition rather than read from the manifest.
 */
import { CORE_FEATURES } from './defs/core';
import { crossSectionFeatures } from './defs/cross-section';
import { FLOW_FEATURES } from './defs/flows';
import { QLIB_FEATURES } from './defs/qlib';
import { TA_FEATURES } from './defs/ta';
import type { FeatureDef } from './define';

export {
  FEATURE_DTYPES, FEATURE_SOURCES, FLOW_SERIES, SERIES_INPUTS,
  type CrossSectionFeature, type FeatureDef, type FeatureDtype, type FeatureParams, type FeatureSource, type FeatureUnit,
  type FlowFeature, type FlowSeries, type SeriesFeature, type SeriesGroup, type SeriesInput,
} from './define';

const BASE_DEFINITIONS: FeatureDef[] = [...CORE_FEATURES, ...TA_FEATURES, ...QLIB_FEATURES, ...FLOW_FEATURES];
const DEFINITIONS: FeatureDef[] = [...BASE_DEFINITIONS, ...crossSectionFeatures(new Map(BASE_DEFINITIONS.map((d) => [d.name, d])))];

/** Duplicate names and cross-section features over unknown or mismatched bases are programming errors. */
function index(defs: readonly FeatureDef[]): Map<string, FeatureDef> {
  const byName = new Map<string, FeatureDef>();
  for (const d of defs) {
    if (byName.has(d.name)) throw new Error(`feature ${d.name} is defined twice`);
    byName.set(d.name, d);
  }
  for (const d of defs) {
    if (d.kind !== 'cross_section') continue;
    const base = byName.get(d.base);
    if (!base || base.kind === 'cross_section') throw new Error(`${d.name}: base ${d.base} is not a series or flow feature`);
    if (base.warmup !== d.warmup) throw new Error(`${d.name}: warmup ${d.warmup} differs from its base ${d.base}'s (${base.warmup})`);
  }
  return byName;
}

export const FEATURES: ReadonlyMap<string, FeatureDef> = index(DEFINITIONS);

/** Longest history any flow feature reads: how many weekly observations a FlowAccessor should return. */
export const MAX_FLOW_OBSERVATIONS = Math.max(...[...FEATURES.values()].map((d) => (d.kind === 'flows' && typeof d.params.window === 'number' ? d.params.window : 0)));

export function featureDef(name: string): FeatureDef | undefined {
  return FEATURES.get(name);
}
