import { loadContract } from './loader';
import { asCsvRow, FEATURE_ROW, LISTED_ROW, PRICE_ROW, WEEKDAY_CALENDAR, type TestRow } from './testing';
import { decideQuarantine, validateRows, type InputSource } from './validate';

const price = loadContract('price_data');
const listed = loadContract('listed_info');
const features = loadContract('features');

const OMIT = Symbol('omit');
function patch(base: TestRow, changes: Record<string, unknown>): TestRow {
  const row = { ...base };
  for (const [k, v] of Object.entries(changes)) {
    if (v === OMIT) delete row[k];
    else row[k] = v;
  }
  return row;
}

type FieldCase = [string, Record<string, unknown>, InputSource, { field: string; rule: string; message?: string } | null];

describe('price_data field rules (one case per row: passing and failing)', () => {
  const noTrade = { open: null, high: null, low: null, close: null, volume: null, turnover_value: null,
    adjustment_open: null, adjustment_high: null, adjustment_low: null, adjustment_close: null, adjustment_volume: null };
  const cases: FieldCase[] = [
    ['a complete bar', {}, 'typed', null],
    ['a no-trade day (null OHLCV)', noTrade, 'typed', null],
    ['ticker column missing', { ticker: OMIT }, 'typed', { field: 'ticker', rule: 'required', message: 'ticker is required (column missing)' }],
    ['ticker null', { ticker: null }, 'typed', { field: 'ticker', rule: 'required', message: 'ticker is required, got null' }],
    ['ticker empty in CSV', { ticker: '' }, 'csv', { field: 'ticker', rule: 'required' }],
    ['open > 0 passes', { open: 95 }, 'typed', null],
    ['open negative', { open: -5 }, 'typed', { field: 'open', rule: 'gt', message: 'open must be > 0, got -5' }],
    ['open zero', { open: 0 }, 'typed', { field: 'open', rule: 'gt', message: 'open must be > 0, got 0' }],
    ['open negative in CSV', { open: '-5' }, 'csv', { field: 'open', rule: 'gt', message: 'open must be > 0, got -5' }],
    ['open not a number', { open: 'abc' }, 'csv', { field: 'open', rule: 'type', message: 'open must be a finite number, got "abc"' }],
    ['open numeric string in typed rows', { open: '100' }, 'typed', { field: 'open', rule: 'type' }],
    ['open NaN', { open: Number.NaN }, 'typed', { field: 'open', rule: 'type' }],
    ['open Infinity', { open: Infinity }, 'typed', { field: 'open', rule: 'type' }],
    ['open hex text in CSV', { open: '0x10' }, 'csv', { field: 'open', rule: 'type' }],
    ['volume zero passes', { volume: 0 }, 'typed', null],
    ['volume negative', { volume: -1 }, 'typed', { field: 'volume', rule: 'gte', message: 'volume must be >= 0, got -1' }],
    ['volume fractional', { volume: 1.5 }, 'typed', { field: 'volume', rule: 'integer', message: 'volume must be an integer, got 1.5' }],
    ['volume as float 1000.0 from JSON', { volume: 1000.0 }, 'typed', null],
    ['adjustment_factor column absent (optional)', { adjustment_factor: OMIT }, 'typed', null],
    ['adjustment_factor null', { adjustment_factor: null }, 'typed', null],
    ['adjustment_factor zero', { adjustment_factor: 0 }, 'typed', { field: 'adjustment_factor', rule: 'gt' }],
    ['date not a date', { date: '2024-13-01' }, 'typed', { field: 'date', rule: 'type', message: 'date must be a date YYYY-MM-DD, got "2024-13-01"' }],
    ['date as a number', { date: 20240104 }, 'typed', { field: 'date', rule: 'type' }],
    ['date on the 2020-10-01 outage', { date: '2020-10-01' }, 'typed', { field: 'date', rule: 'tse_session' }],
    ['date on a Saturday', { date: '2024-01-06' }, 'typed', { field: 'date', rule: 'tse_session' }],
    ['date on New Year holiday', { date: '2024-01-02' }, 'typed', { field: 'date', rule: 'tse_session' }],
    ['date as a Date object', { date: new Date('2024-01-04T00:00:00Z') }, 'typed', null],
    ['upper_limit "1" (J-Quants v1)', { upper_limit: '1' }, 'typed', null],
    ['upper_limit not a flag', { upper_limit: 'yes' }, 'csv', { field: 'upper_limit', rule: 'type' }],
  ];
  it.each(cases)('%s', (_name, changes, source, expected) => {
    const row = patch(PRICE_ROW, changes);
    const result = validateRows(price, [source === 'csv' ? asCsvRow(row) : row], { source });
    if (expected === null) {
      expect(result.issues).toEqual([]);
      expect(result.valid).toHaveLength(1);
      return;
    }
    expect(result.valid).toHaveLength(0);
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]).toMatchObject({ row: 1, field: expected.field, rule: expected.rule, contract: 'price_data@1.0.0' });
    if (expected.message) expect(result.issues[0].message).toBe(expected.message);
  });

  it('reports the calendar reason for 2020-10-01 and keeps the raw cell as the issue value', () => {
    const result = validateRows(price, [asCsvRow(patch(PRICE_ROW, { date: '2020-10-01' }))], { source: 'csv' });
    expect(result.issues[0].value).toBe('2020-10-01');
    expect(result.issues[0].message).toMatch(/^date must be a TSE trading session, got "2020-10-01" \(closed: .+\)$/);
  });
});

describe('J-Quants code normalisation (normalize: jquants_code)', () => {
  const cases: Array<[unknown, InputSource, string | { rule: string }]> = [
    ['72030', 'csv', '7203'],
    ['130A0', 'csv', '130A'],
    ['7203', 'csv', '7203'],
    ['130A', 'csv', '130A'],
    [72030, 'typed', '7203'],
    ['1234X', 'csv', { rule: 'pattern' }],
    ['99999', 'csv', { rule: 'pattern' }],
    ['72031', 'csv', { rule: 'pattern' }],
    ['130a', 'csv', { rule: 'pattern' }],
    ['720', 'csv', { rule: 'pattern' }],
    [' 7203', 'csv', { rule: 'pattern' }],
    [7203.5, 'typed', { rule: 'type' }],
  ];
  it.each(cases)('%p (%s) → %p', (input, source, expected) => {
    const row = { ...(source === 'csv' ? asCsvRow(PRICE_ROW) : PRICE_ROW), ticker: input };
    const result = validateRows(price, [row], { source });
    if (typeof expected === 'string') {
      expect(result.issues).toEqual([]);
      expect(result.valid[0].ticker).toBe(expected);
    } else {
      expect(result.issues.map((i) => [i.field, i.rule])).toEqual([['ticker', expected.rule]]);
      expect(result.issues[0].value).toBe(input);
    }
  });

  it('names the pattern and the value in the message', () => {
    const [issue] = validateRows(price, [{ ...PRICE_ROW, ticker: '99999' }]).issues;
    expect(issue.message).toBe('ticker must match ^[0-9]{3}[0-9A-Z]$, got "99999"');
  });

  it('reads the J-Quants column name `code` as ticker (alias)', () => {
    const { ticker, ...rest } = PRICE_ROW;
    const result = validateRows(price, [{ ...rest, code: `${String(ticker)}0` }]);
    expect(result.issues).toEqual([]);
    expect(result.valid[0]).toMatchObject({ ticker: '7203' });
    expect(result.valid[0]).not.toHaveProperty('code');
    expect(result.warnings).toEqual([]);
  });
});

describe('duplicate_policy: reject', () => {
  it('quarantines every row of a duplicated primary key and keeps the others', () => {
    const rows = [PRICE_ROW, { ...PRICE_ROW, date: '2024-01-05' }, { ...PRICE_ROW, close: 106 }];
    const result = validateRows(price, rows);
    expect(result.valid).toHaveLength(1);
    expect(result.quarantined.map((q) => q.row)).toEqual([1, 3]);
    expect(result.issues.map((i) => [i.row, i.field, i.rule])).toEqual([[1, 'ticker,date', 'duplicate_key'], [3, 'ticker,date', 'duplicate_key']]);
    expect(result.issues[0].message).toBe('duplicate primary key (ticker, date) = (7203, 2024-01-04) in rows 1, 3');
    expect(result.issues[0].value).toEqual({ ticker: '7203', date: '2024-01-04' });
  });

  it('compares keys after normalisation (72030 and 7203 are the same stock)', () => {
    const result = validateRows(price, [asCsvRow(PRICE_ROW), asCsvRow({ ...PRICE_ROW, ticker: '72030' })], { source: 'csv' });
    expect(result.counts.byRule).toEqual({ duplicate_key: 2 });
  });

  it('does not group rows whose key is itself invalid', () => {
    const result = validateRows(price, [{ ...PRICE_ROW, ticker: 'bad' }, { ...PRICE_ROW, ticker: 'bad' }]);
    expect(result.counts.byRule).toEqual({ pattern: 2 });
  });
});

describe('other contracts: field constraints', () => {
  const cases: Array<[string, typeof listed, TestRow, Record<string, unknown>, string | null]> = [
    ['listed_info sample row', listed, LISTED_ROW, {}, null],
    ['listed_info market_code outside 0101-0113', listed, LISTED_ROW, { market_code: '0199' }, 'pattern'],
    ['listed_info margin_code not 1/2/3', listed, LISTED_ROW, { margin_code: '4' }, 'enum'],
    ['listed_info sector17 18', listed, LISTED_ROW, { sector17_code: '18' }, 'pattern'],
    ['listed_info empty company name', listed, LISTED_ROW, { company_name: '' }, 'min_length'],
    ['features: nullable feature value', features, FEATURE_ROW, { ret_1d: null }, null],
    ['features: feature value not a number', features, FEATURE_ROW, { ret_1d: 'abc' }, 'type'],
    ['features: feature value infinite', features, FEATURE_ROW, { vol_20d: -Infinity }, 'type'],
    ['features: manifest_version not semver', features, FEATURE_ROW, { manifest_version: '1.0' }, 'pattern'],
  ];
  it.each(cases)('%s', (_name, contract, base, changes, rule) => {
    const result = validateRows(contract, [patch(base, changes)], { calendar: WEEKDAY_CALENDAR });
    expect(result.issues.map((i) => i.rule)).toEqual(rule ? [rule] : []);
  });

  it('enum messages list the allowed values', () => {
    const [issue] = validateRows(listed, [{ ...LISTED_ROW, margin_code: '4' }]).issues;
    expect(issue.message).toBe('margin_code must be one of 1, 2, 3, got "4"');
  });
});

describe('result shape', () => {
  it('numbers rows from 1, shifted by rowOffset', () => {
    const result = validateRows(price, [PRICE_ROW, { ...PRICE_ROW, date: '2024-01-05', open: -1 }], { rowOffset: 10 });
    expect(result.issues[0].row).toBe(12);
    expect(result.quarantined[0]).toMatchObject({ row: 12, record: { open: -1 } });
  });

  it('warns once about columns the contract does not know and keeps system columns', () => {
    const rows = [{ ...PRICE_ROW, foo: 1, _ingested_at: '2024-01-04T09:00:00Z' }, { ...PRICE_ROW, date: '2024-01-05', foo: 2 }];
    const result = validateRows(price, rows);
    expect(result.warnings).toEqual(['ignored columns not in contract price_data@1.0.0: "foo"']);
    expect(result.valid[0]).not.toHaveProperty('foo');
    expect(result.valid[0]._ingested_at).toBe('2024-01-04T09:00:00Z');
  });

  it('types CSV cells: numbers, booleans and empty cells as null', () => {
    const result = validateRows(price, [asCsvRow({ ...PRICE_ROW, turnover_value: null, upper_limit: true })], { source: 'csv' });
    expect(result.valid[0]).toMatchObject({ open: 100, volume: 1000, turnover_value: null, upper_limit: true });
  });

  it('quarantines non-record rows with rule "row" instead of throwing', () => {
    const result = validateRows(price, [null, 42, 'x', [1]] as unknown as Array<Record<string, unknown>>);
    expect(result.counts).toMatchObject({ input: 4, valid: 0, quarantined: 4, byRule: { row: 4 } });
  });

  it('turns a calendar that throws into a tse_session issue', () => {
    const calendar = { isSession: () => { throw new Error('out of range'); } };
    const result = validateRows(price, [PRICE_ROW], { calendar });
    expect(result.issues[0]).toMatchObject({ rule: 'tse_session', message: expect.stringContaining('out of range') });
  });

  it('reports dates outside the default calendar range as tse_session, not as an exception', () => {
    const result = validateRows(price, [{ ...PRICE_ROW, date: '1980-01-04' }]);
    expect(result.issues.map((i) => i.rule)).toEqual(['tse_session']);
  });
});

describe('decideQuarantine', () => {
  const cases: Array<[number, number, number, 'ok' | 'warn' | 'fail']> = [
    [100, 0, 0.01, 'ok'],
    [0, 0, 0.01, 'ok'],
    [100, 1, 0.01, 'warn'],
    [1000, 5, 0.01, 'warn'],
    [100, 2, 0.01, 'fail'],
    [10, 1, 0, 'fail'],
    [10, 10, 1, 'warn'],
  ];
  it.each(cases)('input %d, quarantined %d, max %d → %s', (input, quarantined, max, status) => {
    const decision = decideQuarantine({ counts: { input, quarantined, valid: input - quarantined, byRule: {} } }, max);
    expect(decision.status).toBe(status);
    expect(decision.ratio).toBeCloseTo(input === 0 ? 0 : quarantined / input);
  });
});
