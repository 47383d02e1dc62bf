import { DAILY_BAR_FIELDS, DIVIDEND_FIELDS, INVESTOR_TYPE_FIELDS, LISTED_INFO_FIELDS, type FieldSpec } from '../sources/jquants/fields';
import type { ColumnSpec, ColumnType } from '../storage/types';

/** Column layouts of the lake's datasets; raw ones follow the J-Quants field tables. */

const fromField = (spec: FieldSpec): ColumnSpec => {
  const type: ColumnType = spec.kind === 'date' ? 'date' : spec.kind === 'number' ? 'double' : spec.kind === 'flag' ? 'boolean' : 'string';
  return { name: spec.name, type };
};

const PROCESSING: ColumnSpec[] = [{ name: '_ingested_at', type: 'timestamp' }, { name: 'run_id', type: 'string' }];

export const RAW_DAILY_BARS: ColumnSpec[] = [...DAILY_BAR_FIELDS.map(fromField), ...PROCESSING];
export const RAW_LISTED_INFO: ColumnSpec[] = [...LISTED_INFO_FIELDS.map(fromField), ...PROCESSING];
export const RAW_INVESTOR_TYPES: ColumnSpec[] = [...INVESTOR_TYPE_FIELDS.map(fromField), ...PROCESSING];
/** Cash dividends announced on the partition's date (fetched only with GOGOOKU3_DIVIDEND_ADJUSTMENT=total_return). */
export const RAW_DIVIDENDS: ColumnSpec[] = [...DIVIDEND_FIELDS.map(fromField), ...PROCESSING];

/** Records the wire schema could not read, kept whole. */
export const RAW_REJECTED: ColumnSpec[] = [
  { name: 'endpoint', type: 'string' }, { name: 'index', type: 'integer' }, { name: 'issues', type: 'string' }, { name: 'record', type: 'string' }, ...PROCESSING,
];

export const VALIDATED_PRICES: ColumnSpec[] = [
  { name: 'ticker', type: 'string' }, { name: 'date', type: 'date' },
  { name: 'open', type: 'double' }, { name: 'high', type: 'double' }, { name: 'low', type: 'double' }, { name: 'close', type: 'double' },
  { name: 'volume', type: 'double' }, { name: 'turnover_value', type: 'double' },
  { name: 'upper_limit', type: 'boolean' }, { name: 'lower_limit', type: 'boolean' },
  { name: 'adjustment_factor', type: 'double' }, { name: 'adjustment_close', type: 'double' },
];

export const QUARANTINE: ColumnSpec[] = [
  { name: 'contract', type: 'string' }, { name: 'stage', type: 'string' }, { name: 'row', type: 'integer' },
  { name: 'rule', type: 'string' }, { name: 'field', type: 'string' }, { name: 'value', type: 'string' },
  { name: 'message', type: 'string' }, { name: 'record', type: 'string' }, ...PROCESSING,
];

/** Raw prices plus the backward-looking cumulative split factor: immutable once written, adjustable as of any date. */
export const ADJUSTED_PRICES: ColumnSpec[] = [
  { name: 'ticker', type: 'string' }, { name: 'date', type: 'date' },
  { name: 'open', type: 'double' }, { name: 'high', type: 'double' }, { name: 'low', type: 'double' }, { name: 'close', type: 'double' },
  { name: 'volume', type: 'double' }, { name: 'turnover_value', type: 'double' }, { name: 'adjustment_factor', type: 'double' }, { name: 'cum_factor', type: 'double' },
  { name: 'upper_limit', type: 'boolean' }, { name: 'lower_limit', type: 'boolean' }, { name: 'section', type: 'string' }, { name: 'sector33', type: 'string' },
];

export const featureColumns = (names: readonly string[]): ColumnSpec[] => [
  { name: 'ticker', type: 'string' }, { name: 'date', type: 'date' },
  ...names.map((name) => ({ name, type: 'double' as const })),
  { name: 'manifest_version', type: 'string' },
];

export const labelColumns = (names: readonly string[]): ColumnSpec[] => [
  { name: 'ticker', type: 'string' }, { name: 'date', type: 'date' },
  ...names.map((name) => ({ name, type: 'double' as const })),
];
