/**
 * One valid row per contract, for tests here and in modules that feed the contracts. Built from the
 * public J-Quants samples where one exists, so the fixtures cannot drift from real data.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { INVESTOR_CATEGORIES } from '../pipelines/sources/jquants/fields';

export type TestRow = Record<string, unknown>;

/** A calendar where every weekday is a session: keeps tests independent of holiday tables. */
export const WEEKDAY_CALENDAR = {
  isSession(date: string): boolean {
    const day = new Date(`${date}T00:00:00Z`).getUTCDay();
    return day !== 0 && day !== 6;
  },
};

export const PRICE_ROW: TestRow = {
  ticker: '7203', date: '2024-01-04', open: 100, high: 110, low: 90, close: 105, volume: 1000,
  turnover_value: 100000, upper_limit: false, lower_limit: false, adjustment_factor: 1,
  adjustment_open: 100, adjustment_high: 110, adjustment_low: 90, adjustment_close: 105, adjustment_volume: 1000,
};

export const SPLIT_ROW: TestRow = {
  ticker: '7203', ex_date: '2024-03-28', kind: 'split', adjustment_factor: 0.5, dividend_amount: null,
  announcement_date: '2024-02-01', record_date: '2024-03-29', payable_date: null,
};

export const DIVIDEND_ROW: TestRow = {
  ticker: '7203', ex_date: '2024-03-28', kind: 'dividend', adjustment_factor: null, dividend_amount: 30,
  announcement_date: '2024-02-01', record_date: '2024-03-29', payable_date: '2024-06-20',
};

export const LISTED_ROW: TestRow = {
  date: '2022-11-11', ticker: '8697', company_name: '日本取引所グループ', company_name_english: 'Japan Exchange Group,Inc.',
  sector17_code: '16', sector17_code_name: '金融（除く銀行）', sector33_code: '7200', sector33_code_name: 'その他金融業',
  scale_category: 'TOPIX Large70', market_code: '0111', market_code_name: 'プライム', margin_code: '1', margin_code_name: '信用',
};

export const FEATURE_ROW: TestRow = {
  ticker: '7203', date: '2024-01-04', manifest_version: '1.0.0', ret_1d: 0.012, vol_20d: 0.25, rsi_14: null,
};

/** The first row of the public trades_spec sample, in internal snake_case names. */
/** The real J-Quants trades_spec sample (test/fixtures/jquants), as an internal investor_types row. */
export function investorRow(): TestRow {
  const file = path.join(__dirname, '../test/fixtures/jquants/jquants_v1_trades_spec_example.json');
  const sample = (JSON.parse(readFileSync(file, 'utf8')) as { trades_spec: Array<Record<string, unknown>> }).trades_spec[0];
  const row: TestRow = { published_date: '2017-01-13', start_date: '2017-01-04', end_date: '2017-01-06', section: 'TSE1st' };
  for (const [cat, v1] of INVESTOR_CATEGORIES) {
    const sales = Number(sample[`${v1}Sales`]);
    const purchases = Number(sample[`${v1}Purchases`]);
    row[`${cat}_sales`] = sales;
    row[`${cat}_purchases`] = purchases;
    row[`${cat}_total`] = sales + purchases;
    row[`${cat}_balance`] = purchases - sales;
  }
  return row;
}

/** Renders typed rows the way a CSV file holds them ('' for null). */
export function asCsvRow(row: TestRow): Record<string, string> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null || v === undefined ? '' : String(v)]));
}
