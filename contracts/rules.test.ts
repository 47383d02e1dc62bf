import type { z } from 'zod';
import { INVESTOR_CATEGORIES } from '../pipelines/sources/jquants/fields';
import { mapZodIssue } from './issues';
import { loadAllContracts, loadContract } from './loader';
import { checkRule, nearlyEqual, type CellState } from './rules';
import type { RuleDoc } from './schema';
import { DIVIDEND_ROW, investorRow, PRICE_ROW, SPLIT_ROW, WEEKDAY_CALENDAR, type TestRow } from './testing';
import { validateRows } from './validate';

const contracts = Object.fromEntries(loadAllContracts().map((c) => [c.name, c]));

/** [contract, rule name, base row, changes, violated?] — every cross-field rule appears passing and failing. */
type RuleCase = [string, string, TestRow, Record<string, unknown>, boolean];

const priceCases: RuleCase[] = [
  ['price_data', 'high_ge_max', PRICE_ROW, {}, false],
  ['price_data', 'high_ge_max', PRICE_ROW, { high: 104 }, true],
  ['price_data', 'low_le_min', PRICE_ROW, {}, false],
  ['price_data', 'low_le_min', PRICE_ROW, { low: 101 }, true],
  ['price_data', 'ohlc_all_or_none', PRICE_ROW, { open: null, high: null, low: null, close: null }, false],
  ['price_data', 'ohlc_all_or_none', PRICE_ROW, { high: null }, true],
  ['price_data', 'adjusted_high_ge_max', PRICE_ROW, {}, false],
  ['price_data', 'adjusted_high_ge_max', PRICE_ROW, { adjustment_high: 104 }, true],
  ['price_data', 'adjusted_low_le_min', PRICE_ROW, {}, false],
  ['price_data', 'adjusted_low_le_min', PRICE_ROW, { adjustment_low: 101 }, true],
];

const corporateCases: RuleCase[] = [
  ['corporate_actions', 'split_factor_present', SPLIT_ROW, {}, false],
  ['corporate_actions', 'split_factor_present', SPLIT_ROW, { adjustment_factor: null }, true],
  ['corporate_actions', 'split_factor_below_one', SPLIT_ROW, { adjustment_factor: 0.25 }, false],
  ['corporate_actions', 'split_factor_below_one', SPLIT_ROW, { adjustment_factor: 2 }, true],
  ['corporate_actions', 'reverse_split_factor_above_one', SPLIT_ROW, { kind: 'reverse_split', adjustment_factor: 10 }, false],
  ['corporate_actions', 'reverse_split_factor_above_one', SPLIT_ROW, { kind: 'reverse_split', adjustment_factor: 0.5 }, true],
  ['corporate_actions', 'dividend_not_adjusted', DIVIDEND_ROW, { adjustment_factor: 1 }, false],
  ['corporate_actions', 'dividend_not_adjusted', DIVIDEND_ROW, { adjustment_factor: 0.9 }, true],
  ['corporate_actions', 'dividend_amount_present', DIVIDEND_ROW, {}, false],
  ['corporate_actions', 'dividend_amount_present', DIVIDEND_ROW, { dividend_amount: null }, true],
  ['corporate_actions', 'record_not_before_ex', DIVIDEND_ROW, { record_date: '2024-03-28' }, false],
  ['corporate_actions', 'record_not_before_ex', DIVIDEND_ROW, { record_date: '2024-03-27' }, true],
  ['corporate_actions', 'payable_not_before_record', DIVIDEND_ROW, {}, false],
  ['corporate_actions', 'payable_not_before_record', DIVIDEND_ROW, { payable_date: '2024-03-01' }, true],
];

const investor = investorRow();
const investorCases: RuleCase[] = [
  ['investor_types', 'end_not_before_start', investor, {}, false],
  ['investor_types', 'end_not_before_start', investor, { start_date: '2017-01-06', end_date: '2017-01-05', published_date: '2017-01-13' }, true],
  ['investor_types', 'published_not_before_end', investor, {}, false],
  ['investor_types', 'published_not_before_end', investor, { published_date: '2017-01-05' }, true],
  ...INVESTOR_CATEGORIES.flatMap(([cat]): RuleCase[] => [
    ['investor_types', `${cat}_balance_is_purchases_minus_sales`, investor, {}, false],
    ['investor_types', `${cat}_balance_is_purchases_minus_sales`, investor, { [`${cat}_balance`]: (investor[`${cat}_balance`] as number) + 1 }, true],
    ['investor_types', `${cat}_total_is_sales_plus_purchases`, investor, {}, false],
    ['investor_types', `${cat}_total_is_sales_plus_purchases`, investor, { [`${cat}_total`]: (investor[`${cat}_total`] as number) - 1 }, true],
  ]),
  ...['sales', 'purchases'].flatMap((m): RuleCase[] => [
    ['investor_types', `total_${m}_is_proprietary_plus_brokerage`, investor, {}, false],
    ['investor_types', `total_${m}_is_proprietary_plus_brokerage`, investor, { [`proprietary_${m}`]: (investor[`proprietary_${m}`] as number) + 1 }, true],
    ['investor_types', `brokerage_${m}_is_sum_of_categories`, investor, {}, false],
    ['investor_types', `brokerage_${m}_is_sum_of_categories`, investor, { [`foreigners_${m}`]: (investor[`foreigners_${m}`] as number) + 1 }, true],
  ]),
];

describe('cross-field rules of the committed contracts', () => {
  it.each([...priceCases, ...corporateCases, ...investorCases])('%s %s (violated: %#)', (name, rule, base, changes, violated) => {
    const result = validateRows(contracts[name], [{ ...base, ...changes }], { calendar: WEEKDAY_CALENDAR });
    const rules = result.issues.map((i) => i.rule);
    if (violated) expect(rules).toContain(rule);
    else expect(rules).toEqual([]);
  });

  it('covers every rule of every contract with a passing and a failing case', () => {
    const all = [...priceCases, ...corporateCases, ...investorCases];
    for (const c of Object.values(contracts)) {
      for (const r of c.rules) {
        expect(all.filter(([n, rule, , , v]) => n === c.name && rule === r.name && v)).not.toHaveLength(0);
        expect(all.filter(([n, rule, , , v]) => n === c.name && rule === r.name && !v)).not.toHaveLength(0);
      }
    }
  });

  it('names the fields, the bound and the value in messages', () => {
    const [issue] = validateRows(contracts.price_data, [{ ...PRICE_ROW, high: 104 }], { calendar: WEEKDAY_CALENDAR }).issues;
    expect(issue).toMatchObject({ field: 'high', rule: 'high_ge_max', value: 104, message: 'high must be >= max(open, low, close) = 105, got 104' });
  });

  it('checks a rule only when its fields are present (no adjusted columns → no adjusted rules)', () => {
    const { adjustment_open: _o, adjustment_high: _h, adjustment_low: _l, adjustment_close: _c, ...row } = PRICE_ROW;
    const result = validateRows(contracts.price_data, [{ ...row, adjustment_high: 1 }], { calendar: WEEKDAY_CALENDAR });
    expect(result.issues).toEqual([]);
  });

  it('skips a rule whose fields already failed their own checks (one issue, not a cascade)', () => {
    const result = validateRows(contracts.price_data, [{ ...PRICE_ROW, high: 'x' }], { calendar: WEEKDAY_CALENDAR });
    expect(result.issues.map((i) => i.rule)).toEqual(['type']);
  });

  it('allows float noise in investor-type identities but not a unit off', () => {
    const row = { ...investor, total_balance: (investor.total_balance as number) + 1e-7 };
    expect(validateRows(contracts.investor_types, [row], { calendar: WEEKDAY_CALENDAR }).issues).toEqual([]);
  });
});

describe('checkRule (rule kinds on their own)', () => {
  const v = (value: unknown): CellState => ({ kind: 'value', value });
  const cells = (map: Record<string, CellState>) => (name: string): CellState => map[name] ?? { kind: 'absent' };
  const cases: Array<[string, RuleDoc, Record<string, CellState>, boolean]> = [
    ['gte_max_of skips without comparands', { name: 'r', kind: 'gte_max_of', field: 'a', of: ['b'] }, { a: v(1), b: { kind: 'null' } }, false],
    ['lte_min_of holds at equality', { name: 'r', kind: 'lte_min_of', field: 'a', of: ['b', 'c'] }, { a: v(2), b: v(2), c: v(3) }, false],
    ['equals_difference', { name: 'r', kind: 'equals_difference', field: 'a', minuend: 'b', subtrahend: 'c' }, { a: v(2), b: v(5), c: v(2) }, true],
    ['equals_difference with tolerance', { name: 'r', kind: 'equals_difference', field: 'a', minuend: 'b', subtrahend: 'c', tolerance: 0.5 }, { a: v(3.1), b: v(5), c: v(2) }, false],
    ['equals_sum skips with a part missing', { name: 'r', kind: 'equals_sum', field: 'a', of: ['b', 'c'] }, { a: v(9), b: v(5) }, false],
    ['not_before on dates', { name: 'r', kind: 'not_before', field: 'a', other: 'b' }, { a: v('2024-01-01'), b: v('2024-01-02') }, true],
    ['all_or_none skips when a field is invalid', { name: 'r', kind: 'all_or_none', fields: ['a', 'b'] }, { a: { kind: 'invalid' }, b: { kind: 'null' } }, false],
    ['present ignores an absent column', { name: 'r', kind: 'present', field: 'a' }, {}, false],
    ['bound with when not matching', { name: 'r', kind: 'bound', field: 'a', lt: 1, when: { field: 'k', in: ['x'] } }, { a: v(2), k: v('y') }, false],
    ['bound with when matching', { name: 'r', kind: 'bound', field: 'a', lt: 1, when: { field: 'k', in: ['x'] } }, { a: v(2), k: v('x') }, true],
  ];
  it.each(cases)('%s', (_name, rule, map, violated) => {
    expect(checkRule(rule, cells(map)) !== null).toBe(violated);
  });

  const near: Array<[number, number, number | undefined, boolean]> = [
    [17e9, 17e9 + 1, undefined, false],
    [17e9, 17e9, undefined, true],
    [0.1 + 0.2, 0.3, undefined, true],
    [1e12 + 0.5, 1e12 + 0.5 + 1e-4, undefined, true],
    [1.5e10 + 0.5, 1.5e10 + 1.5, undefined, false],
    [0, 1e-13, undefined, true],
    [0, 1e-6, undefined, false],
    [100, 101, 0.01, true],
    [100, 102, 0.01, false],
  ];
  it.each(near)('nearlyEqual(%d, %d, tolerance %p) is %p', (a, b, tolerance, expected) => {
    expect(nearlyEqual(a, b, tolerance)).toBe(expected);
  });
});

describe('mapZodIssue: zod issue codes → rule names', () => {
  const ctx = (value: unknown, type: 'number' | 'integer' | 'string' | 'date' = 'number') => ({ field: 'x', type, raw: value, value });
  const issue = (i: Record<string, unknown>) => ({ path: ['x'], message: 'zod says no', ...i }) as unknown as z.core.$ZodIssue;
  const cases: Array<[string, z.core.$ZodIssue, ReturnType<typeof ctx>, string, string]> = [
    ['missing value', issue({ code: 'invalid_type', expected: 'number' }), ctx(undefined), 'required', 'x is required (column missing)'],
    ['null value', issue({ code: 'invalid_type', expected: 'number' }), ctx(null), 'required', 'x is required, got null'],
    ['wrong type', issue({ code: 'invalid_type', expected: 'number' }), ctx('a'), 'type', 'x must be a finite number, got "a"'],
    ['fraction for int', issue({ code: 'invalid_type', expected: 'int' }), ctx(1.5, 'integer'), 'integer', 'x must be an integer, got 1.5'],
    ['exclusive minimum', issue({ code: 'too_small', origin: 'number', minimum: 0, inclusive: false }), ctx(0), 'gt', 'x must be > 0, got 0'],
    ['inclusive minimum', issue({ code: 'too_small', origin: 'number', minimum: 0, inclusive: true }), ctx(-1), 'gte', 'x must be >= 0, got -1'],
    ['exclusive maximum', issue({ code: 'too_big', origin: 'number', maximum: 1, inclusive: false }), ctx(1), 'lt', 'x must be < 1, got 1'],
    ['inclusive maximum', issue({ code: 'too_big', origin: 'number', maximum: 1, inclusive: true }), ctx(2), 'lte', 'x must be <= 1, got 2'],
    ['unsafe integer', issue({ code: 'too_big', origin: 'int', maximum: Number.MAX_SAFE_INTEGER, inclusive: true }), ctx(1e20, 'integer'), 'integer', 'x must be a safe integer, got 100000000000000000000'],
    ['short string', issue({ code: 'too_small', origin: 'string', minimum: 1, inclusive: true }), ctx('', 'string'), 'min_length', 'x must have at least 1 characters, got ""'],
    ['long string', issue({ code: 'too_big', origin: 'string', maximum: 2, inclusive: true }), ctx('abc', 'string'), 'max_length', 'x must have at most 2 characters, got "abc"'],
    ['regex', issue({ code: 'invalid_format', format: 'regex', pattern: '/^a$/' }), ctx('b', 'string'), 'pattern', 'x must match ^a$, got "b"'],
    ['bad date', issue({ code: 'invalid_format', format: 'date' }), ctx('2024-02-30', 'date'), 'type', 'x must be a date YYYY-MM-DD, got "2024-02-30"'],
    ['enum', issue({ code: 'invalid_value', values: ['a', 'b'] }), ctx('c', 'string'), 'enum', 'x must be one of a, b, got "c"'],
    ['custom with a rule', issue({ code: 'custom', params: { rule: 'my_rule' } }), ctx(1), 'my_rule', 'x: zod says no, got 1'],
    ['unknown code', issue({ code: 'something_new' }), ctx(1), 'type', 'x must be a finite number, got 1'],
  ];
  it.each(cases)('%s', (_name, zi, c, rule, message) => {
    expect(mapZodIssue(zi, c)).toEqual({ field: 'x', rule, message });
  });

  it('mentions the raw value when normalisation changed it', () => {
    const m = mapZodIssue(issue({ code: 'invalid_format', format: 'regex', pattern: '/^a$/' }), { field: 'x', type: 'string', raw: '1234X0', value: '1234X' });
    expect(m.message).toBe('x must match ^a$, got "1234X" (read from "1234X0")');
  });
});

it('the sample fixtures are valid rows of their contracts', () => {
  expect(validateRows(loadContract('corporate_actions'), [SPLIT_ROW, DIVIDEND_ROW], { calendar: WEEKDAY_CALENDAR }).issues).toEqual([]);
});
