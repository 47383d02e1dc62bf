/**
 * Cross-sectional features: where a ticker stands among all tickers on the same session (or among its
 * TSE 33-sector peers). Statistics are per date only (cross-section.ts), so nothing leaks across dates.
 */
import { crossSection, type CrossSectionFeature, type FeatureDef } from '../define';
import type { CrossSectionSpec } from '../cross-section';

interface Entry {
  name: string;
  base: string;
  by: CrossSectionFeature['by'];
  transform: CrossSectionSpec;
}

const rank = (base: string, by: Entry['by'] = 'date'): Entry => ({ name: `${by === 'date' ? 'cs' : 'sector'}_rank_${base}`, base, by, transform: { transform: 'rank' } });
const robust = (base: string): Entry => ({ name: `cs_robust_z_${base}`, base, by: 'date', transform: { transform: 'robust_z', clip: 5 } });

const ENTRIES: Entry[] = [
  rank('returns_1d'), rank('returns_5d'), rank('returns_20d'), rank('returns_60d'),
  rank('volatility_20'), rank('vol_ratio_20'), rank('turnover_20'), rank('amihud_20'), rank('momentum_250_20'),
  robust('returns_20d'), robust('rsi_14'),
  { name: 'cs_gauss_returns_5d', base: 'returns_5d', by: 'date', transform: { transform: 'rank_gauss' } },
  rank('returns_5d', 'date_sector33'), rank('returns_20d', 'date_sector33'),
  { name: 'sector_demean_returns_20d', base: 'returns_20d', by: 'date_sector33', transform: { transform: 'demean' } },
  { name: 'sector_z_returns_20d', base: 'returns_20d', by: 'date_sector33', transform: { transform: 'zscore', clip: 5 } },
];

/** The definitions, given the other features (a cross-sectional feature starts where its base does). */
export function crossSectionFeatures(byName: ReadonlyMap<string, FeatureDef>): CrossSectionFeature[] {
  return ENTRIES.map((e) => {
    const base = byName.get(e.base);
    if (!base) throw new Error(`${e.name}: no feature ${e.base} to transform`);
    return crossSection(e.name, { base: e.base, by: e.by, transform: e.transform, warmup: base.warmup });
  });
}
