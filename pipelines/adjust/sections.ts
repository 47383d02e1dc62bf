/**
 * Which weekly investor-type Section (trades_spec) a stock's market segment belongs to on a date. The TSE
 * restructured its segments on 2022-04-04, and trades_spec switched section names with it.
 */
import { MARKET_RESTRUCTURE_DATE, type SECTIONS_BEFORE_2022, type SECTIONS_FROM_2022 } from '../sources/jquants/fields';

export type InvestorSection = (typeof SECTIONS_BEFORE_2022)[number] | (typeof SECTIONS_FROM_2022)[number];

const BEFORE: Readonly<Record<string, InvestorSection | null>> = {
  '0101': 'TSE1st',
  '0102': 'TSE2nd',
  '0104': 'TSEMothers',
  // TOKYO PRO MARKET (professional investors only) has no investor-type statistics, before or after.
  '0105': null,
  '0106': 'TSEJASDAQ',
  '0107': 'TSEJASDAQ',
  '0109': null,
};

const FROM_2022: Readonly<Record<string, InvestorSection | null>> = {
  '0105': null,
  '0109': null,
  '0111': 'TSEPrime',
  '0112': 'TSEStandard',
  '0113': 'TSEGrowth',
};

/**
 * The section for a listed-info MarketCode on `date` (YYYY-MM-DD), or null when there is none: TOKYO PRO MARKET,
 * "other", a missing or unknown code, or a code of the other era (0101 after the restructuring, 0111 before it), whose
 * section has no statistics on that date; a stale listed-info row must not borrow a series that does not exist.
 */
export function sectionOf(marketCode: string | null | undefined, date: string): InvestorSection | null {
  if (marketCode == null) return null;
  const table = date >= MARKET_RESTRUCTURE_DATE ? FROM_2022 : BEFORE;
  return Object.hasOwn(table, marketCode) ? table[marketCode] : null;
}
