/** Corporate-action adjustment and point-in-time selection: pure functions over columns and rows. */
export { backAdjust, cumulativeFactors, type AdjustedSeries, type SplitSeries } from './splits';
export {
  dividendsPerRow, tickerOfCode, totalReturnFactors, totalReturnSeries, type DividendRow, type TotalReturnInput,
} from './dividends';
export { adjustRows, type AdjustRowsOptions, type PriceRow, type SplitAdjustedColumns, type TotalReturnColumns } from './rows';
export {
  investorTypesAsOf, investorTypesTimeline, type InvestorTypeRow, type InvestorTypesTimeline, type SessionCalendar,
} from './investor-types';
export { sectionOf, type InvestorSection } from './sections';
