/**
 * The J-Quants wire formats (v1 and v2) and the one internal shape both normalise to.
 * The client and the simulator share these tables so the two cannot drift apart.
 * Sources: ../shared/reference/jquants/FIELDS.md and the v1 samples in test/fixtures/jquants/.
 */

export type ApiVersion = 'v1' | 'v2';

/** How a wire value is read: all kinds accept null (missing data is a contract matter, not a parse error). */
export type FieldKind = 'date' | 'code' | 'string' | 'number' | 'flag';

export interface FieldSpec {
  /** Internal (snake_case) name, used by contracts, Parquet columns and the DWH. */
  name: string;
  v1: string;
  v2: string;
  kind: FieldKind;
  /** Rows without this field are rejected (key fields). */
  required?: boolean;
}

export type EndpointName = 'daily_bars' | 'listed_info' | 'trading_calendar' | 'investor_types' | 'dividends';

export interface EndpointSpec {
  name: EndpointName;
  v1Path: string;
  /** The array key of a v1 reply (v2 replies always use `data`). */
  v1ArrayKey: string;
  v2Path: string;
  fields: FieldSpec[];
  /** Query parameters the endpoint accepts besides `pagination_key`. */
  params: string[];
  /** Parameters that name a date range the client may split on a 413. */
  range?: { from: string; to: string };
}

const f = (name: string, v1: string, v2: string, kind: FieldKind, required = false): FieldSpec => ({ name, v1, v2, kind, required });

export const DAILY_BAR_FIELDS: FieldSpec[] = [
  f('date', 'Date', 'Date', 'date', true),
  f('code', 'Code', 'Code', 'code', true),
  f('open', 'Open', 'O', 'number'),
  f('high', 'High', 'H', 'number'),
  f('low', 'Low', 'L', 'number'),
  f('close', 'Close', 'C', 'number'),
  f('upper_limit', 'UpperLimit', 'UL', 'flag'),
  f('lower_limit', 'LowerLimit', 'LL', 'flag'),
  f('volume', 'Volume', 'Vo', 'number'),
  f('turnover_value', 'TurnoverValue', 'Va', 'number'),
  f('adjustment_factor', 'AdjustmentFactor', 'AdjFactor', 'number'),
  f('adjustment_open', 'AdjustmentOpen', 'AdjO', 'number'),
  f('adjustment_high', 'AdjustmentHigh', 'AdjH', 'number'),
  f('adjustment_low', 'AdjustmentLow', 'AdjL', 'number'),
  f('adjustment_close', 'AdjustmentClose', 'AdjC', 'number'),
  f('adjustment_volume', 'AdjustmentVolume', 'AdjVo', 'number'),
];

/** Premium plans repeat the bar fields per half-day session; they are known, not "unknown", and not kept. */
export const DAILY_BAR_SESSION_PREFIXES = { v1: ['Morning', 'Afternoon'], v2: ['M', 'A'] } as const;

export const LISTED_INFO_FIELDS: FieldSpec[] = [
  f('date', 'Date', 'Date', 'date', true),
  f('code', 'Code', 'Code', 'code', true),
  f('company_name', 'CompanyName', 'CoName', 'string'),
  f('company_name_english', 'CompanyNameEnglish', 'CoNameEn', 'string'),
  f('sector17_code', 'Sector17Code', 'S17', 'string'),
  f('sector17_code_name', 'Sector17CodeName', 'S17Nm', 'string'),
  f('sector33_code', 'Sector33Code', 'S33', 'string'),
  f('sector33_code_name', 'Sector33CodeName', 'S33Nm', 'string'),
  f('scale_category', 'ScaleCategory', 'ScaleCat', 'string'),
  f('market_code', 'MarketCode', 'Mkt', 'string'),
  f('market_code_name', 'MarketCodeName', 'MktNm', 'string'),
  f('margin_code', 'MarginCode', 'Mrgn', 'string'),
  f('margin_code_name', 'MarginCodeName', 'MrgnNm', 'string'),
];

export const TRADING_CALENDAR_FIELDS: FieldSpec[] = [
  f('date', 'Date', 'Date', 'date', true),
  f('holiday_division', 'HolidayDivision', 'HolDiv', 'string', true),
];

/** Investor categories of the weekly trades_spec: [internal prefix, v1 prefix, v2 prefix]. */
export const INVESTOR_CATEGORIES: ReadonlyArray<readonly [string, string, string]> = [
  ['proprietary', 'Proprietary', 'Prop'],
  ['brokerage', 'Brokerage', 'Brk'],
  ['total', 'Total', 'Tot'],
  ['individuals', 'Individuals', 'Ind'],
  ['foreigners', 'Foreigners', 'Frgn'],
  ['securities_cos', 'SecuritiesCos', 'SecCo'],
  ['investment_trusts', 'InvestmentTrusts', 'InvTr'],
  ['business_cos', 'BusinessCos', 'BusCo'],
  ['other_cos', 'OtherCos', 'OthCo'],
  ['insurance_cos', 'InsuranceCos', 'InsCo'],
  ['city_bks_regional_bks_etc', 'CityBKsRegionalBKsEtc', 'Bank'],
  ['trust_banks', 'TrustBanks', 'TrstBnk'],
  ['other_financial_institutions', 'OtherFinancialInstitutions', 'OthFin'],
];

/** Measures per category: [internal suffix, v1 suffix, v2 suffix]. Balance = Purchases − Sales; Total = Sales + Purchases. */
export const INVESTOR_MEASURES: ReadonlyArray<readonly [string, string, string]> = [
  ['sales', 'Sales', 'Sell'],
  ['purchases', 'Purchases', 'Buy'],
  ['total', 'Total', 'Tot'],
  ['balance', 'Balance', 'Bal'],
];

/** Brokerage (agency) trading is the sum of these categories; TotalX = ProprietaryX + BrokerageX. */
export const BROKERAGE_COMPONENTS = [
  'individuals', 'foreigners', 'securities_cos', 'investment_trusts', 'business_cos', 'other_cos',
  'insurance_cos', 'city_bks_regional_bks_etc', 'trust_banks', 'other_financial_institutions',
] as const;

export const INVESTOR_TYPE_FIELDS: FieldSpec[] = [
  f('published_date', 'PublishedDate', 'PubDate', 'date', true),
  f('start_date', 'StartDate', 'StDate', 'date', true),
  f('end_date', 'EndDate', 'EnDate', 'date', true),
  f('section', 'Section', 'Section', 'string', true),
  ...INVESTOR_CATEGORIES.flatMap(([cat, v1c, v2c]) =>
    INVESTOR_MEASURES.map(([m, v1m, v2m]) => f(`${cat}_${m}`, `${v1c}${v1m}`, `${v2c}${v2m}`, 'number'))),
];

/** Cash dividends (the subset of fields the platform uses; other fields are reported as unknown, not kept). */
export const DIVIDEND_FIELDS: FieldSpec[] = [
  f('announcement_date', 'AnnouncementDate', 'PubDate', 'date', true),
  f('code', 'Code', 'Code', 'code', true),
  f('reference_number', 'ReferenceNumber', 'RefNo', 'string', true),
  f('status_code', 'StatusCode', 'StatCode', 'string'),
  f('interim_final_code', 'InterimFinalCode', 'IFCode', 'string'),
  f('forecast_result_code', 'ForecastResultCode', 'FRCode', 'string'),
  f('gross_dividend_rate', 'GrossDividendRate', 'DivRate', 'number'),
  f('record_date', 'RecordDate', 'RecDate', 'date'),
  f('ex_date', 'ExDate', 'ExDate', 'date'),
  f('payable_date', 'PayableDate', 'PayDate', 'date'),
];

export const ENDPOINTS: Record<EndpointName, EndpointSpec> = {
  daily_bars: {
    name: 'daily_bars', v1Path: '/prices/daily_quotes', v1ArrayKey: 'daily_quotes', v2Path: '/equities/bars/daily',
    fields: DAILY_BAR_FIELDS, params: ['code', 'date', 'from', 'to'], range: { from: 'from', to: 'to' },
  },
  listed_info: {
    name: 'listed_info', v1Path: '/listed/info', v1ArrayKey: 'info', v2Path: '/equities/master',
    fields: LISTED_INFO_FIELDS, params: ['code', 'date'],
  },
  trading_calendar: {
    name: 'trading_calendar', v1Path: '/markets/trading_calendar', v1ArrayKey: 'trading_calendar', v2Path: '/markets/calendar',
    fields: TRADING_CALENDAR_FIELDS, params: ['holidaydivision', 'from', 'to'], range: { from: 'from', to: 'to' },
  },
  investor_types: {
    name: 'investor_types', v1Path: '/markets/trades_spec', v1ArrayKey: 'trades_spec', v2Path: '/equities/investor-types',
    fields: INVESTOR_TYPE_FIELDS, params: ['section', 'from', 'to'], range: { from: 'from', to: 'to' },
  },
  dividends: {
    name: 'dividends', v1Path: '/fins/dividend', v1ArrayKey: 'dividend', v2Path: '/fins/dividend',
    fields: DIVIDEND_FIELDS, params: ['code', 'date', 'from', 'to'], range: { from: 'from', to: 'to' },
  },
};

/** Market sections of the weekly investor-type statistics (TSE restructured on 2022-04-04). */
export const SECTIONS_BEFORE_2022 = ['TSE1st', 'TSE2nd', 'TSEMothers', 'TSEJASDAQ', 'TokyoNagoya'] as const;
export const SECTIONS_FROM_2022 = ['TSEPrime', 'TSEStandard', 'TSEGrowth', 'TokyoNagoya'] as const;
export const MARKET_RESTRUCTURE_DATE = '2022-04-04';

/** Internal row shapes (snake_case, as stored). Numbers are null where J-Quants sends null. */
export type Row = Record<string, string | number | boolean | null>;

export function wireName(spec: FieldSpec, version: ApiVersion): string {
  return version === 'v1' ? spec.v1 : spec.v2;
}

export function arrayKey(endpoint: EndpointSpec, version: ApiVersion): string {
  return version === 'v1' ? endpoint.v1ArrayKey : 'data';
}

export function endpointPath(endpoint: EndpointSpec, version: ApiVersion): string {
  return `/${version}${version === 'v1' ? endpoint.v1Path : endpoint.v2Path}`;
}

/** Writes an internal row in a version's wire format (used by the simulator and by tests). */
export function toWire(endpoint: EndpointSpec, version: ApiVersion, row: Row): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const spec of endpoint.fields) {
    const value = row[spec.name];
    if (value === undefined) continue;
    out[wireName(spec, version)] = spec.kind === 'flag' && typeof value === 'boolean' ? (value ? '1' : '0') : value;
  }
  return out;
}
